// Audio files through libsndfile: decoded to float channels at their own rate, and encoded
// from float channels with the format and sample type chosen by the caller.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "peaks.h"

namespace mixchain {

struct SoundFile {
  double sampleRate = 0;
  std::vector<std::vector<float>> channels;  // planar
  std::string format;                        // libsndfile's extension for the container, e.g. "wav"
  std::string sampleType;                    // e.g. "Signed 16 bit PCM"
};

// Throws ERR_FILE_NOT_FOUND, ERR_AUDIO_DECODE (libsndfile's reason), ERR_EMPTY_INPUT,
// ERR_AUDIO_TRUNCATED (the header promises more than the file holds) and ERR_AUDIO_TOO_LONG
// (longer than `maxSeconds`, checked before anything is allocated; 0 = no limit).
SoundFile readSoundFile(const std::string& path, double maxSeconds);

struct SoundFileInfo {
  double sampleRate = 0;
  int channels = 0;
  long long frames = 0;
  std::string format;
  std::string sampleType;
  Peaks peaks;  // empty unless asked for
};

// Decodes the whole file a block at a time without keeping it (constant memory), to tell that
// it is audio we can read and what it holds, and gathers its waveform's peaks in up to
// `peakBuckets` stretches (0: none). Throws what readSoundFile throws.
SoundFileInfo probeSoundFile(const std::string& path, double maxSeconds, int peakBuckets);

struct WriteOptions {
  std::string format;       // wav | flac | mp3 | ogg | opus; empty: from the extension
  std::string sampleType;   // pcm16 | pcm24 | float (wav only); empty: pcm24. Integer types are TPDF-dithered.
  std::string bitrateMode;  // mp3: cbr | vbr (default vbr)
};

// Writes to a temporary file beside `path` and renames it into place: a failed write leaves
// no partial file. Throws ERR_AUDIO_FORMAT, ERR_FILE_WRITE.
void writeSoundFile(const std::string& path, const std::vector<const float*>& channels, size_t frames,
                    double sampleRate, const WriteOptions& options);

}  // namespace mixchain
