// The JS class behind the library's Plugin: thin methods over the host core's Plugin, each
// checked for closed/busy and converting errors to coded JS errors.
#pragma once

#include <napi.h>

#include <memory>

#include "addon/plugin_handle.h"

namespace mixchain::addon {

class PluginWrap : public Napi::ObjectWrap<PluginWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit PluginWrap(const Napi::CallbackInfo& info);
  // Whether `value` is a Plugin object (checked by type tag, never by shape).
  static bool isPlugin(const Napi::Value& value);
  const std::shared_ptr<PluginHandle>& handle() const { return handle_; }

 private:
  Napi::Value info(const Napi::CallbackInfo& info);
  Napi::Value parameters(const Napi::CallbackInfo& info);
  Napi::Value findParameter(const Napi::CallbackInfo& info);
  Napi::Value normalizedFromDisplay(const Napi::CallbackInfo& info);
  Napi::Value normalizedFromText(const Napi::CallbackInfo& info);
  Napi::Value textFor(const Napi::CallbackInfo& info);
  Napi::Value getParameter(const Napi::CallbackInfo& info);
  Napi::Value setNormalized(const Napi::CallbackInfo& info);
  Napi::Value automate(const Napi::CallbackInfo& info);
  Napi::Value clearAutomation(const Napi::CallbackInfo& info);
  Napi::Value getState(const Napi::CallbackInfo& info);
  Napi::Value setState(const Napi::CallbackInfo& info);
  Napi::Value savePreset(const Napi::CallbackInfo& info);
  Napi::Value loadPreset(const Napi::CallbackInfo& info);
  Napi::Value latency(const Napi::CallbackInfo& info);
  Napi::Value reset(const Napi::CallbackInfo& info);
  Napi::Value process(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  Napi::Value closeAsync(const Napi::CallbackInfo& info);
  Napi::Value closed(const Napi::CallbackInfo& info);

  // Runs `fn(plugin)` with the plugin marked busy, errors coded.
  template <typename Fn>
  Napi::Value use(const Napi::CallbackInfo& info, const char* action, Fn&& fn);

  std::shared_ptr<PluginHandle> handle_;
};

}  // namespace mixchain::addon
