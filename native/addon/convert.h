// Conversions between JS values and the host core's plain structs. Options arrive validated
// for type by the TypeScript layer; ranges are checked by the host core, so each rule lives in
// one place.
#pragma once

#include <napi.h>

#include <vector>

#include "host/chain.h"
#include "host/plugin.h"

namespace mixchain::addon {

PluginConfig toPluginConfig(const Napi::Object& options);
TailOptions toTailOptions(const Napi::Value& tail);

Napi::Object pluginInfo(Napi::Env env, const Plugin& plugin);
Napi::Object parameterInfo(Napi::Env env, const Parameter& parameter);
Napi::Object classInfo(Napi::Env env, const ClassInfo& info);

// Channel views of JS Float32Arrays, without copying. Throws ERR_CHANNELS when the count is not
// `channels` or the lengths differ, and returns the common length.
size_t channelPointers(const Napi::Value& value, int channels, std::vector<float*>& pointers, const char* what);
// New JS-owned (transferable) Float32Arrays holding copies of `channels`.
Napi::Array toFloat32Arrays(Napi::Env env, const std::vector<std::vector<float>>& channels);

}  // namespace mixchain::addon
