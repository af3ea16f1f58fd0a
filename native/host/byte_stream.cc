#include "host/byte_stream.h"

namespace mixchain {

using namespace Steinberg;

IPtr<MemoryStream> streamOf(const std::vector<uint8>& bytes) {
  auto stream = owned(new MemoryStream());
  int32 written = 0;
  if (!bytes.empty()) stream->write(const_cast<uint8*>(bytes.data()), static_cast<int32>(bytes.size()), &written);
  stream->seek(0, IBStream::kIBSeekSet, nullptr);
  return stream;
}

std::vector<uint8> bytesOf(MemoryStream& stream) {
  const auto* data = reinterpret_cast<const uint8*>(stream.getData());
  return std::vector<uint8>(data, data + stream.getSize());
}

}  // namespace mixchain
