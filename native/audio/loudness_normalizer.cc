#include "audio/loudness_normalizer.h"

#include <algorithm>
#include <cmath>

#include "audio/true_peak_limiter.h"

namespace mixchain {

namespace {
constexpr double kTolerance = 0.2;  // LU: close enough to the target to stop correcting
constexpr int kMaxPasses = 8;
}  // namespace

NormalizeResult normalizeLoudness(std::vector<float*>& channels, size_t frames, double sampleRate, bool normalize,
                                  double targetLufs, double ceilingDbtp) {
  const std::vector<const float*> view(channels.begin(), channels.end());
  NormalizeResult result;
  result.before = measureLoudness(view, frames, sampleRate);
  result.after = result.before;
  if (!normalize || !std::isfinite(result.before.integratedLufs)) return result;

  double gainDb = targetLufs - result.before.integratedLufs;
  if (result.before.truePeakDbtp + gainDb <= ceilingDbtp) {
    // Gain alone: every figure moves by the gain (gating is relative), nothing to measure again.
    const double gain = std::pow(10.0, gainDb / 20.0);
    for (float* x : channels) {
      for (size_t n = 0; n < frames; ++n) x[n] = static_cast<float>(x[n] * gain);
    }
    result.gainDb = gainDb;
    result.after.integratedLufs += gainDb;
    result.after.samplePeakDbfs += gainDb;
    result.after.truePeakDbtp += gainDb;
    return result;
  }

  // The limiter is needed. Its peak detector is not libebur128's, so it aims a little under the
  // ceiling, and lower again should the final measurement still find a peak above it.
  const std::vector<float> envelope = truePeakEnvelope(view, frames);
  std::vector<std::vector<float>> work(channels.size(), std::vector<float>(frames));
  std::vector<float*> out;
  for (auto& channel : work) out.push_back(channel.data());
  LimiterSettings settings;
  for (double margin = 0.1; margin < 1.0; margin += 0.2) {
    settings.ceilingDbtp = ceilingDbtp - margin;
    double previousGain = NAN, previousLufs = NAN;
    LimiterReport limiter{};
    for (int pass = 0; pass < kMaxPasses; ++pass) {
      limiter = applyGainAndLimit(view, out, frames, sampleRate, std::pow(10.0, gainDb / 20.0), envelope, settings);
      const double lufs = measureLoudness({out.begin(), out.end()}, frames, sampleRate, false).integratedLufs;
      if (std::fabs(targetLufs - lufs) <= kTolerance) break;
      // Limiting takes loudness away, so the gain needed is found by secant steps.
      const double slope =
          std::isfinite(previousGain) && gainDb != previousGain ? (lufs - previousLufs) / (gainDb - previousGain) : 1.0;
      previousGain = gainDb;
      previousLufs = lufs;
      gainDb += (targetLufs - lufs) / std::clamp(slope, 0.05, 1.0);
    }
    result.after = measureLoudness({out.begin(), out.end()}, frames, sampleRate);
    result.gainDb = gainDb;
    result.limited = limiter.limitedSamples > 0;
    result.maxReductionDb = limiter.maxReductionDb;
    result.limitedSamples = limiter.limitedSamples;
    if (result.after.truePeakDbtp <= ceilingDbtp) break;
  }
  if (result.after.truePeakDbtp > ceilingDbtp) {
    // Pathological material the passes did not settle: a plain trim keeps the promise.
    const double trim = std::pow(10.0, (ceilingDbtp - result.after.truePeakDbtp - 0.05) / 20.0);
    for (auto& channel : work) {
      for (float& x : channel) x = static_cast<float>(x * trim);
    }
    result.after = measureLoudness({out.begin(), out.end()}, frames, sampleRate);
  }
  for (size_t c = 0; c < channels.size(); ++c) std::copy(work[c].begin(), work[c].end(), channels[c]);
  return result;
}

}  // namespace mixchain
