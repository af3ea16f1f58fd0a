#include "audio/sound_file.h"

#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
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

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
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

struct Encoding {
  int format;
  double ditherLsb;  // 0: no dither
};

Encoding encodingFor(const std::string& path, const WriteOptions& options, double sampleRate) {
  std::string format = lower(options.format);
  if (format.empty()) {
    const std::string extension = std::filesystem::path(path).extension().string();
    format = lower(extension.empty() ? extension : extension.substr(1));
  }
  const std::string type = options.sampleType.empty() ? "pcm24" : lower(options.sampleType);
  auto pcm = [&](int major, bool allowFloat) -> Encoding {
    if (type == "pcm16") return {major | SF_FORMAT_PCM_16, 1.0 / 32768.0};
    if (type == "pcm24") return {major | SF_FORMAT_PCM_24, 1.0 / 8388608.0};
    if (type == "float" && allowFloat) return {major | SF_FORMAT_FLOAT, 0};
    fail("ERR_AUDIO_FORMAT", "Expected a sample type pcm16, pcm24" + std::string(allowFloat ? " or float" : "") +
                                 " for " + format + " but got '" + type + "'");
  };
  if (format == "wav") return pcm(SF_FORMAT_WAV, true);
  if (format == "flac") return pcm(SF_FORMAT_FLAC, false);
  if (format == "mp3") return {SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 0};
  if (format == "ogg") return {SF_FORMAT_OGG | SF_FORMAT_VORBIS, 0};
  if (format == "opus") {
    const long rate = std::lround(sampleRate);
    if (rate != 8000 && rate != 12000 && rate != 16000 && rate != 24000 && rate != 48000) {
      fail("ERR_AUDIO_FORMAT",
           "Expected a sample rate of 8, 12, 16, 24 or 48 kHz for opus but got " + number(sampleRate) + " Hz");
    }
    return {SF_FORMAT_OGG | SF_FORMAT_OPUS, 0};
  }
  fail("ERR_AUDIO_FORMAT",
       "Expected an output format wav, flac, mp3, ogg or opus (by option or extension) but got '" + format + "'");
}

// Triangular (TPDF) dither of ±1 LSB from a fixed-seed generator: the quantisation error
// becomes benign noise, and the same input always gives the same file.
class Dither {
 public:
  explicit Dither(double lsb) : lsb_(lsb) {}
  float operator()(float sample) {
    const double a = next(), b = next();
    return static_cast<float>(sample + (a - b) * lsb_);
  }

 private:
  double next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<double>(state_ >> 11) * (1.0 / 9007199254740992.0);
  }
  double lsb_;
  uint64_t state_ = 0x9E3779B97F4A7C15ull;
};

// libsndfile quietly shortens a file whose header promises more data than it holds, and notes
// it in its log ("data : 400000 (should be 4000)"): a cut-off upload must not pass as complete.
void checkNotTruncated(SNDFILE* file, const std::string& path) {
  char log[8192] = {};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof log);
  const char* line = std::strstr(log, "\ndata : ");
  long long declared = 0, actual = 0;
  if (line && std::sscanf(line, "\ndata : %lld (should be %lld)", &declared, &actual) == 2 && actual < declared) {
    fail("ERR_AUDIO_TRUNCATED", "Expected " + std::to_string(declared) + " bytes of audio in '" + path +
                                    "' as its header says, but the file holds " + std::to_string(actual));
  }
}

// Opens a file for reading and checks what it promises: audio, not cut off, not empty, not too long.
File openChecked(const std::string& path, double maxSeconds, SF_INFO& info) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    fail("ERR_FILE_NOT_FOUND", "Expected an audio file at '" + path + "' but there is none");
  }
  File file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) fail("ERR_AUDIO_DECODE", "Cannot decode '" + path + "': " + sf_strerror(nullptr));
  if (info.channels < 1 || info.samplerate < 1)
    fail("ERR_AUDIO_DECODE", "Cannot decode '" + path + "': no audio stream");
  checkNotTruncated(file.get(), path);
  if (info.frames <= 0) fail("ERR_EMPTY_INPUT", "Expected audio in '" + path + "' but it holds 0 frames");
  const double seconds = static_cast<double>(info.frames) / info.samplerate;
  if (maxSeconds > 0 && seconds > maxSeconds) {
    fail("ERR_AUDIO_TOO_LONG", "Expected at most " + number(maxSeconds) + " s of audio (maxSeconds) but '" + path +
                                   "' is " + number(seconds) + " s long");
  }
  return file;
}

void failShort(const std::string& path, sf_count_t declared, sf_count_t read) {
  fail("ERR_AUDIO_TRUNCATED", "Expected " + std::to_string(declared) + " frames in '" + path +
                                  "' as its header says, but the file holds " + std::to_string(read));
}

}  // namespace

