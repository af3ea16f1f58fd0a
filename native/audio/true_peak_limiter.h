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

// Limits `channels` in place at `sampleRate`.
LimiterReport limitTruePeak(std::vector<float*>& channels, size_t frames, double sampleRate,
                            const LimiterSettings& settings);

}  // namespace mixchain
