#include "addon/chain_wrap.h"

#include <ctime>

#include "addon/async.h"
#include "addon/convert.h"
#include "addon/errors.h"
#include "addon/plugin_wrap.h"

namespace mixchain::addon {

namespace {

struct Timed {
  RenderResult result;
  double wallSeconds = 0;
  double cpuSeconds = 0;
};

double clockSeconds(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return now.tv_sec + now.tv_nsec * 1e-9;
}

Timed timedRender(Chain& chain, const float* const* input, int64_t frames, const RenderOptions& options) {
  Timed timed;
  const double wall = clockSeconds(CLOCK_MONOTONIC), cpu = clockSeconds(CLOCK_THREAD_CPUTIME_ID);
  timed.result = chain.render(input, frames, options);
  timed.wallSeconds = clockSeconds(CLOCK_MONOTONIC) - wall;
  timed.cpuSeconds = clockSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
  return timed;
}

Napi::Object renderResult(Napi::Env env, Timed& timed) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("channels", toFloat32Arrays(env, timed.result.channels));
  out.Set("inputFrames", Napi::Number::New(env, static_cast<double>(timed.result.inputFrames)));
  out.Set("tailFrames", Napi::Number::New(env, static_cast<double>(timed.result.tailFrames)));
  out.Set("latencySamples", Napi::Number::New(env, timed.result.latency));
  out.Set("blocks", Napi::Number::New(env, static_cast<double>(timed.result.blocks)));
  out.Set("wallSeconds", Napi::Number::New(env, timed.wallSeconds));
  out.Set("cpuSeconds", Napi::Number::New(env, timed.cpuSeconds));
  return out;
}

RenderOptions renderOptions(const Napi::Value& value) {
  RenderOptions options;
  if (!value.IsObject()) return options;
  const Napi::Object object = value.As<Napi::Object>();
  options.tail = toTailOptions(object.Get("tail"));
  if (object.Has("rejectNonFinite")) options.rejectNonFinite = object.Get("rejectNonFinite").ToBoolean();
  const Napi::Value cancel = object.Get("cancel");
  if (cancel.IsTypedArray() && cancel.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    // An Int32Array over a SharedArrayBuffer another thread may set; int32 and its atomic share
    // a layout and are lock-free.
    options.cancel = reinterpret_cast<const std::atomic<int32_t>*>(cancel.As<Napi::Int32Array>().Data());
  }
  return options;
}

}  // namespace

Napi::Function ChainWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeChain",
                     {
                         InstanceMethod("latency", &ChainWrap::latency),
                         InstanceMethod("setBypass", &ChainWrap::setBypass),
                         InstanceMethod("bypassed", &ChainWrap::bypassed),
                         InstanceMethod("reset", &ChainWrap::reset),
                         InstanceMethod("process", &ChainWrap::process),
                         InstanceMethod("render", &ChainWrap::render),
                         InstanceMethod("renderAsync", &ChainWrap::renderAsync),
                     });
}

ChainWrap::ChainWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ChainWrap>(info) {
  Napi::Env env = info.Env();
  guard(env, [&] {
    if (!info[0].IsArray()) fail("ERR_CHAIN_EMPTY", "Expected an array of plugins");
    const Napi::Array list = info[0].As<Napi::Array>();
    std::vector<Plugin*> plugins;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      const Napi::Value item = list.Get(i);
      if (!PluginWrap::isPlugin(item)) {
        fail("ERR_INVALID_ARGUMENT", "Expected slot " + std::to_string(i) + " of the chain to be a Plugin");
      }
      auto handle = PluginWrap::Unwrap(item.As<Napi::Object>())->handle();
      plugins.push_back(handle->get("build a chain").get());
      handles_.push_back(handle);
    }
    chain_ = std::make_shared<Chain>(plugins);
  });
}

