// Host-side objects handed to plugins: the application context (IHostApplication and
// IPlugInterfaceSupport, created once per process) and the per-instance component handler.
#pragma once

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "pluginterfaces/vst/ivsteditcontroller.h"
#include "public.sdk/source/vst/hosting/hostclasses.h"

namespace mixchain {

// The SDK's HostApplication looks IPlugInterfaceSupport up by the wrong id (its own class iid),
// so a plugin asking for it never gets it; this subclass answers the query correctly.
class HostContext : public Steinberg::Vst::HostApplication {
 public:
  static HostContext& instance();
  Steinberg::tresult PLUGIN_API getName(Steinberg::Vst::String128 name) override;
  Steinberg::tresult PLUGIN_API queryInterface(const Steinberg::TUID iid, void** obj) override;
};

// Receives the plugin's callbacks. They may arrive on any thread (JUCE calls them from its own
// message thread) and even from inside a call we are making (DPF and JUCE call restartComponent
// from setComponentState), so the handler only records them; the host acts on them later, on
// the control thread.
class ComponentHandler : public Steinberg::Vst::IComponentHandler {
 public:
  struct Edit {
    Steinberg::Vst::ParamID id;
    Steinberg::Vst::ParamValue normalized;
  };

  Steinberg::tresult PLUGIN_API beginEdit(Steinberg::Vst::ParamID) override;
  Steinberg::tresult PLUGIN_API performEdit(Steinberg::Vst::ParamID id, Steinberg::Vst::ParamValue normalized) override;
  Steinberg::tresult PLUGIN_API endEdit(Steinberg::Vst::ParamID) override;
  Steinberg::tresult PLUGIN_API restartComponent(Steinberg::int32 flags) override;

  // Takes the restart flags raised since the last call.
  Steinberg::int32 takeRestartFlags() { return restartFlags_.exchange(0); }
  // Takes the parameter edits the plugin made itself since the last call.
  std::vector<Edit> takeEdits();

  // Lives inside its Plugin, which outlives every use by the plugin (teardown clears the
  // handler first), so reference counting is a no-op.
  Steinberg::tresult PLUGIN_API queryInterface(const Steinberg::TUID iid, void** obj) override;
  Steinberg::uint32 PLUGIN_API addRef() override { return 1; }
  Steinberg::uint32 PLUGIN_API release() override { return 1; }

 private:
  std::atomic<Steinberg::int32> restartFlags_{0};
  std::mutex editsMutex_;
  std::vector<Edit> edits_;
};

}  // namespace mixchain
