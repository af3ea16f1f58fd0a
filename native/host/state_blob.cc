#include "host/state_blob.h"

#include <cerrno>
#include <cstring>

#include "host/byte_stream.h"
#include "host/errors.h"
#include "public.sdk/source/common/memorystream.h"
#include "public.sdk/source/vst/vstpresetfile.h"

namespace mixchain {

using namespace Steinberg;
using namespace Steinberg::Vst;

namespace {

constexpr char kMagic[4] = {'M', 'X', 'S', 'T'};
constexpr uint32 kVersion = 1;

void putU32(std::vector<uint8>& out, uint32 value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8>(value >> shift));
}

class Reader {
 public:
  explicit Reader(const std::vector<uint8>& bytes) : bytes_(bytes) {}
  bool take(size_t n, const uint8*& at) {
    if (bytes_.size() - offset_ < n) return false;
    at = bytes_.data() + offset_;
    offset_ += n;
    return true;
  }
  bool u32(uint32& value) {
    const uint8* at = nullptr;
    if (!take(4, at)) return false;
    value = at[0] | (at[1] << 8) | (at[2] << 16) | (static_cast<uint32>(at[3]) << 24);
    return true;
  }
  bool chunk(std::vector<uint8>& out) {
    uint32 size = 0;
    const uint8* at = nullptr;
    if (!u32(size) || !take(size, at)) return false;
    out.assign(at, at + size);
    return true;
  }
  bool atEnd() const { return offset_ == bytes_.size(); }

 private:
  const std::vector<uint8>& bytes_;
  size_t offset_ = 0;
};

std::string hexOf(const FUID& id) {
  char text[33] = {};
  id.toString(text);
  return text;
}

std::vector<uint8> readEntry(IBStream* stream, const PresetFile::Entry& entry) {
  std::vector<uint8> bytes(static_cast<size_t>(entry.size));
  int32 read = 0;
  if (stream->seek(entry.offset, IBStream::kIBSeekSet, nullptr) != kResultOk ||
      stream->read(bytes.data(), static_cast<int32>(bytes.size()), &read) != kResultOk ||
      read != static_cast<int32>(bytes.size())) {
    fail("ERR_PRESET_INVALID", "A chunk of the preset is cut short");
  }
  return bytes;
}

}  // namespace

std::vector<uint8> encodeStateBlob(const std::string& classId, const std::vector<uint8>& component,
                                   const std::vector<uint8>& controller) {
  std::vector<uint8> blob(kMagic, kMagic + 4);
  putU32(blob, kVersion);
  blob.insert(blob.end(), classId.begin(), classId.end());
  putU32(blob, static_cast<uint32>(component.size()));
  blob.insert(blob.end(), component.begin(), component.end());
  putU32(blob, static_cast<uint32>(controller.size()));
  blob.insert(blob.end(), controller.begin(), controller.end());
  return blob;
}

StateParts decodeStateBlob(const std::vector<uint8>& blob, const std::string& classId, const std::string& className) {
  Reader reader(blob);
  const uint8* magic = nullptr;
  const uint8* id = nullptr;
  uint32 version = 0;
  StateParts parts;
  if (!reader.take(4, magic) || std::memcmp(magic, kMagic, 4) != 0 || !reader.u32(version)) {
    fail("ERR_STATE_INVALID", "Expected a mixchain state (starting with MXST) but got " + std::to_string(blob.size()) +
                                  " bytes of something else");
  }
  if (version != kVersion) {
    fail("ERR_STATE_INVALID",
         "Expected state version " + std::to_string(kVersion) + " but got version " + std::to_string(version));
  }
  if (!reader.take(32, id) || !reader.chunk(parts.component) || !reader.chunk(parts.controller) || !reader.atEnd()) {
    fail("ERR_STATE_INVALID",
         "The state is truncated or has trailing bytes (" + std::to_string(blob.size()) + " bytes)");
  }
  const std::string owner(reinterpret_cast<const char*>(id), 32);
  if (owner != classId) {
    fail("ERR_STATE_CLASS_MISMATCH",
         "Expected a state of '" + className + "' (class " + classId + ") but got one of class " + owner);
  }
  return parts;
}

void writePresetFile(const std::string& path, const TUID classId, const std::vector<uint8>& component,
                     const std::vector<uint8>& controller) {
  IPtr<IBStream> file = owned(FileStream::open(path.c_str(), "wb"));
  if (!file) fail("ERR_FILE_WRITE", "Cannot write the preset '" + path + "': " + std::strerror(errno));
  auto componentStream = streamOf(component);
  auto controllerStream = streamOf(controller);
  if (!PresetFile::savePreset(file, FUID::fromTUID(classId), componentStream,
                              controller.empty() ? nullptr : controllerStream.get())) {
    fail("ERR_FILE_WRITE", "Cannot write the preset '" + path + "'");
  }
}

StateParts readPresetFile(const std::string& path, const TUID classId, const std::string& className) {
  IPtr<IBStream> file = owned(FileStream::open(path.c_str(), "rb"));
  if (!file) fail("ERR_FILE_NOT_FOUND", "Cannot read the preset '" + path + "': " + std::strerror(errno));
  PresetFile preset(file);
  if (!preset.readChunkList()) {
    fail("ERR_PRESET_INVALID", "Expected a .vstpreset file (header 'VST3' and a chunk list) at '" + path + "'");
  }
  const FUID expected = FUID::fromTUID(classId);
  if (!(preset.getClassID() == expected)) {
    fail("ERR_PRESET_CLASS_MISMATCH", "Expected a preset of '" + className + "' (class " + hexOf(expected) + ") but '" +
                                          path + "' is for class " + hexOf(preset.getClassID()));
  }
  const PresetFile::Entry* component = preset.getEntry(kComponentState);
  if (!component) fail("ERR_PRESET_INVALID", "The preset '" + path + "' has no component state");
  StateParts parts;
  parts.component = readEntry(file, *component);
  if (const PresetFile::Entry* controller = preset.getEntry(kControllerState)) {
    parts.controller = readEntry(file, *controller);
  }
  return parts;
}

}  // namespace mixchain
