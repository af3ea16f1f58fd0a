// readAudioFile / writeAudioFile for JS: libsndfile behind the same coded errors.
#pragma once

#include <napi.h>

namespace mixchain::addon {

void defineAudioFileFunctions(Napi::Env env, Napi::Object exports);

}  // namespace mixchain::addon
