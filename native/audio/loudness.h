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

// Throws ERR_LOUDNESS for rates or channel counts libebur128 refuses. With `full` false only the
// integrated loudness is measured (several times cheaper: no oversampled true peak, no range);
// the other figures are then NaN.
Loudness measureLoudness(const std::vector<const float*>& channels, size_t frames, double sampleRate, bool full = true);

}  // namespace mixchain
