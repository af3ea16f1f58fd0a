#include "addon/addon.h"

#include "addon/async.h"
#include "addon/audio_dsp.h"
#include "addon/audio_file.h"
#include "addon/chain_wrap.h"
#include "addon/convert.h"
#include "addon/errors.h"
#include "addon/plugin_output.h"
#include "addon/plugin_wrap.h"
#include "host/control_thread.h"
#include "host/crash_marker.h"
#include "host/module.h"

namespace mixchain::addon {

Addon::Addon(Napi::Env env, Napi::Object exports) {
  crash_marker::openFromEnvironment();
  pluginClass = Napi::Persistent(PluginWrap::define(env));
  chainClass = Napi::Persistent(ChainWrap::define(env));
  DefineAddon(exports, {
                           InstanceMethod("createPlugin", &Addon::createPlugin),
                           InstanceMethod("createPluginAsync", &Addon::createPluginAsync),
                           InstanceMethod("scanBundle", &Addon::scanBundle),
                           InstanceMethod("liveInstances", &Addon::liveInstances),
                           InstanceMethod("setCrashTask", &Addon::setCrashTask),
                           InstanceValue("Chain", chainClass.Value()),
                       });
  defineAudioFileFunctions(env, exports);
  defineAudioDspFunctions(env, exports);
  definePluginOutputFunctions(env, exports);
  env.AddCleanupHook(&Addon::cleanup, this);
}

void Addon::cleanup(void* self) {
  // The environment is exiting (a worker ended, or the process): close what it opened. A render
  // still running on another thread holds its own reference and frees its plugins when done.
  for (auto& weak : static_cast<Addon*>(self)->handles_) {
    if (auto handle = weak.lock()) handle->plugin.reset();
  }
}

Napi::Object Addon::wrapPlugin(Napi::Env env, std::shared_ptr<Plugin> plugin) {
  auto handle = std::make_shared<PluginHandle>();
  handle->plugin = std::move(plugin);
  handles_.erase(std::remove_if(handles_.begin(), handles_.end(), [](auto& w) { return w.expired(); }), handles_.end());
  handles_.push_back(handle);
  // The constructor takes the handle from here: no JS value can smuggle one in.
  pendingHandle = std::move(handle);
  return pluginClass.New({});
}

Napi::Value Addon::createPlugin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    std::shared_ptr<Plugin> plugin = Plugin::create(toPluginConfig(info[0].As<Napi::Object>()));
    return Napi::Value(wrapPlugin(env, std::move(plugin)));
  });
}

Napi::Value Addon::createPluginAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PluginConfig config = guard(env, [&] { return toPluginConfig(info[0].As<Napi::Object>()); });
  return runAsync<std::shared_ptr<Plugin>>(
      env, RunOn::ControlThread, [config] { return std::shared_ptr<Plugin>(Plugin::create(config)); },
      [](Napi::Env env, std::shared_ptr<Plugin>& plugin) {
        return Napi::Value(env.GetInstanceData<Addon>()->wrapPlugin(env, std::move(plugin)));
      });
}

Napi::Value Addon::scanBundle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    auto module = ControlThread::instance().run([&] { return Module::open(path); });
    Napi::Object out = Napi::Object::New(env);
    out.Set("bundlePath", path);
    out.Set("binaryPath", module->binaryPath());
    out.Set("factoryVendor", module->factoryVendor());
    out.Set("factoryUrl", module->factoryUrl());
    Napi::Array classes = Napi::Array::New(env, module->classes().size());
    for (uint32_t i = 0; i < module->classes().size(); ++i) classes.Set(i, classInfo(env, module->classes()[i]));
    out.Set("classes", classes);
    return Napi::Value(out);
  });
}

Napi::Value Addon::liveInstances(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Plugin::liveCount()));
}

// The task this JS thread works for from now on (0: none): every plugin call it makes, directly
// or through the control thread and async work, is charged to it in the crash marker.
Napi::Value Addon::setCrashTask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    const double tag = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
    if (!(tag >= 0 && tag <= 4294967295.0 && tag == static_cast<double>(static_cast<uint32_t>(tag)))) {
      fail("ERR_INVALID_ARGUMENT", "Expected a task tag from 0 to 2^32-1 for setCrashTask");
    }
    crash_marker::setCurrentTask(static_cast<uint32_t>(tag));
    return env.Undefined();
  });
}

}  // namespace mixchain::addon

using MixchainAddon = mixchain::addon::Addon;
NODE_API_ADDON(MixchainAddon)
