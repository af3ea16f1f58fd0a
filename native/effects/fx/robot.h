// Mixchain Robot: the classic machine voice. A ring modulator (the voice multiplied by a low
// sine carrier) gives the metallic, inharmonic edge; a feedback comb tuned to one pitch then
// makes every syllable ring on the same monotone buzz.
#pragma once

#include <vector>

#include "processor.h"

namespace mixchain_effects {

extern const std::vector<ParamSpec> kRobotParams;

class Robot : public EffectProcessor {
 public:
  explicit Robot(const Steinberg::FUID& controller) : EffectProcessor(controller, kRobotParams, false) {}

 protected:
  void clear() override;
  void render(float** in, float** out, int32 channels, int32 frames) override;

 private:
  std::vector<float> combs_[2];
  size_t write_ = 0;
  double phase_ = 0;  // of the carrier, in cycles
};

}  // namespace mixchain_effects
