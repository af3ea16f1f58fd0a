// IBStream views of byte vectors, for state chunks.
#pragma once

#include <vector>

#include "pluginterfaces/base/smartpointer.h"
#include "public.sdk/source/common/memorystream.h"

namespace mixchain {

// A fresh stream holding a copy of `bytes`, positioned at 0. Plugins may keep a reference to
// the stream (JUCE does), so it owns its memory and is reference-counted.
Steinberg::IPtr<Steinberg::MemoryStream> streamOf(const std::vector<Steinberg::uint8>& bytes);
std::vector<Steinberg::uint8> bytesOf(Steinberg::MemoryStream& stream);

}  // namespace mixchain
