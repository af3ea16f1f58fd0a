// A waveform's outline for drawing, gathered while a file is decoded: for each of up to
// `maxBuckets` equal stretches, the lowest and highest sample across its channels and its RMS.
// A page draws a long file from these at once, without decoding the audio itself.
#pragma once

#include <vector>

namespace mixchain {

struct Peaks {
  double bucketSeconds = 0;
  std::vector<float> min, max, rms;
};

class PeakAccumulator {
 public:
  // `expectedFrames` (the header's count) sets the stretch length; a file that holds more gets a
  // few more buckets rather than a wrong length.
  PeakAccumulator(long long expectedFrames, int channels, double sampleRate, int maxBuckets);
  void add(const float* interleaved, long long frames);
  // Closes the last, partial stretch.
  Peaks finish();

 private:
  void close();

  long long framesPerBucket_;
  int channels_;
  long long inBucket_ = 0;
  float low_ = 0, high_ = 0;
  double sumSquares_ = 0;
  Peaks peaks_;
};

}  // namespace mixchain
