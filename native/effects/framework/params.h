// Parameter descriptions shared by an effect's processor and controller.
#pragma once

#include <cmath>
#include <vector>

#include "pluginterfaces/vst/vsttypes.h"

namespace mixchain_effects {

struct ParamSpec {
  const Steinberg::Vst::TChar* title;
  const Steinberg::Vst::TChar* units;
  double min;
  double max;
  double defaultPlain;
  Steinberg::int32 steps;                             // 0: continuous
  std::vector<const Steinberg::Vst::TChar*> options;  // a list parameter when not empty

  double toPlain(double normalized) const {
    const double v = min + normalized * (max - min);
    return steps > 0 ? std::round(v) : v;
  }
  double toNormalized(double plain) const { return (plain - min) / (max - min); }
};

}  // namespace mixchain_effects
