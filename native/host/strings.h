// Conversions between the SDK's UTF-16 strings and UTF-8.
#pragma once

#include <string>

#include "pluginterfaces/vst/vsttypes.h"

namespace mixchain {

std::string fromUtf16(const Steinberg::char16* text);
void toString128(const std::string& text, Steinberg::Vst::String128 out);

}  // namespace mixchain
