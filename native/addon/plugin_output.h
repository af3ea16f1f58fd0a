// captureOutput / stopOutputCapture for JS: what plugins print, line by line with the plugin
// call it came from, to a JS callback instead of the process's stdout and stderr.
#pragma once

#include <napi.h>

namespace mixchain::addon {

void definePluginOutputFunctions(Napi::Env env, Napi::Object exports);

}  // namespace mixchain::addon
