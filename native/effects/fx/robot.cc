#include "robot.h"

#include <cmath>

namespace mixchain_effects {

const std::vector<ParamSpec> kRobotParams = {
    {STR16("Carrier"), STR16("Hz"), 20, 400, 50, 0, {}},
    {STR16("Pitch"), STR16("Hz"), 50, 400, 110, 0, {}},
    {STR16("Resonance"), STR16("%"), 0, 95, 70, 0, {}},
    {STR16("Mix"), STR16("%"), 0, 100, 100, 0, {}},
};

void Robot::clear() {
  // One period of the lowest pitch.
  const auto size = static_cast<size_t>(std::ceil(setup_.sampleRate / 50.0)) + 1;
  for (auto& comb : combs_) comb.assign(size, 0.0f);
  write_ = 0;
  phase_ = 0;
}

void Robot::render(float** in, float** out, int32 channels, int32 frames) {
  const double rate = setup_.sampleRate;
  const size_t size = combs_[0].size();
  for (int32 i = 0; i < frames; ++i) {
    const double carrier = params_[0].toPlain(curve(0)[i]);
    const double period = std::min(rate / params_[1].toPlain(curve(1)[i]), static_cast<double>(size - 1));
    const double feedback = params_[2].toPlain(curve(2)[i]) / 100.0;
    const double mix = params_[3].toPlain(curve(3)[i]) / 100.0;
    const double modulator = std::sin(2 * M_PI * phase_);
    const size_t read = (write_ + size - static_cast<size_t>(std::lround(period))) % size;
    for (int32 c = 0; c < channels; ++c) {
      const double ring = in[c][i] * modulator;
      // The comb's peak gain is 1 / (1 - feedback): scaled back so the level stays put.
      const double combed = ring + feedback * combs_[c][read];
      combs_[c][write_] = static_cast<float>(combed);
      out[c][i] = static_cast<float>((1 - mix) * in[c][i] + mix * combed * (1 - feedback) * 2.0);
    }
    write_ = (write_ + 1) % size;
    phase_ += carrier / rate;
    if (phase_ >= 1.0) phase_ -= 1.0;
  }
}

}  // namespace mixchain_effects
