// Sample-rate conversion with libsoxr at its high-quality setting (20-bit precision, linear
// phase), planar float in and out.
#pragma once

#include <cstddef>
#include <vector>

namespace mixchain {

// `channels` at `fromRate` → the same audio at `toRate`; the output length is the input length
// scaled by the rate ratio, rounded. Throws ERR_INVALID_SAMPLE_RATE, ERR_RESAMPLE.
std::vector<std::vector<float>> resample(const std::vector<const float*>& channels, size_t frames, double fromRate,
                                         double toRate);

}  // namespace mixchain
