// Audio files through libsndfile: decoded to float channels at their own rate, and encoded
// from float channels with the format and sample type chosen by the caller.
#pragma once

#include <string>
#include <vector>

namespace mixchain {

struct SoundFile {
  double sampleRate = 0;
  std::vector<std::vector<float>> channels;  // planar
  std::string format;                        // e.g. "WAV", "FLAC"
  std::string sampleType;                    // e.g. "PCM_16", "FLOAT"
};

// Throws ERR_FILE_NOT_FOUND, ERR_AUDIO_DECODE (with libsndfile's reason).
SoundFile readSoundFile(const std::string& path);

struct WriteOptions {
  std::string format;      // "wav" | "flac"; empty: from the extension
  std::string sampleType;  // "pcm16" | "pcm24" | "float"; empty: pcm24 (wav, flac)
};

// Throws ERR_AUDIO_FORMAT (unknown format/type), ERR_FILE_WRITE.
void writeSoundFile(const std::string& path, const std::vector<const float*>& channels, size_t frames,
                    double sampleRate, const WriteOptions& options);

}  // namespace mixchain
