#include "controller.h"

#include "base/source/fstreamer.h"

namespace mixchain_effects {

using namespace Steinberg;
using namespace Steinberg::Vst;

tresult PLUGIN_API EffectController::initialize(FUnknown* context) {
  const tresult result = EditController::initialize(context);
  if (result != kResultOk) return result;
  for (ParamID id = 0; id < specs_.size(); ++id) {
    const ParamSpec& spec = specs_[id];
    if (spec.options.empty()) {
      parameters.addParameter(
          new RangeParameter(spec.title, id, spec.units, spec.min, spec.max, spec.defaultPlain, spec.steps));
    } else {
      auto* list = new StringListParameter(spec.title, id);
      for (const TChar* option : spec.options) list->appendString(option);
      list->setNormalized(spec.toNormalized(spec.defaultPlain));
      parameters.addParameter(list);
    }
  }
  return kResultOk;
}

tresult PLUGIN_API EffectController::setComponentState(IBStream* state) {
  IBStreamer stream(state, kLittleEndian);
  for (ParamID id = 0; id < specs_.size(); ++id) {
    double value = 0;
    if (!stream.readDouble(value)) return kResultFalse;
    EditController::setParamNormalized(id, value);
  }
  return kResultOk;
}

tresult PLUGIN_API EffectController::setParamNormalized(ParamID id, ParamValue value) {
  const ParamValue before = getParamNormalized(id);
  const tresult result = EditController::setParamNormalized(id, value);
  if (latencyParameter_ && id == 0 && before != value && componentHandler) {
    componentHandler->restartComponent(kLatencyChanged);
  }
  return result;
}

}  // namespace mixchain_effects
