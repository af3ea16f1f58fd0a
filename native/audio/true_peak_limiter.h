// The safety limiter of loudness normalisation: brings every true peak (4× oversampled, as
// BS.1770 measures it) to at most a ceiling, touching nothing below it. Offline, so its
// lookahead costs no latency.
#pragma once

#include <cstddef>
#include <vector>

namespace mixchain {

struct LimiterSettings {
  double ceilingDbtp = -1.0;
  double lookaheadMs = 1.5;  // gain reaches its minimum this long before a peak
  double releaseMs = 80.0;   // and recovers over about this long after it
};

struct LimiterReport {
  double maxReductionDb;  // deepest gain reduction applied (0 when nothing exceeded the ceiling)
  size_t limitedSamples;  // samples whose gain was below 1
};

// The true-peak envelope of `channels`: for each sample, the largest absolute value over every
// channel between it and its neighbours, the 4× oversampled points in between included.
std::vector<float> truePeakEnvelope(const std::vector<const float*>& channels, size_t frames);

// out = in × gain, limited so no true peak exceeds the ceiling; `envelope` is in's (unscaled)
// true-peak envelope, so several gains can be tried without measuring the peaks again.
LimiterReport applyGainAndLimit(const std::vector<const float*>& in, const std::vector<float*>& out, size_t frames,
                                double sampleRate, double gain, const std::vector<float>& envelope,
                                const LimiterSettings& settings);

}  // namespace mixchain
