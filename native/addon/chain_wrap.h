// The JS class behind the library's Chain: a host-core Chain over Plugin objects, rendered
// synchronously (worker threads) or as a promise on a thread of its own (main thread).
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "addon/plugin_handle.h"
#include "host/chain.h"

namespace mixchain::addon {

class ChainWrap : public Napi::ObjectWrap<ChainWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit ChainWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value latency(const Napi::CallbackInfo& info);
  Napi::Value setBypass(const Napi::CallbackInfo& info);
  Napi::Value bypassed(const Napi::CallbackInfo& info);
  Napi::Value reset(const Napi::CallbackInfo& info);
  Napi::Value process(const Napi::CallbackInfo& info);
  Napi::Value render(const Napi::CallbackInfo& info);
  Napi::Value renderAsync(const Napi::CallbackInfo& info);

  // Every slot marked busy (ERR_BUSY otherwise) and still open (ERR_CLOSED otherwise); the
  // returned references keep the plugins alive for the call.
  BusyScope claim(std::vector<std::shared_ptr<Plugin>>& keep) const;

  std::vector<std::shared_ptr<PluginHandle>> handles_;
  std::shared_ptr<Chain> chain_;
};

}  // namespace mixchain::addon
