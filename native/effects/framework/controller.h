// The shared edit controller of our own effects: parameters from their ParamSpecs (range or
// list), synchronised from the processor's state. An effect whose parameter 0 sets its latency
// has the controller ask the host to re-read latency whenever it changes, as real plugins do.
#pragma once

#include <vector>

#include "params.h"
#include "public.sdk/source/vst/vsteditcontroller.h"

namespace mixchain_effects {

class EffectController : public Steinberg::Vst::EditController {
 public:
  EffectController(const std::vector<ParamSpec>& params, bool latencyParameter)
      : specs_(params), latencyParameter_(latencyParameter) {}

  Steinberg::tresult PLUGIN_API initialize(Steinberg::FUnknown* context) override;
  Steinberg::tresult PLUGIN_API setComponentState(Steinberg::IBStream* state) override;
  Steinberg::tresult PLUGIN_API setParamNormalized(Steinberg::Vst::ParamID id,
                                                   Steinberg::Vst::ParamValue value) override;

 private:
  std::vector<ParamSpec> specs_;
  bool latencyParameter_;
};

}  // namespace mixchain_effects
