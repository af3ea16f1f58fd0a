#include "host/instance.h"

#include <algorithm>
#include <iterator>

#include "host/byte_stream.h"
#include "host/errors.h"
#include "public.sdk/source/common/memorystream.h"

namespace mixchain {

using namespace Steinberg;
using namespace Steinberg::Vst;

namespace {

template <typename Interface>
IPtr<Interface> query(FUnknown* object) {
  Interface* found = nullptr;
  if (object && object->queryInterface(Interface::iid, reinterpret_cast<void**>(&found)) == kResultOk && found) {
    return owned(found);
  }
  return nullptr;
}

}  // namespace

Instance::Instance(std::shared_ptr<Module> module, const ClassInfo& cls) : name_(cls.name), module_(std::move(module)) {
  try {
    void* object = nullptr;
    tresult result = kResultFalse;
    {
      auto marked = inside(crash_marker::Phase::Create);
      result = module_->factory()->createInstance(cls.tuid, IComponent::iid, &object);
    }
    if (result != kResultOk || !object) {
      fail("ERR_PLUGIN_REJECTED", "createInstance of '" + cls.name + "' failed with " + resultName(result));
    }
    component_ = owned(static_cast<IComponent*>(object));
    {
      auto marked = inside(crash_marker::Phase::Initialize);
      result = component_->initialize(&HostContext::instance());
      if (result != kResultOk) component_ = nullptr;  // a failed initialize is released, never terminated
      processor_ = query<IAudioProcessor>(component_);
    }
    if (result != kResultOk) {
      fail("ERR_PLUGIN_REJECTED", "initialize of '" + cls.name + "' failed with " + resultName(result));
    }
    if (!processor_) {
      fail("ERR_NO_AUDIO_EFFECT", "Expected '" + cls.name + "' to implement IAudioProcessor but it does not");
    }
    createController(cls.tuid);
    if (controller_) {
      {
        auto marked = inside(crash_marker::Phase::Connect);
        controller_->setComponentHandler(&handler_);
        connect();
      }
      syncControllerFromComponent();
    }
    if (auto requirements = query<IProcessContextRequirements>(component_)) {
      auto marked = inside(crash_marker::Phase::SetupProcessing);
      requirements->getProcessContextRequirements();  // we always pass the full context anyway
    }
  } catch (...) {
    teardown();
    throw;
  }
}

Instance::~Instance() {
  teardown();
}

void Instance::createController(const TUID componentId) {
  auto marked = inside(crash_marker::Phase::Create);
  if (auto single = query<IEditController>(component_)) {
    controller_ = single;
    separateController_ = false;
    return;
  }
  TUID controllerId{};
  const bool hasId = component_->getControllerClassId(controllerId) == kResultOk &&
                     std::any_of(std::begin(controllerId), std::end(controllerId), [](char c) { return c != 0; });
  if (!hasId) {
    return;  // a plugin without a controller: it processes, it has no parameters to show
  }
  void* object = nullptr;
  if (module_->factory()->createInstance(controllerId, IEditController::iid, &object) != kResultOk || !object) {
    return;
  }
  auto controller = owned(static_cast<IEditController*>(object));
  auto initializing = inside(crash_marker::Phase::Initialize);
  const tresult result = controller->initialize(&HostContext::instance());
  if (result != kResultOk) {
    fail("ERR_PLUGIN_REJECTED", "initialize of the edit controller failed with " + resultName(result));
  }
  controller_ = controller;
  separateController_ = true;
}

void Instance::connect() {
  if (!separateController_) return;
  componentConnection_ = query<IConnectionPoint>(component_);
  controllerConnection_ = query<IConnectionPoint>(controller_);
  if (componentConnection_ && controllerConnection_) {
    componentConnection_->connect(controllerConnection_);
    controllerConnection_->connect(componentConnection_);
  } else {
    componentConnection_ = nullptr;
    controllerConnection_ = nullptr;
  }
}

void Instance::syncControllerFromComponent() {
  MemoryStream stream;
  tresult result = kResultFalse;
  {
    auto marked = inside(crash_marker::Phase::GetState);
    result = component_->getState(&stream);
  }
  if (result == kResultOk) {
    stream.seek(0, IBStream::kIBSeekSet, nullptr);
    auto marked = inside(crash_marker::Phase::SetState);
    controller_->setComponentState(&stream);
  }
}

void Instance::teardown() {
  auto marked = inside(crash_marker::Phase::Terminate);
  if (started_) stop();
  if (componentConnection_ && controllerConnection_) {
    componentConnection_->disconnect(controllerConnection_);
    controllerConnection_->disconnect(componentConnection_);
  }
  componentConnection_ = nullptr;
  controllerConnection_ = nullptr;
  if (controller_) {
    controller_->setComponentHandler(nullptr);
    if (separateController_) controller_->terminate();
  }
  controller_ = nullptr;
  processor_ = nullptr;
  if (component_) component_->terminate();
  component_ = nullptr;
}

int Instance::negotiateMainBuses(int channels) {
  auto marked = inside(crash_marker::Phase::SetupProcessing);
  const int32 inputs = component_->getBusCount(kAudio, kInput);
  const int32 outputs = component_->getBusCount(kAudio, kOutput);
  if (inputs < 1 || outputs < 1) {
    fail("ERR_NO_AUDIO_EFFECT", "Expected an audio effect with an audio input and output but the plugin has " +
                                    std::to_string(inputs) + " input and " + std::to_string(outputs) +
                                    " output buses (instruments and generators are not supported)");
  }
  BusLayout layout = busLayout();
  auto tryLayout = [&](SpeakerArrangement main) {
    layout.inputs[0] = main;
    layout.outputs[0] = main;
    processor_->setBusArrangements(layout.inputs.data(), inputs, layout.outputs.data(), outputs);
    const BusLayout now = busLayout();
    return now.inputs[0] == main && now.outputs[0] == main;
  };
  const SpeakerArrangement wanted = channels == 2 ? SpeakerArr::kStereo : SpeakerArr::kMono;
  int accepted = 0;
  if (tryLayout(wanted)) {
    accepted = channels;
  } else if (channels == 2 && tryLayout(SpeakerArr::kMono)) {
    accepted = 1;  // mono-only plugin: the Plugin runs two of them
  } else if (channels == 1 && tryLayout(SpeakerArr::kStereo)) {
    accepted = 2;  // stereo-only plugin: the Plugin feeds it mono on both sides
  } else {
    const BusLayout now = busLayout();
    fail("ERR_CHANNELS", "Expected the plugin to accept mono or stereo on its main buses but it offers " +
                             std::to_string(SpeakerArr::getChannelCount(now.inputs[0])) + " in / " +
                             std::to_string(SpeakerArr::getChannelCount(now.outputs[0])) + " out");
  }
  component_->activateBus(kAudio, kInput, 0, true);
  component_->activateBus(kAudio, kOutput, 0, true);
  return accepted;
}

Instance::BusLayout Instance::busLayout() const {
  auto marked = inside(crash_marker::Phase::SetupProcessing);
  BusLayout layout;
  for (auto direction : {kInput, kOutput}) {
    auto& list = direction == kInput ? layout.inputs : layout.outputs;
    const int32 count = component_->getBusCount(kAudio, direction);
    for (int32 i = 0; i < count; ++i) {
      SpeakerArrangement arrangement = 0;
      if (processor_->getBusArrangement(direction, i, arrangement) != kResultOk) {
        BusInfo info{};
        component_->getBusInfo(kAudio, direction, i, info);
        arrangement = info.channelCount == 1 ? SpeakerArr::kMono : SpeakerArr::kStereo;
      }
      list.push_back(arrangement);
    }
  }
  return layout;
}

void Instance::setupProcessing(double sampleRate, int32 maxBlockSize) {
  auto marked = inside(crash_marker::Phase::SetupProcessing);
  if (processor_->canProcessSampleSize(kSample32) != kResultTrue) {
    fail("ERR_PLUGIN_REJECTED", "Expected the plugin to process 32-bit float audio but canProcessSampleSize says no");
  }
  ProcessSetup setup{kOffline, kSample32, maxBlockSize, sampleRate};
  const tresult result = processor_->setupProcessing(setup);
  if (result != kResultOk) {
    fail("ERR_PLUGIN_REJECTED", "setupProcessing (offline, 32-bit, block " + std::to_string(maxBlockSize) + ", " +
                                    std::to_string(static_cast<long>(sampleRate)) + " Hz) failed with " +
                                    resultName(result));
  }
}

void Instance::start() {
  auto marked = inside(crash_marker::Phase::SetActive);
  const tresult result = component_->setActive(true);
  if (result != kResultOk) fail("ERR_PLUGIN_REJECTED", "setActive(true) failed with " + resultName(result));
  latency_ = processor_->getLatencySamples();
  processor_->setProcessing(true);  // many plugins answer kNotImplemented; that is fine
  started_ = true;
}

void Instance::stop() {
  auto marked = inside(crash_marker::Phase::SetActive);
  processor_->setProcessing(false);
  component_->setActive(false);
  started_ = false;
}

uint32 Instance::tailSamples() const {
  auto marked = inside(crash_marker::Phase::SetupProcessing);
  return processor_->getTailSamples();
}

std::vector<uint8> Instance::componentState() {
  auto marked = inside(crash_marker::Phase::GetState);
  auto stream = owned(new MemoryStream());
  const tresult result = component_->getState(stream);
  if (result != kResultOk) fail("ERR_PLUGIN_REJECTED", "getState of the component failed with " + resultName(result));
  return bytesOf(*stream);
}

std::vector<uint8> Instance::controllerState() {
  if (!controller_) return {};
  auto marked = inside(crash_marker::Phase::GetState);
  auto stream = owned(new MemoryStream());
  // DPF's controller answers kNotImplemented: its whole state lives in the component.
  if (controller_->getState(stream) != kResultOk) return {};
  return bytesOf(*stream);
}

void Instance::applyState(const std::vector<uint8>& component, const std::vector<uint8>& controller) {
  // Each chunk is its own stream starting at 0 (JUCE seeks to 0; DPF reads to the end).
  auto marked = inside(crash_marker::Phase::SetState);
  const tresult result = component_->setState(streamOf(component));
  if (result != kResultOk) {
    fail("ERR_STATE_REJECTED", "The plugin refused the component state (" + std::to_string(component.size()) +
                                   " bytes): " + resultName(result));
  }
  if (!controller_) return;
  controller_->setComponentState(streamOf(component));
  if (!controller.empty()) controller_->setState(streamOf(controller));
}

}  // namespace mixchain
