#include "peaks.h"

#include <algorithm>
#include <cmath>

namespace mixchain {

PeakAccumulator::PeakAccumulator(long long expectedFrames, int channels, double sampleRate, int maxBuckets)
    : framesPerBucket_(std::max(1LL, (expectedFrames + maxBuckets - 1) / std::max(1, maxBuckets))),
      channels_(channels) {
  peaks_.bucketSeconds = static_cast<double>(framesPerBucket_) / sampleRate;
  const auto reserve = static_cast<size_t>(std::max(0, maxBuckets));
  peaks_.min.reserve(reserve);
  peaks_.max.reserve(reserve);
  peaks_.rms.reserve(reserve);
}

void PeakAccumulator::add(const float* interleaved, long long frames) {
  for (long long frame = 0; frame < frames; ++frame) {
    const float* sample = interleaved + frame * channels_;
    for (int c = 0; c < channels_; ++c) {
      low_ = inBucket_ == 0 && c == 0 ? sample[c] : std::min(low_, sample[c]);
      high_ = inBucket_ == 0 && c == 0 ? sample[c] : std::max(high_, sample[c]);
      sumSquares_ += static_cast<double>(sample[c]) * sample[c];
    }
    if (++inBucket_ == framesPerBucket_) close();
  }
}

void PeakAccumulator::close() {
  if (inBucket_ == 0) return;
  peaks_.min.push_back(low_);
  peaks_.max.push_back(high_);
  peaks_.rms.push_back(static_cast<float>(std::sqrt(sumSquares_ / static_cast<double>(inBucket_ * channels_))));
  inBucket_ = 0;
  sumSquares_ = 0;
}

Peaks PeakAccumulator::finish() {
  close();
  return std::move(peaks_);
}

}  // namespace mixchain
