#include "addon/audio_dsp.h"

#include "addon/convert.h"
#include "addon/errors.h"
#include "audio/loudness.h"
#include "audio/resampler.h"
#include "audio/true_peak_limiter.h"

namespace mixchain::addon {

namespace {

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
    const Loudness measured = measureLoudness(channels, frames, info[1].As<Napi::Number>().DoubleValue());
    Napi::Object out = Napi::Object::New(env);
    out.Set("integratedLufs", measured.integratedLufs);
    out.Set("rangeLu", measured.rangeLu);
    out.Set("samplePeakDbfs", measured.samplePeakDbfs);
    out.Set("truePeakDbtp", measured.truePeakDbtp);
    return Napi::Value(out);
  });
}

Napi::Value limiter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    const int count = info[0].IsArray() ? static_cast<int>(info[0].As<Napi::Array>().Length()) : 0;
    std::vector<float*> channels;
    const size_t frames = channelPointers(info[0], count, channels, "the audio");
    const Napi::Object options = info[2].As<Napi::Object>();
    LimiterSettings settings;
    settings.ceilingDbtp = options.Get("ceilingDbtp").As<Napi::Number>().DoubleValue();
    settings.lookaheadMs = options.Get("lookaheadMs").As<Napi::Number>().DoubleValue();
    settings.releaseMs = options.Get("releaseMs").As<Napi::Number>().DoubleValue();
    const LimiterReport report = limitTruePeak(channels, frames, info[1].As<Napi::Number>().DoubleValue(), settings);
    Napi::Object out = Napi::Object::New(env);
    out.Set("maxReductionDb", report.maxReductionDb);
    out.Set("limitedSamples", static_cast<double>(report.limitedSamples));
    return Napi::Value(out);
  });
}

}  // namespace

void defineAudioDspFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("resample", Napi::Function::New(env, resampleChannels, "resample"));
  exports.Set("measureLoudness", Napi::Function::New(env, loudness, "measureLoudness"));
  exports.Set("limitTruePeak", Napi::Function::New(env, limiter, "limitTruePeak"));
}

}  // namespace mixchain::addon