BusyScope ChainWrap::claim(std::vector<std::shared_ptr<Plugin>>& keep) const {
  BusyScope busy;
  for (size_t i = 0; i < handles_.size(); ++i) {
    if (!handles_[i]->plugin) {
      fail("ERR_CLOSED", "Slot " + std::to_string(i) + " of the chain holds a plugin that was closed");
    }
    keep.push_back(handles_[i]->plugin);
    busy.add(handles_[i]);
  }
  return busy;
}

Napi::Value ChainWrap::latency(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    std::vector<std::shared_ptr<Plugin>> keep;
    BusyScope busy = claim(keep);
    return Napi::Value(Napi::Number::New(info.Env(), chain_->latency()));
  });
}

Napi::Value ChainWrap::setBypass(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    chain_->setBypass(info[0].As<Napi::Number>().Uint32Value(), info[1].ToBoolean());
    return info.Env().Undefined();
  });
}

Napi::Value ChainWrap::bypassed(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    return Napi::Value(Napi::Boolean::New(info.Env(), chain_->bypassed(info[0].As<Napi::Number>().Uint32Value())));
  });
}

Napi::Value ChainWrap::reset(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    std::vector<std::shared_ptr<Plugin>> keep;
    BusyScope busy = claim(keep);
    chain_->reset();
    return info.Env().Undefined();
  });
}

Napi::Value ChainWrap::process(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    std::vector<std::shared_ptr<Plugin>> keep;
    BusyScope busy = claim(keep);
    std::vector<float*> channels;
    const size_t frames = channelPointers(info[0], chain_->channels(), channels, "the audio");
    chain_->process(channels.data(), static_cast<int64_t>(frames));
    return info.Env().Undefined();
  });
}

Napi::Value ChainWrap::render(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] {
    std::vector<std::shared_ptr<Plugin>> keep;
    BusyScope busy = claim(keep);
    std::vector<float*> input;
    const size_t frames = channelPointers(info[0], chain_->channels(), input, "the input");
    Timed timed = timedRender(*chain_, input.data(), static_cast<int64_t>(frames), renderOptions(info[1]));
    return Napi::Value(renderResult(info.Env(), timed));
  });
}

Napi::Value ChainWrap::renderAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct Job {
    std::vector<std::shared_ptr<Plugin>> keep;
    std::shared_ptr<BusyScope> busy;
    std::vector<std::vector<float>> input;
    RenderOptions options;
    // Keeps the cancel flag's buffer alive while the render reads it. Deleted on the JS thread
    // when the render settles; if the environment is gone by then, so is the reference's owner.
    Napi::ObjectReference* cancel = nullptr;
  };
  auto job = std::make_shared<Job>();
  guard(env, [&] {
    job->busy = std::make_shared<BusyScope>(claim(job->keep));
    std::vector<float*> input;
    const size_t frames = channelPointers(info[0], chain_->channels(), input, "the input");
    // The JS arrays may change or be collected while the render runs: it works on a copy.
    for (float* channel : input) job->input.emplace_back(channel, channel + frames);
    job->options = renderOptions(info[1]);
    if (job->options.cancel) {
      job->cancel =
          new Napi::ObjectReference(Napi::Persistent(info[1].As<Napi::Object>().Get("cancel").As<Napi::Object>()));
    }
  });
  auto chain = chain_;
  return runAsync<Timed>(
      env, RunOn::OwnThread,
      [job, chain] {
        struct Release {
          Job& job;
          ~Release() { job.busy.reset(); }
        } release{*job};
        std::vector<const float*> input;
        for (auto& channel : job->input) input.push_back(channel.data());
        return timedRender(*chain, input.data(), static_cast<int64_t>(job->input.front().size()), job->options);
      },
      [](Napi::Env env, Timed& timed) { return Napi::Value(renderResult(env, timed)); },
      [job] {
        delete job->cancel;
        job->cancel = nullptr;
      });
}

}  // namespace mixchain::addon
