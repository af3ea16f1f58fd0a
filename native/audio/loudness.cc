#include "audio/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <future>
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

namespace {

using State = std::unique_ptr<ebur128_state, StateCloser>;

State openState(size_t channels, double sampleRate, int mode) {
  State state(ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(std::lround(sampleRate)), mode));
  if (!state) {
    fail("ERR_LOUDNESS", "Cannot measure loudness of " + std::to_string(channels) + " channels at " +
                             std::to_string(sampleRate) + " Hz");
  }
  return state;
}

void feed(ebur128_state* state, const std::vector<const float*>& channels, size_t frames) {
  constexpr size_t kChunk = 16384;
  std::vector<float> interleaved(kChunk * channels.size());
  for (size_t at = 0; at < frames; at += kChunk) {
    const size_t n = std::min(kChunk, frames - at);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < channels.size(); ++c) interleaved[i * channels.size() + c] = channels[c][at + i];
    }
    ebur128_add_frames_float(state, interleaved.data(), n);
  }
}

// The true peak of one channel (4× oversampled), linear.
double truePeakOf(const float* channel, size_t frames, double sampleRate) {
  State state = openState(1, sampleRate, EBUR128_MODE_TRUE_PEAK);
  feed(state.get(), {channel}, frames);
  double value = 0;
  return ebur128_true_peak(state.get(), 0, &value) == EBUR128_SUCCESS ? value : 0;
}

}  // namespace

Loudness measureLoudness(const std::vector<const float*>& channels, size_t frames, double sampleRate, bool full) {
  // True peak, the costly part, runs per channel on threads of its own beside the loudness.
  std::vector<std::future<double>> truePeaks;
  if (full) {
    for (const float* channel : channels) {
      truePeaks.push_back(std::async(std::launch::async, truePeakOf, channel, frames, sampleRate));
    }
  }
  const int mode = full ? EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_SAMPLE_PEAK : EBUR128_MODE_I;
  State state = openState(channels.size(), sampleRate, mode);
  // Mono counts as one channel heard on both sides (BS.1770 dual-mono weighting).
  if (channels.size() == 1) ebur128_set_channel(state.get(), 0, EBUR128_DUAL_MONO);
  feed(state.get(), channels, frames);
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
  }
  for (auto& peak : truePeaks) truePeak = std::max(truePeak, peak.get());
  result.samplePeakDbfs = toDb(samplePeak);
  result.truePeakDbtp = toDb(truePeak);
  return result;
}

}  // namespace mixchain
