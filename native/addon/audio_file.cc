#include "addon/audio_file.h"

#include "addon/async.h"
#include "addon/convert.h"
#include "addon/errors.h"
#include "audio/sound_file.h"

namespace mixchain::addon {

namespace {

Napi::Value readAudioFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    const double maxSeconds = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
    SoundFile sound = readSoundFile(info[0].As<Napi::String>().Utf8Value(), maxSeconds);
    Napi::Object out = Napi::Object::New(env);
    out.Set("sampleRate", Napi::Number::New(env, sound.sampleRate));
    out.Set("format", sound.format);
    out.Set("sampleType", sound.sampleType);
    out.Set("channels", toFloat32Arrays(env, sound.channels));
    return Napi::Value(out);
  });
}

// On a thread of its own: decoding a long upload to the end must not hold up the JS thread.
Napi::Value probeAudioFileAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const double maxSeconds = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  const int peakBuckets = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
  return runAsync<SoundFileInfo>(
      env, RunOn::OwnThread, [path, maxSeconds, peakBuckets] { return probeSoundFile(path, maxSeconds, peakBuckets); },
      [](Napi::Env env, SoundFileInfo& sound) {
        Napi::Object out = Napi::Object::New(env);
        out.Set("sampleRate", Napi::Number::New(env, sound.sampleRate));
        out.Set("channels", Napi::Number::New(env, sound.channels));
        out.Set("frames", Napi::Number::New(env, static_cast<double>(sound.frames)));
        out.Set("format", sound.format);
        out.Set("sampleType", sound.sampleType);
        Napi::Object peaks = Napi::Object::New(env);
        peaks.Set("bucketSeconds", Napi::Number::New(env, sound.peaks.bucketSeconds));
        Napi::Array series = toFloat32Arrays(env, {sound.peaks.min, sound.peaks.max, sound.peaks.rms});
        peaks.Set("min", series.Get(0u));
        peaks.Set("max", series.Get(1u));
        peaks.Set("rms", series.Get(2u));
        out.Set("peaks", peaks);
        return Napi::Value(out);
      });
}

Napi::Value writeAudioFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    const Napi::Array list = info[1].As<Napi::Array>();
    std::vector<float*> channels;
    const size_t frames = channelPointers(list, static_cast<int>(list.Length()), channels, "the audio");
    const Napi::Object options = info[3].As<Napi::Object>();
    WriteOptions write;
    if (options.Has("format")) write.format = options.Get("format").As<Napi::String>().Utf8Value();
    if (options.Has("sampleType")) write.sampleType = options.Get("sampleType").As<Napi::String>().Utf8Value();
    if (options.Has("bitrateMode")) write.bitrateMode = options.Get("bitrateMode").As<Napi::String>().Utf8Value();
    writeSoundFile(path, std::vector<const float*>(channels.begin(), channels.end()), frames,
                   info[2].As<Napi::Number>().DoubleValue(), write);
    return env.Undefined();
  });
}

}  // namespace

void defineAudioFileFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("readAudioFile", Napi::Function::New(env, readAudioFile, "readAudioFile"));
  exports.Set("probeAudioFileAsync", Napi::Function::New(env, probeAudioFileAsync, "probeAudioFileAsync"));
  exports.Set("writeAudioFile", Napi::Function::New(env, writeAudioFile, "writeAudioFile"));
}

}  // namespace mixchain::addon
