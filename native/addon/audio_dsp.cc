#include "addon/audio_dsp.h"

#include "addon/convert.h"
#include "addon/errors.h"
#include "audio/loudness.h"
#include "audio/resampler.h"

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

}  // namespace

void defineAudioDspFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("resample", Napi::Function::New(env, resampleChannels, "resample"));
  exports.Set("measureLoudness", Napi::Function::New(env, loudness, "measureLoudness"));
}

}  // namespace mixchain::addon
