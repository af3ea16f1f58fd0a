#include "processor.h"

#include "base/source/fstreamer.h"

namespace mixchain_effects {

EffectProcessor::EffectProcessor(const FUID& controller, const std::vector<ParamSpec>& params, bool monoOnly)
    : params_(params), monoOnly_(monoOnly) {
  setControllerClass(controller);
  for (const auto& p : params_) values_.push_back(p.toNormalized(p.defaultPlain));
  curves_.resize(params_.size());
}

tresult PLUGIN_API EffectProcessor::initialize(FUnknown* context) {
  const tresult result = Component::initialize(context);
  if (result != kResultOk) return result;
  const SpeakerArrangement layout = monoOnly_ ? SpeakerArr::kMono : SpeakerArr::kStereo;
  audioInputs.push_back(owned(new AudioBus(STR16("In"), kMain, BusInfo::kDefaultActive, layout)));
  audioOutputs.push_back(owned(new AudioBus(STR16("Out"), kMain, BusInfo::kDefaultActive, layout)));
  return kResultOk;
}

tresult PLUGIN_API EffectProcessor::setBusArrangements(SpeakerArrangement* inputs, int32 numIns,
                                                       SpeakerArrangement* outputs, int32 numOuts) {
  if (numIns != 1 || numOuts != 1 || inputs[0] != outputs[0]) return kResultFalse;
  if (inputs[0] != SpeakerArr::kMono && (monoOnly_ || inputs[0] != SpeakerArr::kStereo)) return kResultFalse;
  static_cast<AudioBus*>(audioInputs.at(0).get())->setArrangement(inputs[0]);
  static_cast<AudioBus*>(audioOutputs.at(0).get())->setArrangement(outputs[0]);
  return kResultTrue;
}

tresult PLUGIN_API EffectProcessor::getBusArrangement(BusDirection dir, int32 index, SpeakerArrangement& arr) {
  BusList& list = dir == kInput ? audioInputs : audioOutputs;
  if (index != 0 || list.empty()) return kInvalidArgument;
  arr = static_cast<AudioBus*>(list.at(0).get())->getArrangement();
  return kResultOk;
}

tresult PLUGIN_API EffectProcessor::canProcessSampleSize(int32 size) {
  return size == kSample32 ? kResultTrue : kResultFalse;
}

tresult PLUGIN_API EffectProcessor::setupProcessing(ProcessSetup& setup) {
  setup_ = setup;
  for (auto& curve : curves_) curve.assign(setup.maxSamplesPerBlock, 0.0);
  return kResultOk;
}

tresult PLUGIN_API EffectProcessor::setActive(TBool state) {
  if (state) clear();
  return Component::setActive(state);
}

void EffectProcessor::fillCurves(IParameterChanges* changes, int32 frames) {
  std::vector<IParamValueQueue*> queues(params_.size(), nullptr);
  for (int32 q = 0; changes && q < changes->getParameterCount(); ++q) {
    IParamValueQueue* queue = changes->getParameterData(q);
    if (queue && queue->getParameterId() < params_.size()) queues[queue->getParameterId()] = queue;
  }
  for (size_t id = 0; id < params_.size(); ++id) {
    auto& curve = curves_[id];
    int32 from = 0;
    double fromValue = values_[id];
    int32 cursor = 0;
    if (IParamValueQueue* queue = queues[id]) {
      for (int32 p = 0; p < queue->getPointCount(); ++p) {
        int32 offset = 0;
        ParamValue value = 0;
        if (queue->getPoint(p, offset, value) != kResultOk || offset >= frames) continue;
        for (; cursor <= offset; ++cursor) {
          curve[cursor] = offset == from ? value : fromValue + (value - fromValue) * (cursor - from) / (offset - from);
        }
        from = offset;
        fromValue = value;
      }
    }
    for (; cursor < frames; ++cursor) curve[cursor] = fromValue;
    values_[id] = fromValue;
  }
}

tresult PLUGIN_API EffectProcessor::process(ProcessData& data) {
  if (data.numSamples > 0) fillCurves(data.inputParameterChanges, data.numSamples);
  if (data.numSamples <= 0 || data.numInputs < 1 || data.numOutputs < 1) return kResultOk;
  const int32 channels = std::min(data.inputs[0].numChannels, data.outputs[0].numChannels);
  render(data.inputs[0].channelBuffers32, data.outputs[0].channelBuffers32, channels, data.numSamples);
  return kResultOk;
}

tresult PLUGIN_API EffectProcessor::getState(IBStream* state) {
  IBStreamer stream(state, kLittleEndian);
  for (double value : values_) {
    if (!stream.writeDouble(value)) return kResultFalse;
  }
  return kResultOk;
}

tresult PLUGIN_API EffectProcessor::setState(IBStream* state) {
  IBStreamer stream(state, kLittleEndian);
  std::vector<double> read(values_.size());
  for (double& value : read) {
    if (!stream.readDouble(value)) return kResultFalse;
  }
  values_ = read;
  return kResultOk;
}

}  // namespace mixchain_effects
