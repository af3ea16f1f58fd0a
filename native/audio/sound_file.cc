#include "audio/sound_file.h"

#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>

#include "host/errors.h"

namespace mixchain {

namespace {

struct Closer {
  void operator()(SNDFILE* file) const { sf_close(file); }
};
using File = std::unique_ptr<SNDFILE, Closer>;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// libsndfile's own names: the extension for the container ("wav", "flac"), the description
// for the sample type ("Signed 16 bit PCM").
std::string describe(int format, int mask) {
  SF_FORMAT_INFO info{};
  info.format = format & mask;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) != 0) return std::to_string(info.format);
  if (mask == SF_FORMAT_TYPEMASK && info.extension) return lower(info.extension);
  return info.name ? info.name : std::to_string(info.format);
}

}  // namespace

SoundFile readSoundFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    fail("ERR_FILE_NOT_FOUND", "Expected an audio file at '" + path + "' but there is none");
  }
  SF_INFO info{};
  File file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) fail("ERR_AUDIO_DECODE", "Cannot decode '" + path + "': " + sf_strerror(nullptr));
  if (info.channels < 1 || info.frames < 0) fail("ERR_AUDIO_DECODE", "Cannot decode '" + path + "': no audio");
  SoundFile sound;
  sound.sampleRate = info.samplerate;
  sound.format = describe(info.format, SF_FORMAT_TYPEMASK);
  sound.sampleType = describe(info.format, SF_FORMAT_SUBMASK);
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t read = sf_readf_float(file.get(), interleaved.data(), info.frames);
  sound.channels.assign(info.channels, std::vector<float>(static_cast<size_t>(read)));
  for (sf_count_t i = 0; i < read; ++i) {
    for (int c = 0; c < info.channels; ++c) sound.channels[c][i] = interleaved[i * info.channels + c];
  }
  return sound;
}

void writeSoundFile(const std::string& path, const std::vector<const float*>& channels, size_t frames,
                    double sampleRate, const WriteOptions& options) {
  std::string format = lower(options.format);
  if (format.empty()) {
    const std::string extension = std::filesystem::path(path).extension().string();
    format = lower(extension.empty() ? extension : extension.substr(1));
  }
  int major = 0;
  if (format == "wav")
    major = SF_FORMAT_WAV;
  else if (format == "flac")
    major = SF_FORMAT_FLAC;
  else
    fail("ERR_AUDIO_FORMAT", "Expected an output format wav or flac (by option or extension) but got '" + format + "'");
  const std::string type = options.sampleType.empty() ? "pcm24" : lower(options.sampleType);
  int subtype = 0;
  if (type == "pcm16")
    subtype = SF_FORMAT_PCM_16;
  else if (type == "pcm24")
    subtype = SF_FORMAT_PCM_24;
  else if (type == "float" && major == SF_FORMAT_WAV)
    subtype = SF_FORMAT_FLOAT;
  else
    fail("ERR_AUDIO_FORMAT", "Expected a sample type pcm16, pcm24" +
                                 std::string(major == SF_FORMAT_WAV ? " or float" : "") + " for " + format +
                                 " but got '" + type + "'");
  SF_INFO info{};
  info.samplerate = static_cast<int>(std::lround(sampleRate));
  info.channels = static_cast<int>(channels.size());
  info.format = major | subtype;
  if (!sf_format_check(&info))
    fail("ERR_AUDIO_FORMAT", "libsndfile cannot write " + format + "/" + type + " with these settings");
  File file(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!file) fail("ERR_FILE_WRITE", "Cannot write '" + path + "': " + sf_strerror(nullptr));
  // Out-of-range samples clip instead of wrapping around in integer formats.
  sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  std::vector<float> interleaved(frames * channels.size());
  for (size_t i = 0; i < frames; ++i) {
    for (size_t c = 0; c < channels.size(); ++c) interleaved[i * channels.size() + c] = channels[c][i];
  }
  if (sf_writef_float(file.get(), interleaved.data(), static_cast<sf_count_t>(frames)) !=
      static_cast<sf_count_t>(frames)) {
    fail("ERR_FILE_WRITE", "Cannot write '" + path + "': " + sf_strerror(file.get()));
  }
}

}  // namespace mixchain
