#include "audio/resampler.h"

#include <soxr.h>

#include <cmath>
#include <cstring>
#include <string>

#include "host/errors.h"

namespace mixchain {

std::vector<std::vector<float>> resample(const std::vector<const float*>& channels, size_t frames, double fromRate,
                                         double toRate) {
  for (double rate : {fromRate, toRate}) {
    if (!(rate >= 1000 && rate <= 768000)) {
      fail("ERR_INVALID_SAMPLE_RATE", "Expected sample rates from 1000 to 768000 Hz but got " + std::to_string(rate));
    }
  }
  const size_t outFrames = static_cast<size_t>(std::llround(static_cast<double>(frames) * toRate / fromRate));
  std::vector<std::vector<float>> out(channels.size(), std::vector<float>(outFrames, 0.0f));
  if (fromRate == toRate) {
    for (size_t c = 0; c < channels.size(); ++c) std::memcpy(out[c].data(), channels[c], frames * sizeof(float));
    return out;
  }
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_S, SOXR_FLOAT32_S);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ | SOXR_LINEAR_PHASE, 0);
  std::vector<const float*> in(channels.begin(), channels.end());
  std::vector<float*> dst(out.size());
  for (size_t c = 0; c < out.size(); ++c) dst[c] = out[c].data();
  size_t done = 0;
  const soxr_error_t error = soxr_oneshot(fromRate, toRate, static_cast<unsigned>(channels.size()), in.data(), frames,
                                          nullptr, dst.data(), outFrames, &done, &io, &quality, nullptr);
  if (error) fail("ERR_RESAMPLE", std::string("libsoxr failed: ") + error);
  return out;
}

}  // namespace mixchain
