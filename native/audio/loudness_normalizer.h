// Loudness normalisation in one native pass: a gain to the target integrated loudness and, only
// when that gain would push a true peak over the ceiling, the true-peak limiter, with the gain
// corrected by secant steps for the loudness the limiter takes away.
#pragma once

#include <cstddef>
#include <vector>

#include "audio/loudness.h"

namespace mixchain {

struct NormalizeResult {
  Loudness before;
  Loudness after;
  double gainDb = 0;
  bool limited = false;
  double maxReductionDb = 0;
  size_t limitedSamples = 0;
};

// `channels` in place. With `normalize` false only `before` is measured (after == before).
NormalizeResult normalizeLoudness(std::vector<float*>& channels, size_t frames, double sampleRate, bool normalize,
                                  double targetLufs, double ceilingDbtp);

}  // namespace mixchain
