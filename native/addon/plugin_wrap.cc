#include "addon/plugin_wrap.h"

#include <cstring>

#include "addon/addon.h"
#include "addon/async.h"
#include "addon/convert.h"
#include "addon/errors.h"
#include "host/denormals.h"

namespace mixchain::addon {

namespace {

// Tags Plugin objects so a Chain refuses anything else passed in their place.
const napi_type_tag kPluginTag = {0x6d697863'6861696eULL, 0x706c7567'696e3031ULL};

const Parameter& parameterById(const Plugin& plugin, const Napi::Value& id) {
  return plugin.findParameter(std::to_string(id.As<Napi::Number>().Uint32Value()));
}

}  // namespace

Napi::Function PluginWrap::define(Napi::Env env) {
  return DefineClass(env, "NativePlugin",
                     {
                         InstanceMethod("info", &PluginWrap::info),
                         InstanceMethod("parameters", &PluginWrap::parameters),
                         InstanceMethod("findParameter", &PluginWrap::findParameter),
                         InstanceMethod("normalizedFromDisplay", &PluginWrap::normalizedFromDisplay),
                         InstanceMethod("normalizedFromText", &PluginWrap::normalizedFromText),
                         InstanceMethod("textFor", &PluginWrap::textFor),
                         InstanceMethod("getParameter", &PluginWrap::getParameter),
                         InstanceMethod("setNormalized", &PluginWrap::setNormalized),
                         InstanceMethod("automate", &PluginWrap::automate),
                         InstanceMethod("clearAutomation", &PluginWrap::clearAutomation),
                         InstanceMethod("getState", &PluginWrap::getState),
                         InstanceMethod("setState", &PluginWrap::setState),
                         InstanceMethod("savePreset", &PluginWrap::savePreset),
                         InstanceMethod("loadPreset", &PluginWrap::loadPreset),
                         InstanceMethod("latency", &PluginWrap::latency),
                         InstanceMethod("reset", &PluginWrap::reset),
                         InstanceMethod("process", &PluginWrap::process),
                         InstanceMethod("close", &PluginWrap::close),
                         InstanceMethod("closeAsync", &PluginWrap::closeAsync),
                         InstanceMethod("closed", &PluginWrap::closed),
                     });
}

bool PluginWrap::isPlugin(const Napi::Value& value) {
  return value.IsObject() && value.As<Napi::Object>().CheckTypeTag(&kPluginTag);
}

PluginWrap::PluginWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PluginWrap>(info) {
  handle_ = std::move(info.Env().GetInstanceData<Addon>()->pendingHandle);
  if (!handle_) throw codedError(info.Env(), "ERR_INTERNAL", "Plugins are made by loadPlugin, not by new");
  info.This().As<Napi::Object>().TypeTag(&kPluginTag);
}

template <typename Fn>
Napi::Value PluginWrap::use(const Napi::CallbackInfo& info, const char* action, Fn&& fn) {
  return guard(info.Env(), [&] {
    const std::shared_ptr<Plugin> plugin = handle_->get(action);
    BusyScope busy(handle_);
    return Napi::Value(fn(*plugin));
  });
}

Napi::Value PluginWrap::info(const Napi::CallbackInfo& info) {
  return use(info, "read info", [&](Plugin& plugin) { return pluginInfo(info.Env(), plugin); });
}

Napi::Value PluginWrap::parameters(const Napi::CallbackInfo& info) {
  return use(info, "list parameters", [&](Plugin& plugin) {
    const auto& list = plugin.parameters();
    Napi::Array out = Napi::Array::New(info.Env(), list.size());
    for (uint32_t i = 0; i < list.size(); ++i) out.Set(i, parameterInfo(info.Env(), list[i]));
    return out;
  });
}

Napi::Value PluginWrap::findParameter(const Napi::CallbackInfo& info) {
  return use(info, "find a parameter", [&](Plugin& plugin) {
    return parameterInfo(info.Env(), plugin.findParameter(info[0].As<Napi::String>().Utf8Value()));
  });
}

Napi::Value PluginWrap::normalizedFromDisplay(const Napi::CallbackInfo& info) {
  return use(info, "convert a value", [&](Plugin& plugin) {
    const double value = info[1].As<Napi::Number>().DoubleValue();
    return Napi::Number::New(info.Env(), plugin.normalizedFromDisplay(parameterById(plugin, info[0]), value));
  });
}

Napi::Value PluginWrap::normalizedFromText(const Napi::CallbackInfo& info) {
  return use(info, "convert a value", [&](Plugin& plugin) {
    const std::string text = info[1].As<Napi::String>().Utf8Value();
    return Napi::Number::New(info.Env(), plugin.normalizedFromText(parameterById(plugin, info[0]), text));
  });
}

Napi::Value PluginWrap::textFor(const Napi::CallbackInfo& info) {
  return use(info, "convert a value", [&](Plugin& plugin) {
    const double normalized = info[1].As<Napi::Number>().DoubleValue();
    return Napi::String::New(info.Env(), plugin.textFor(parameterById(plugin, info[0]), normalized));
  });
}

Napi::Value PluginWrap::getParameter(const Napi::CallbackInfo& info) {
  return use(info, "read a parameter", [&](Plugin& plugin) {
    const ParameterValue value = plugin.value(parameterById(plugin, info[0]));
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("normalized", value.normalized);
    out.Set("plain", value.plain);
    out.Set("text", value.text);
    return out;
  });
}

Napi::Value PluginWrap::setNormalized(const Napi::CallbackInfo& info) {
  return use(info, "set a parameter", [&](Plugin& plugin) {
    plugin.setNormalized(parameterById(plugin, info[0]), info[1].As<Napi::Number>().DoubleValue());
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::automate(const Napi::CallbackInfo& info) {
  return use(info, "automate a parameter", [&](Plugin& plugin) {
    auto samples = info[1].As<Napi::Float64Array>();
    auto values = info[2].As<Napi::Float64Array>();
    std::vector<AutomationPoint> points(samples.ElementLength());
    for (size_t i = 0; i < points.size(); ++i) {
      points[i] = AutomationPoint{static_cast<int64_t>(samples[i]), values[i]};
    }
    plugin.automate(parameterById(plugin, info[0]), std::move(points));
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::clearAutomation(const Napi::CallbackInfo& info) {
  return use(info, "clear automation", [&](Plugin& plugin) {
    plugin.clearAutomation();
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::getState(const Napi::CallbackInfo& info) {
  return use(info, "read the state", [&](Plugin& plugin) {
    const auto state = plugin.state();
    auto out = Napi::Uint8Array::New(info.Env(), state.size());
    if (!state.empty()) std::memcpy(out.Data(), state.data(), state.size());
    return out;
  });
}

Napi::Value PluginWrap::setState(const Napi::CallbackInfo& info) {
  return use(info, "restore a state", [&](Plugin& plugin) {
    auto bytes = info[0].As<Napi::Uint8Array>();
    plugin.setState(std::vector<Steinberg::uint8>(bytes.Data(), bytes.Data() + bytes.ElementLength()));
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::savePreset(const Napi::CallbackInfo& info) {
  return use(info, "save a preset", [&](Plugin& plugin) {
    plugin.savePreset(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::loadPreset(const Napi::CallbackInfo& info) {
  return use(info, "load a preset", [&](Plugin& plugin) {
    plugin.loadPreset(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::latency(const Napi::CallbackInfo& info) {
  return use(info, "read the latency",
             [&](Plugin& plugin) { return Napi::Number::New(info.Env(), plugin.latencySamples()); });
}

Napi::Value PluginWrap::reset(const Napi::CallbackInfo& info) {
  return use(info, "reset", [&](Plugin& plugin) {
    plugin.reset();
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::process(const Napi::CallbackInfo& info) {
  return use(info, "process", [&](Plugin& plugin) {
    const PluginConfig& config = plugin.config();
    std::vector<float*> in, out;
    const size_t frames = channelPointers(info[0], config.channels, in, "the input");
    if (channelPointers(info[1], config.channels, out, "the output") != frames) {
      fail("ERR_CHANNELS", "Expected the output to have as many frames as the input (" + std::to_string(frames) + ")");
    }
    if (frames == 0 || frames % config.maxBlockSize != 0) {
      fail("ERR_BLOCK_LENGTH", "Expected a positive multiple of the block size " + std::to_string(config.maxBlockSize) +
                                   " frames but got " + std::to_string(frames));
    }
    // The plugin may not read and write the same memory: in-place calls go through a copy.
    std::vector<float> copy;
    std::vector<const float*> source(in.begin(), in.end());
    if (std::equal(in.begin(), in.end(), out.begin())) {
      copy.resize(frames * in.size());
      for (size_t c = 0; c < in.size(); ++c) {
        std::memcpy(copy.data() + c * frames, in[c], frames * sizeof(float));
        source[c] = copy.data() + c * frames;
      }
    }
    ScopedNoDenormals noDenormals;
    std::vector<const float*> blockIn(in.size());
    std::vector<float*> blockOut(out.size());
    for (size_t at = 0; at < frames; at += config.maxBlockSize) {
      for (size_t c = 0; c < in.size(); ++c) {
        blockIn[c] = source[c] + at;
        blockOut[c] = out[c] + at;
      }
      plugin.processBlock(blockIn.data(), blockOut.data(), config.maxBlockSize);
    }
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::close(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    if (handle_->plugin) {
      BusyScope busy(handle_);
      handle_->plugin.reset();
    }
    return info.Env().Undefined();
  });
}

Napi::Value PluginWrap::closeAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto taken = guard(env, [&] {
    BusyScope busy(handle_);
    return std::move(handle_->plugin);
  });
  // Teardown (ZamVerb's takes a while) runs on the control thread, off the JS thread.
  return runAsync<bool>(
      env, RunOn::ControlThread,
      [taken = std::move(taken)]() mutable {
        taken.reset();
        return true;
      },
      [](Napi::Env env, bool&) { return env.Undefined(); });
}

Napi::Value PluginWrap::closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !handle_->plugin);
}

}  // namespace mixchain::addon
