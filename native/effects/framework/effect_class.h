// The test effects, each a EffectProcessor with its parameters.
#pragma once

#include "pluginterfaces/base/funknown.h"

namespace mixchain_effects {

struct EffectClass {
  const char* name;
  const char* subCategories;
  Steinberg::FUID processorId;
  Steinberg::FUID controllerId;
  Steinberg::FUnknown* (*createProcessor)();
  Steinberg::FUnknown* (*createController)();
};

// Defined by each bundle.
extern const EffectClass kEffects[];
extern const int kEffectCount;
extern const char* const kBundleVendor;

}  // namespace mixchain_effects
