#include "addon/convert.h"

#include <cstring>

#include "host/errors.h"

namespace mixchain::addon {

namespace {

std::string layoutName(Layout layout) {
  switch (layout) {
    case Layout::DualMono: return "dual-mono";
    case Layout::MonoThroughStereo: return "mono-through-stereo";
    case Layout::Native: break;
  }
  return "native";
}

Napi::Array arrangementList(Napi::Env env, const std::vector<Steinberg::Vst::SpeakerArrangement>& arrangements) {
  Napi::Array list = Napi::Array::New(env, arrangements.size());
  for (uint32_t i = 0; i < arrangements.size(); ++i) {
    list.Set(i, Napi::Number::New(env, Steinberg::Vst::SpeakerArr::getChannelCount(arrangements[i])));
  }
  return list;
}

}  // namespace

PluginConfig toPluginConfig(const Napi::Object& options) {
  PluginConfig config;
  config.bundlePath = options.Get("bundlePath").As<Napi::String>().Utf8Value();
  if (options.Has("className")) config.className = options.Get("className").As<Napi::String>().Utf8Value();
  config.sampleRate = options.Get("sampleRate").As<Napi::Number>().DoubleValue();
  config.maxBlockSize = options.Get("maxBlockSize").As<Napi::Number>().Int32Value();
  config.channels = options.Get("channels").As<Napi::Number>().Int32Value();
  config.tempo = options.Get("tempo").As<Napi::Number>().DoubleValue();
  config.timeSigNumerator = options.Get("timeSigNumerator").As<Napi::Number>().Int32Value();
  config.timeSigDenominator = options.Get("timeSigDenominator").As<Napi::Number>().Int32Value();
  return config;
}

TailOptions toTailOptions(const Napi::Value& tail) {
  TailOptions options;
  if (tail.IsString()) {
    options.mode = TailOptions::Mode::Auto;  // the TS layer admits only 'auto'
  } else if (tail.IsNumber()) {
    options.mode = TailOptions::Mode::Seconds;
    options.seconds = tail.As<Napi::Number>().DoubleValue();
  }
  return options;
}

Napi::Object classInfo(Napi::Env env, const ClassInfo& info) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", info.id);
  out.Set("name", info.name);
  out.Set("category", info.category);
  out.Set("subCategories", info.subCategories);
  out.Set("vendor", info.vendor);
  out.Set("version", info.version);
  out.Set("sdkVersion", info.sdkVersion);
  return out;
}

Napi::Object parameterInfo(Napi::Env env, const Parameter& p) {
  using Steinberg::Vst::ParameterInfo;
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, p.id));
  out.Set("title", p.title);
  out.Set("shortTitle", p.shortTitle);
  out.Set("units", p.units);
  out.Set("stepCount", Napi::Number::New(env, p.stepCount));
  out.Set("defaultNormalized", Napi::Number::New(env, p.defaultNormalized));
  out.Set("canAutomate", Napi::Boolean::New(env, p.flags & ParameterInfo::kCanAutomate));
  out.Set("readOnly", Napi::Boolean::New(env, p.flags & ParameterInfo::kIsReadOnly));
  out.Set("hidden", Napi::Boolean::New(env, p.flags & ParameterInfo::kIsHidden));
  out.Set("bypass", Napi::Boolean::New(env, p.flags & ParameterInfo::kIsBypass));
  out.Set("list", Napi::Boolean::New(env, p.flags & ParameterInfo::kIsList));
  out.Set("programChange", Napi::Boolean::New(env, p.flags & ParameterInfo::kIsProgramChange));
  return out;
}

Napi::Object pluginInfo(Napi::Env env, const Plugin& plugin) {
  const PluginConfig& config = plugin.config();
  Napi::Object out = Napi::Object::New(env);
  out.Set("bundlePath", config.bundlePath);
  out.Set("binaryPath", plugin.module().binaryPath());
  out.Set("class", classInfo(env, plugin.classInfo()));
  out.Set("factoryVendor", plugin.module().factoryVendor());
  out.Set("factoryUrl", plugin.module().factoryUrl());
  out.Set("sampleRate", Napi::Number::New(env, config.sampleRate));
  out.Set("maxBlockSize", Napi::Number::New(env, config.maxBlockSize));
  out.Set("channels", Napi::Number::New(env, config.channels));
  out.Set("layout", layoutName(plugin.layout()));
  Napi::Object buses = Napi::Object::New(env);
  buses.Set("inputs", arrangementList(env, plugin.busLayout().inputs));
  buses.Set("outputs", arrangementList(env, plugin.busLayout().outputs));
  out.Set("buses", buses);
  out.Set("latencySamples", Napi::Number::New(env, plugin.latencySamples()));
  out.Set("tailSamples", Napi::Number::New(env, plugin.tailSamples()));
  return out;
}

size_t channelPointers(const Napi::Value& value, int channels, std::vector<float*>& pointers, const char* what) {
  if (!value.IsArray())
    fail("ERR_CHANNELS", std::string("Expected ") + what + " to be an array of Float32Array channels");
  const Napi::Array list = value.As<Napi::Array>();
  if (static_cast<int>(list.Length()) != channels) {
    fail("ERR_CHANNELS", std::string("Expected ") + std::to_string(channels) + " channels in " + what + " but got " +
                             std::to_string(list.Length()));
  }
  pointers.clear();
  size_t frames = 0;
  for (uint32_t c = 0; c < list.Length(); ++c) {
    const Napi::Value item = list.Get(c);
    if (!item.IsTypedArray() || item.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      fail("ERR_CHANNELS",
           std::string("Expected channel ") + std::to_string(c) + " of " + what + " to be a Float32Array");
    }
    auto array = item.As<Napi::Float32Array>();
    if (c == 0) frames = array.ElementLength();
    if (array.ElementLength() != frames) {
      fail("ERR_CHANNELS", std::string("Expected every channel of ") + what + " to have " + std::to_string(frames) +
                               " frames but channel " + std::to_string(c) + " has " +
                               std::to_string(array.ElementLength()));
    }
    pointers.push_back(array.Data());
  }
  return frames;
}

Napi::Array toFloat32Arrays(Napi::Env env, const std::vector<std::vector<float>>& channels) {
  Napi::Array list = Napi::Array::New(env, channels.size());
  for (uint32_t c = 0; c < channels.size(); ++c) {
    auto array = Napi::Float32Array::New(env, channels[c].size());
    if (!channels[c].empty()) std::memcpy(array.Data(), channels[c].data(), channels[c].size() * sizeof(float));
    list.Set(c, array);
  }
  return list;
}

}  // namespace mixchain::addon
