// Mixchain Doubler: the voice sung twice more, slightly late and slightly out of tune, one take
// on each side: two short delay lines whose times drift slowly (a few milliseconds, a fraction
// of a hertz), which detunes them by a few cents and spreads them across the stereo field.
#pragma once

#include <vector>

#include "processor.h"

namespace mixchain_effects {

extern const std::vector<ParamSpec> kDoublerParams;

class Doubler : public EffectProcessor {
 public:
  explicit Doubler(const Steinberg::FUID& controller) : EffectProcessor(controller, kDoublerParams, false) {}

 protected:
  void clear() override;
  void render(float** in, float** out, int32 channels, int32 frames) override;

 private:
  float readDelayed(double delaySamples) const;
  std::vector<float> line_;
  size_t write_ = 0;
  double phase_ = 0;  // of the slow LFO, in cycles
};

}  // namespace mixchain_effects
