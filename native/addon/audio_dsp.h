// resample / measureLoudness for JS: libsoxr and libebur128 on float channels.
#pragma once

#include <napi.h>

namespace mixchain::addon {

void defineAudioDspFunctions(Napi::Env env, Napi::Object exports);

}  // namespace mixchain::addon
