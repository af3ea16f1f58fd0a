#include "addon/audio_dsp.h"

#include "addon/async.h"
#include "addon/convert.h"
#include "addon/errors.h"
#include "audio/loudness.h"
#include "audio/loudness_normalizer.h"
#include "audio/resampler.h"

namespace mixchain::addon {

namespace {

Napi::Object loudnessObject(Napi::Env env, const Loudness& measured);

size_t channelsOf(const Napi::Value& value, std::vector<const float*>& pointers) {
  const int count = value.IsArray() ? static_cast<int>(value.As<Napi::Array>().Length()) : 0;
  std::vector<float*> writable;
  const size_t frames = channelPointers(value, count, writable, "the audio");
  pointers.assign(writable.begin(), writable.end());
  return frames;
}

Napi::Value resampleChannels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    std::vector<const float*> channels;
    const size_t frames = channelsOf(info[0], channels);
    auto out =
        resample(channels, frames, info[1].As<Napi::Number>().DoubleValue(), info[2].As<Napi::Number>().DoubleValue());
    return Napi::Value(toFloat32Arrays(env, out));
  });
}

Napi::Value loudness(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    std::vector<const float*> channels;
    const size_t frames = channelsOf(info[0], channels);
    return Napi::Value(
        loudnessObject(env, measureLoudness(channels, frames, info[1].As<Napi::Number>().DoubleValue())));
  });
}

Napi::Object loudnessObject(Napi::Env env, const Loudness& measured) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("integratedLufs", measured.integratedLufs);
  out.Set("rangeLu", measured.rangeLu);
  out.Set("samplePeakDbfs", measured.samplePeakDbfs);
  out.Set("truePeakDbtp", measured.truePeakDbtp);
  return out;
}

Napi::Value normalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    const int count = info[0].IsArray() ? static_cast<int>(info[0].As<Napi::Array>().Length()) : 0;
    std::vector<float*> channels;
    const size_t frames = channelPointers(info[0], count, channels, "the audio");
    const bool apply = info[2].IsNumber();
    const NormalizeResult result = normalizeLoudness(channels, frames, info[1].As<Napi::Number>().DoubleValue(), apply,
                                                     apply ? info[2].As<Napi::Number>().DoubleValue() : 0,
                                                     info[3].As<Napi::Number>().DoubleValue());
    Napi::Object out = Napi::Object::New(env);
    out.Set("before", loudnessObject(env, result.before));
    out.Set("after", loudnessObject(env, result.after));
    out.Set("gainDb", result.gainDb);
    if (result.limited) {
      Napi::Object limiter = Napi::Object::New(env);
      limiter.Set("maxReductionDb", result.maxReductionDb);
      limiter.Set("limitedSamples", static_cast<double>(result.limitedSamples));
      out.Set("limiter", limiter);
    } else {
      out.Set("limiter", env.Null());
    }
    return Napi::Value(out);
  });
}

// Copies of JS channels, for work on another thread while JS may change or drop the arrays.
std::vector<std::vector<float>> copyChannels(const Napi::Value& value) {
  std::vector<const float*> channels;
  const size_t frames = channelsOf(value, channels);
  std::vector<std::vector<float>> copies;
  for (const float* channel : channels) copies.emplace_back(channel, channel + frames);
  return copies;
}

std::vector<const float*> viewOf(const std::vector<std::vector<float>>& channels) {
  std::vector<const float*> view;
  for (const auto& channel : channels) view.push_back(channel.data());
  return view;
}

Napi::Value resampleAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto input = std::make_shared<std::vector<std::vector<float>>>(guard(env, [&] { return copyChannels(info[0]); }));
  const double from = info[1].As<Napi::Number>().DoubleValue(), to = info[2].As<Napi::Number>().DoubleValue();
  return runAsync<std::vector<std::vector<float>>>(
      env, RunOn::OwnThread, [input, from, to] { return resample(viewOf(*input), input->front().size(), from, to); },
      [](Napi::Env env, std::vector<std::vector<float>>& out) { return Napi::Value(toFloat32Arrays(env, out)); });
}

Napi::Value measureLoudnessAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto input = std::make_shared<std::vector<std::vector<float>>>(guard(env, [&] { return copyChannels(info[0]); }));
  const double rate = info[1].As<Napi::Number>().DoubleValue();
  return runAsync<Loudness>(
      env, RunOn::OwnThread, [input, rate] { return measureLoudness(viewOf(*input), input->front().size(), rate); },
      [](Napi::Env env, Loudness& measured) { return Napi::Value(loudnessObject(env, measured)); });
}

}  // namespace

void defineAudioDspFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("resample", Napi::Function::New(env, resampleChannels, "resample"));
  exports.Set("measureLoudness", Napi::Function::New(env, loudness, "measureLoudness"));
  exports.Set("resampleAsync", Napi::Function::New(env, resampleAsync, "resampleAsync"));
  exports.Set("measureLoudnessAsync", Napi::Function::New(env, measureLoudnessAsync, "measureLoudnessAsync"));
  exports.Set("normalizeLoudness", Napi::Function::New(env, normalize, "normalizeLoudness"));
}

}  // namespace mixchain::addon
