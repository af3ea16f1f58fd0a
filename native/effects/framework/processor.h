// The shared processor of our own effects: buses (stereo, or mono only), parameters stored as
// normalized doubles, state as those doubles, and VST3's parameter-queue semantics (values ramp
// linearly between points; the block starts from the last value of the previous block).
#pragma once

#include <vector>

#include "params.h"
#include "pluginterfaces/vst/ivstaudioprocessor.h"
#include "pluginterfaces/vst/ivstparameterchanges.h"
#include "public.sdk/source/vst/vstcomponent.h"

namespace mixchain_effects {

using namespace Steinberg;
using namespace Steinberg::Vst;

class EffectProcessor : public Component, public IAudioProcessor {
 public:
  EffectProcessor(const FUID& controller, const std::vector<ParamSpec>& params, bool monoOnly);

  tresult PLUGIN_API initialize(FUnknown* context) override;
  tresult PLUGIN_API setBusArrangements(SpeakerArrangement* inputs, int32 numIns, SpeakerArrangement* outputs,
                                        int32 numOuts) override;
  tresult PLUGIN_API getBusArrangement(BusDirection dir, int32 index, SpeakerArrangement& arr) override;
  tresult PLUGIN_API canProcessSampleSize(int32 symbolicSampleSize) override;
  uint32 PLUGIN_API getLatencySamples() override { return latency(); }
  tresult PLUGIN_API setupProcessing(ProcessSetup& setup) override;
  tresult PLUGIN_API setProcessing(TBool) override { return kResultOk; }
  tresult PLUGIN_API process(ProcessData& data) override;
  uint32 PLUGIN_API getTailSamples() override { return 0; }  // like real plugins, even those with tails
  tresult PLUGIN_API setActive(TBool state) override;
  tresult PLUGIN_API getState(IBStream* state) override;
  tresult PLUGIN_API setState(IBStream* state) override;

  OBJ_METHODS(EffectProcessor, Component)
  DEFINE_INTERFACES
  DEF_INTERFACE(IAudioProcessor)
  END_DEFINE_INTERFACES(Component)
  REFCOUNT_METHODS(Component)

 protected:
  // The effect itself: `frames` samples of each channel from `in` to `out`.
  virtual void render(float** in, float** out, int32 channels, int32 frames) = 0;
  virtual uint32 latency() const { return 0; }
  virtual void clear() {}  // fresh DSP state, called on activation

  double plain(ParamID id) const { return params_[id].toPlain(values_[id]); }
  // The value of `id` at each sample of this block, filled by process() before render().
  const std::vector<double>& curve(ParamID id) const { return curves_[id]; }

  ProcessSetup setup_{};
  std::vector<ParamSpec> params_;
  std::vector<double> values_;

 private:
  void fillCurves(IParameterChanges* changes, int32 frames);
  bool monoOnly_;
  std::vector<std::vector<double>> curves_;
};

}  // namespace mixchain_effects
