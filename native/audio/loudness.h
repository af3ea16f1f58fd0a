// Loudness per ITU-R BS.1770 / EBU R128 through libebur128: integrated loudness, loudness
// range, sample peak and true peak (4× oversampled).
#pragma once

#include <cstddef>
#include <vector>

namespace mixchain {

struct Loudness {
  double integratedLufs;  // -inf for silence (below the absolute gate)
  double rangeLu;
  double samplePeakDbfs;
  double truePeakDbtp;
};

// Throws ERR_LOUDNESS for rates or channel counts libebur128 refuses.
Loudness measureLoudness(const std::vector<const float*>& channels, size_t frames, double sampleRate);

}  // namespace mixchain
