// The test effects, each a TestProcessor with its parameters.
#pragma once

#include "pluginterfaces/base/funknown.h"

namespace mixchain_test {

struct EffectClass {
  const char* name;
  const char* subCategories;
  Steinberg::FUID processorId;
  Steinberg::FUID controllerId;
  Steinberg::FUnknown* (*createProcessor)();
  Steinberg::FUnknown* (*createController)();
};

// Gain, Gain Mono, Latency, Tail, Misbehave, Setup Throws.
extern const EffectClass kEffects[];
extern const int kEffectCount;

}  // namespace mixchain_test
