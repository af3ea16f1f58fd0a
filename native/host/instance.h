// One VST3 object pair, created from a module class: the component (IComponent +
// IAudioProcessor) and its edit controller, connected and synchronised the way the SDK's
// hosting samples do it. Everything except process() runs on the control thread. Every call into
// the plugin is marked in the crash marker with its phase. A Plugin holds
// one Instance, or two when a mono-only plugin runs dual-mono on stereo audio.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/crash_marker.h"
#include "host/host_context.h"
#include "host/module.h"
#include "pluginterfaces/base/smartpointer.h"
#include "pluginterfaces/vst/ivstaudioprocessor.h"
#include "pluginterfaces/vst/ivstcomponent.h"
#include "pluginterfaces/vst/ivsteditcontroller.h"
#include "pluginterfaces/vst/ivstmessage.h"

namespace mixchain {

class Instance {
 public:
  Instance(std::shared_ptr<Module> module, const ClassInfo& cls);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Asks for `channels` in and out on the main buses (1 or 2). Returns the channel count the
  // plugin accepted on its main buses (it may refuse stereo and stay mono).
  int negotiateMainBuses(int channels);
  void setupProcessing(double sampleRate, Steinberg::int32 maxBlockSize);
  // setActive(true) + setProcessing(true), and the latency read that must follow activation.
  void start();
  // setProcessing(false) + setActive(false).
  void stop();
  bool started() const { return started_; }
  Steinberg::uint32 latencySamples() const { return latency_; }
  Steinberg::uint32 tailSamples() const;

  std::vector<Steinberg::uint8> componentState();
  std::vector<Steinberg::uint8> controllerState();
  void applyState(const std::vector<Steinberg::uint8>& component, const std::vector<Steinberg::uint8>& controller);

  Steinberg::Vst::IComponent* component() const { return component_; }
  Steinberg::Vst::IAudioProcessor* processor() const { return processor_; }
  // May be null: a plugin without an edit controller still processes.
  Steinberg::Vst::IEditController* controller() const { return controller_; }
  ComponentHandler& handler() { return handler_; }

  struct BusLayout {
    std::vector<Steinberg::Vst::SpeakerArrangement> inputs;
    std::vector<Steinberg::Vst::SpeakerArrangement> outputs;
  };
  // The arrangements of every audio bus, read from the plugin.
  BusLayout busLayout() const;

 private:
  void createController(const Steinberg::TUID componentId);
  void connect();
  void syncControllerFromComponent();
  void teardown();
  // Marks this thread as inside the plugin, in `phase`, until the scope ends.
  crash_marker::PluginScope inside(crash_marker::Phase phase) const { return {name_, phase}; }

  std::string name_;
  std::shared_ptr<Module> module_;  // keeps the factory alive for as long as the instance
  ComponentHandler handler_;
  Steinberg::IPtr<Steinberg::Vst::IComponent> component_;
  Steinberg::IPtr<Steinberg::Vst::IAudioProcessor> processor_;
  Steinberg::IPtr<Steinberg::Vst::IEditController> controller_;
  Steinberg::IPtr<Steinberg::Vst::IConnectionPoint> componentConnection_;
  Steinberg::IPtr<Steinberg::Vst::IConnectionPoint> controllerConnection_;
  bool separateController_ = false;
  bool started_ = false;
  Steinberg::uint32 latency_ = 0;
};

}  // namespace mixchain
