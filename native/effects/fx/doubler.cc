#include "doubler.h"

#include <cmath>

namespace mixchain_effects {

const std::vector<ParamSpec> kDoublerParams = {
    {STR16("Mix"), STR16("%"), 0, 100, 45, 0, {}},     {STR16("Delay"), STR16("ms"), 5, 40, 18, 0, {}},
    {STR16("Depth"), STR16("ms"), 0, 5, 1.2, 0, {}},   {STR16("Rate"), STR16("Hz"), 0.05, 3, 0.35, 0, {}},
    {STR16("Spread"), STR16("%"), 0, 100, 100, 0, {}},
};

namespace {
constexpr double kSecondVoiceDelay = 1.31;  // the second take lags by a different, unrelated amount
constexpr double kSecondVoiceRate = 0.83;   // and drifts at its own pace
}  // namespace

void Doubler::clear() {
  // Room for the longest delay (40 ms × 1.31 + 5 ms depth) with margin.
  line_.assign(static_cast<size_t>(std::ceil(setup_.sampleRate * 0.1)) + 2, 0.0f);
  write_ = 0;
  phase_ = 0;
}

float Doubler::readDelayed(double delaySamples) const {
  const double position = static_cast<double>(write_) - delaySamples + static_cast<double>(line_.size());
  const auto base = static_cast<size_t>(position);
  const double fraction = position - static_cast<double>(base);
  const float a = line_[base % line_.size()];
  const float b = line_[(base + 1) % line_.size()];
  return static_cast<float>(a + (b - a) * fraction);
}

void Doubler::render(float** in, float** out, int32 channels, int32 frames) {
  const double rate = setup_.sampleRate;
  for (int32 i = 0; i < frames; ++i) {
    const double mix = params_[0].toPlain(curve(0)[i]) / 100.0;
    const double delay = params_[1].toPlain(curve(1)[i]) * 1e-3 * rate;
    const double depth = params_[2].toPlain(curve(2)[i]) * 1e-3 * rate;
    const double lfoRate = params_[3].toPlain(curve(3)[i]);
    const double spread = params_[4].toPlain(curve(4)[i]) / 100.0;

    const float mono = channels == 2 ? 0.5f * (in[0][i] + in[1][i]) : in[0][i];
    line_[write_] = mono;
    const double a = readDelayed(delay + depth * std::sin(2 * M_PI * phase_));
    const double b =
        readDelayed(delay * kSecondVoiceDelay + depth * std::sin(2 * M_PI * phase_ * kSecondVoiceRate + M_PI / 2));
    write_ = (write_ + 1) % line_.size();
    phase_ += lfoRate / rate;
    if (phase_ >= 1000.0) phase_ -= 1000.0;  // keeps precision; 1000 is a whole number of both LFO cycles

    const double near = 0.5 + 0.5 * spread, far = 0.5 - 0.5 * spread;
    if (channels == 2) {
      out[0][i] = static_cast<float>(in[0][i] + mix * (a * near + b * far));
      out[1][i] = static_cast<float>(in[1][i] + mix * (b * near + a * far));
    } else {
      out[0][i] = static_cast<float>(in[0][i] + mix * 0.5 * (a + b));
    }
  }
}

}  // namespace mixchain_effects