SoundFile readSoundFile(const std::string& path, double maxSeconds) {
  SF_INFO info{};
  File file = openChecked(path, maxSeconds, info);
  SoundFile sound;
  sound.sampleRate = info.samplerate;
  sound.format = describe(info.format, SF_FORMAT_TYPEMASK);
  sound.sampleType = describe(info.format, SF_FORMAT_SUBMASK);
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t read = sf_readf_float(file.get(), interleaved.data(), info.frames);
  if (read < info.frames) failShort(path, info.frames, read);
  sound.channels.assign(info.channels, std::vector<float>(static_cast<size_t>(read)));
  for (sf_count_t i = 0; i < read; ++i) {
    for (int c = 0; c < info.channels; ++c) sound.channels[c][i] = interleaved[i * info.channels + c];
  }
  return sound;
}

SoundFileInfo probeSoundFile(const std::string& path, double maxSeconds, int peakBuckets) {
  SF_INFO info{};
  File file = openChecked(path, maxSeconds, info);
  // Every frame is decoded, a block at a time: memory stays flat whatever the file's size.
  constexpr sf_count_t kBlockFrames = 16384;
  std::vector<float> block(static_cast<size_t>(kBlockFrames) * info.channels);
  PeakAccumulator peaks(info.frames, info.channels, info.samplerate, peakBuckets);
  sf_count_t total = 0;
  for (sf_count_t read; (read = sf_readf_float(file.get(), block.data(), kBlockFrames)) > 0;) {
    if (peakBuckets > 0) peaks.add(block.data(), read);
    total += read;
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    fail("ERR_AUDIO_DECODE", "Cannot decode '" + path + "': " + sf_strerror(file.get()));
  }
  if (total < info.frames) failShort(path, info.frames, total);
  return {static_cast<double>(info.samplerate),
          info.channels,
          total,
          describe(info.format, SF_FORMAT_TYPEMASK),
          describe(info.format, SF_FORMAT_SUBMASK),
          peakBuckets > 0 ? peaks.finish() : Peaks{}};
}

void writeSoundFile(const std::string& path, const std::vector<const float*>& channels, size_t frames,
                    double sampleRate, const WriteOptions& options) {
  const Encoding encoding = encodingFor(path, options, sampleRate);
  SF_INFO info{};
  info.samplerate = static_cast<int>(std::lround(sampleRate));
  info.channels = static_cast<int>(channels.size());
  info.format = encoding.format;
  if (!sf_format_check(&info)) {
    fail("ERR_AUDIO_FORMAT", "libsndfile cannot write " + describe(encoding.format, SF_FORMAT_TYPEMASK) + " with " +
                                 std::to_string(info.channels) + " channels at " + number(sampleRate) + " Hz");
  }
  const std::string partial = path + ".partial-" + std::to_string(getpid());
  struct Cleanup {
    const std::string& path;
    bool done = false;
    ~Cleanup() {
      if (!done) std::remove(path.c_str());
    }
  } cleanup{partial};
  {
    File file(sf_open(partial.c_str(), SFM_WRITE, &info));
    if (!file) fail("ERR_FILE_WRITE", "Cannot write '" + path + "': " + sf_strerror(nullptr));
    // Out-of-range samples clip instead of wrapping around in integer formats.
    sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
    if ((encoding.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) {
      int mode = lower(options.bitrateMode) == "cbr" ? SF_BITRATE_MODE_CONSTANT : SF_BITRATE_MODE_VARIABLE;
      sf_command(file.get(), SFC_SET_BITRATE_MODE, &mode, sizeof mode);
    }
    Dither dither(encoding.ditherLsb);
    constexpr size_t kChunk = 8192;
    std::vector<float> interleaved(kChunk * channels.size());
    for (size_t at = 0; at < frames; at += kChunk) {
      const size_t n = std::min(kChunk, frames - at);
      for (size_t i = 0; i < n; ++i) {
        for (size_t c = 0; c < channels.size(); ++c) {
          const float sample = channels[c][at + i];
          interleaved[i * channels.size() + c] = encoding.ditherLsb > 0 ? dither(sample) : sample;
        }
      }
      if (sf_writef_float(file.get(), interleaved.data(), static_cast<sf_count_t>(n)) != static_cast<sf_count_t>(n)) {
        fail("ERR_FILE_WRITE", "Cannot write '" + path + "': " + sf_strerror(file.get()));
      }
    }
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) fail("ERR_FILE_WRITE", "Cannot move the finished file into place at '" + path + "': " + error.message());
  cleanup.done = true;
}

}  // namespace mixchain
