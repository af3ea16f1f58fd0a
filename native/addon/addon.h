// The addon's per-environment state (main thread and every worker thread that loads it): the
// JS classes and the plugins this environment created, which its cleanup hook closes when the
// environment exits. Process-wide state (modules, the control thread) lives in the host core.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "addon/plugin_handle.h"

namespace mixchain::addon {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);

  // A JS Plugin object for a freshly created plugin, tracked for cleanup.
  Napi::Object wrapPlugin(Napi::Env env, std::shared_ptr<Plugin> plugin);
  Napi::FunctionReference pluginClass;
  // Handed from wrapPlugin to the Plugin constructor it calls.
  std::shared_ptr<PluginHandle> pendingHandle;
  Napi::FunctionReference chainClass;

 private:
  Napi::Value createPlugin(const Napi::CallbackInfo& info);
  Napi::Value createPluginAsync(const Napi::CallbackInfo& info);
  Napi::Value scanBundle(const Napi::CallbackInfo& info);
  Napi::Value liveInstances(const Napi::CallbackInfo& info);
  Napi::Value setCrashTask(const Napi::CallbackInfo& info);
  static void cleanup(void* self);

  std::vector<std::weak_ptr<PluginHandle>> handles_;
};

}  // namespace mixchain::addon
