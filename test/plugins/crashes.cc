#include "crashes.h"

#include <algorithm>

#include "controller.h"
#include "processor.h"

namespace mixchain_effects {

void segfault() {
  volatile int* nowhere = nullptr;
  *nowhere = 1;
  __builtin_trap();
}

namespace {

// Passes audio through, except in the one call it crashes in.
class CrashingProcessor : public EffectProcessor {
 public:
  CrashingProcessor(CrashIn where, const FUID& controller) : EffectProcessor(controller, {}, false), where_(where) {}

  tresult PLUGIN_API initialize(FUnknown* context) override {
    if (where_ == CrashIn::Initialize) segfault();
    return EffectProcessor::initialize(context);
  }
  tresult PLUGIN_API connect(IConnectionPoint* other) override {
    if (where_ == CrashIn::Connect) segfault();
    return EffectProcessor::connect(other);
  }
  tresult PLUGIN_API setupProcessing(ProcessSetup& setup) override {
    if (where_ == CrashIn::Setup) segfault();
    return EffectProcessor::setupProcessing(setup);
  }
  tresult PLUGIN_API setActive(TBool state) override {
    if (where_ == CrashIn::Activate) segfault();
    return EffectProcessor::setActive(state);
  }
  tresult PLUGIN_API getState(IBStream* state) override {
    if (where_ == CrashIn::GetState) segfault();
    return EffectProcessor::getState(state);
  }
  tresult PLUGIN_API setState(IBStream* state) override {
    if (where_ == CrashIn::SetState) segfault();
    return EffectProcessor::setState(state);
  }
  tresult PLUGIN_API terminate() override {
    if (where_ == CrashIn::Terminate) segfault();
    return EffectProcessor::terminate();
  }

 protected:
  void render(float** in, float** out, int32 channels, int32 frames) override {
    for (int32 c = 0; c < channels; ++c) std::copy(in[c], in[c] + frames, out[c]);
  }

 private:
  CrashIn where_;
};

// A controller without parameters that crashes when the host asks how many it has.
class CrashingController : public EffectController {
 public:
  explicit CrashingController(CrashIn where) : EffectController({}, false), where_(where) {}
  int32 PLUGIN_API getParameterCount() override {
    if (where_ == CrashIn::Controller) segfault();
    return EffectController::getParameterCount();
  }

 private:
  CrashIn where_;
};

}  // namespace

FUID crashingProcessorId(CrashIn where) {
  return FUID(0x6D786332, 0x43524153, 0x00000100 + static_cast<uint32>(where), 0x00000001);
}

FUID crashingControllerId(CrashIn where) {
  return FUID(0x6D786332, 0x43524153, 0x00000100 + static_cast<uint32>(where), 0x00000002);
}

FUnknown* makeCrashingProcessor(CrashIn where) {
  if (where == CrashIn::Create) segfault();
  return static_cast<IAudioProcessor*>(new CrashingProcessor(where, crashingControllerId(where)));
}

FUnknown* makeCrashingController(CrashIn where) {
  return static_cast<IEditController*>(new CrashingController(where));
}

}  // namespace mixchain_effects
