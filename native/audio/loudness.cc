#include "audio/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "host/errors.h"

namespace mixchain {

namespace {
struct StateCloser {
  void operator()(ebur128_state* state) const { ebur128_destroy(&state); }
};
double toDb(double linear) {
  return linear > 0 ? 20.0 * std::log10(linear) : -HUGE_VAL;
}
}  // namespace

Loudness measureLoudness(const std::vector<const float*>& channels, size_t frames, double sampleRate, bool full) {
  const int mode =
      full ? EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_TRUE_PEAK : EBUR128_MODE_I;
  std::unique_ptr<ebur128_state, StateCloser> state(
      ebur128_init(static_cast<unsigned>(channels.size()), static_cast<unsigned long>(std::lround(sampleRate)), mode));
  if (!state) {
    fail("ERR_LOUDNESS", "Cannot measure loudness of " + std::to_string(channels.size()) + " channels at " +
                             std::to_string(sampleRate) + " Hz");
  }
  // Mono counts as one channel heard on both sides (BS.1770 dual-mono weighting).
  if (channels.size() == 1) ebur128_set_channel(state.get(), 0, EBUR128_DUAL_MONO);
  constexpr size_t kChunk = 16384;
  std::vector<float> interleaved(kChunk * channels.size());
  for (size_t at = 0; at < frames; at += kChunk) {
    const size_t n = std::min(kChunk, frames - at);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < channels.size(); ++c) interleaved[i * channels.size() + c] = channels[c][at + i];
    }
    ebur128_add_frames_float(state.get(), interleaved.data(), n);
  }
  Loudness result{};
  double value = 0;
  result.integratedLufs = ebur128_loudness_global(state.get(), &value) == EBUR128_SUCCESS ? value : -HUGE_VAL;
  if (!full) {
    result.rangeLu = result.samplePeakDbfs = result.truePeakDbtp = NAN;
    return result;
  }
  result.rangeLu = ebur128_loudness_range(state.get(), &value) == EBUR128_SUCCESS ? value : 0;
  double samplePeak = 0, truePeak = 0;
  for (unsigned c = 0; c < channels.size(); ++c) {
    if (ebur128_sample_peak(state.get(), c, &value) == EBUR128_SUCCESS) samplePeak = std::max(samplePeak, value);
    if (ebur128_true_peak(state.get(), c, &value) == EBUR128_SUCCESS) truePeak = std::max(truePeak, value);
  }
  result.samplePeakDbfs = toDb(samplePeak);
  result.truePeakDbtp = toDb(truePeak);
  return result;
}

}  // namespace mixchain
