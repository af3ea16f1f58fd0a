// The two persistent forms of a plugin's state: our own versioned blob (what getState/setState
// exchange) and Steinberg's .vstpreset file. Both carry the component chunk and the controller
// chunk, and both are tied to the component's class id.
#pragma once

#include <string>
#include <vector>

#include "pluginterfaces/base/funknown.h"

namespace mixchain {

struct StateParts {
  std::vector<Steinberg::uint8> component;
  std::vector<Steinberg::uint8> controller;
};

// Layout: "MXST", u32 version (1), 32 ASCII hex digits of the class id, u32 component size,
// component bytes, u32 controller size, controller bytes; integers little-endian.
std::vector<Steinberg::uint8> encodeStateBlob(const std::string& classId,
                                              const std::vector<Steinberg::uint8>& component,
                                              const std::vector<Steinberg::uint8>& controller);
// Throws ERR_STATE_INVALID for anything but a blob of ours, ERR_STATE_CLASS_MISMATCH for a blob
// of another plugin.
StateParts decodeStateBlob(const std::vector<Steinberg::uint8>& blob, const std::string& classId,
                           const std::string& className);

void writePresetFile(const std::string& path, const Steinberg::TUID classId,
                     const std::vector<Steinberg::uint8>& component, const std::vector<Steinberg::uint8>& controller);
// Throws ERR_FILE_NOT_FOUND, ERR_PRESET_INVALID and ERR_PRESET_CLASS_MISMATCH.
StateParts readPresetFile(const std::string& path, const Steinberg::TUID classId, const std::string& className);

}  // namespace mixchain
