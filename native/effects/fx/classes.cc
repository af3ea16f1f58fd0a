// MixchainFX.vst3: effects of our own for the default recipe's roles that no zam plugin plays
// well (a doubler, a robot voice).
#include "controller.h"
#include "doubler.h"
#include "effect_class.h"
#include "robot.h"

namespace mixchain_effects {

namespace {

const FUID kDoublerIds[2] = {FUID(0x6D786378, 0x44424C52, 0x00000001, 0x00000001),
                             FUID(0x6D786378, 0x44424C52, 0x00000001, 0x00000002)};
const FUID kRobotIds[2] = {FUID(0x6D786378, 0x524F424F, 0x00000002, 0x00000001),
                           FUID(0x6D786378, 0x524F424F, 0x00000002, 0x00000002)};

template <typename Params>
FUnknown* controllerFor(const Params& params) {
  return static_cast<IEditController*>(new EffectController(params, false));
}

}  // namespace

const EffectClass kEffects[] = {
    {"Mixchain Doubler", "Fx|Modulation", kDoublerIds[0], kDoublerIds[1],
     [] { return static_cast<FUnknown*>(static_cast<IAudioProcessor*>(new Doubler(kDoublerIds[1]))); },
     [] { return controllerFor(kDoublerParams); }},
    {"Mixchain Robot", "Fx|Modulation", kRobotIds[0], kRobotIds[1],
     [] { return static_cast<FUnknown*>(static_cast<IAudioProcessor*>(new Robot(kRobotIds[1]))); },
     [] { return controllerFor(kRobotParams); }},
};
const int kEffectCount = sizeof(kEffects) / sizeof(kEffects[0]);
const char* const kBundleVendor = "mixchain";

}  // namespace mixchain_effects
