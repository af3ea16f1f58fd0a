// A plugin as the library sees it: one audio effect on mono or stereo audio at a fixed sample
// rate and maximum block size, set up offline and 32-bit, started and ready to process. It owns
// one Instance, or two running dual-mono when the plugin only takes mono.
//
// Threads: lifecycle, controller and state calls hop to the control thread inside these
// methods; process calls run on the caller's thread. A Plugin must be used by one thread at a
// time (the addon enforces it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/crash_marker.h"
#include "host/instance.h"
#include "host/process_data.h"
#include "pluginterfaces/vst/ivstprocesscontext.h"

namespace mixchain {

struct PluginConfig {
  std::string bundlePath;
  std::string className;  // empty: the bundle's only audio effect
  double sampleRate = 44100;
  Steinberg::int32 maxBlockSize = 512;
  int channels = 2;  // 1 or 2
  double tempo = 120;
  Steinberg::int32 timeSigNumerator = 4;
  Steinberg::int32 timeSigDenominator = 4;
};

// How the plugin's own buses carry the host's channels.
enum class Layout { Native, DualMono, MonoThroughStereo };

struct Parameter {
  Steinberg::Vst::ParamID id;
  std::string title;
  std::string shortTitle;
  std::string units;
  Steinberg::int32 stepCount;
  double defaultNormalized;
  Steinberg::int32 flags;
  bool settable() const {
    return !(flags & (Steinberg::Vst::ParameterInfo::kIsReadOnly | Steinberg::Vst::ParameterInfo::kIsHidden));
  }
};

struct ParameterValue {
  double normalized;
  double plain;
  std::string text;
};

struct AutomationPoint {
  int64_t sample;     // position in the plugin's input stream since the last reset
  double normalized;  // 0..1
};

class Plugin {
 public:
  static std::unique_ptr<Plugin> create(const PluginConfig& config);
  ~Plugin();
  // Plugins alive in this process, for leak checks.
  static int64_t liveCount();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const PluginConfig& config() const { return config_; }
  const Module& module() const { return *module_; }
  const ClassInfo& classInfo() const { return classInfo_; }
  Layout layout() const { return layout_; }
  const Instance::BusLayout& busLayout() const { return busLayout_; }
  // As read after the last activation; a change the plugin announces is read at the next reset.
  Steinberg::uint32 latencySamples() const { return latency_; }
  Steinberg::uint32 tailSamples() const { return tail_; }

  // Parameters as the controller describes them (hidden and read-only ones included).
  const std::vector<Parameter>& parameters() const { return parameters_; }
  // By id (decimal digits) or by title or short title, case-insensitively: ERR_PARAM_UNKNOWN.
  const Parameter& findParameter(const std::string& key) const;
  // A value as the plugin displays it (-20 for a threshold shown in dB): resolved through the
  // controller's text conversion, then plain units. ERR_VALUE_OUT_OF_RANGE names the range.
  double normalizedFromDisplay(const Parameter& parameter, double value) const;
  // A value given as the plugin's own text ("On", "studioA"): ERR_VALUE_INVALID.
  double normalizedFromText(const Parameter& parameter, const std::string& text) const;
  std::string textFor(const Parameter& parameter, double normalized) const;
  ParameterValue value(const Parameter& parameter) const;
  // The edit goes to the controller now and to the processor with the next processed block.
  void setNormalized(const Parameter& parameter, double normalized);
  void automate(const Parameter& parameter, std::vector<AutomationPoint> points);
  void clearAutomation();

  // The whole state (component + controller) as one versioned blob, and .vstpreset files.
  std::vector<Steinberg::uint8> state();
  void setState(const std::vector<Steinberg::uint8>& blob);
  void savePreset(const std::string& path);
  void loadPreset(const std::string& path);

  // Fresh DSP state and stream position 0, without re-creating the plugin. Re-activation is
  // skipped when nothing was processed since the last one (ZamVerb's takes ~0.1 s).
  void reset();
  // One block of at most maxBlockSize frames, `in` and `out` distinct. Callers that need
  // full-size blocks (every offline render) pad the last one.
  void processBlock(const float* const* in, float* const* out, Steinberg::int32 frames);
  // Edits made while processing go back to the controller; restart requests are honoured.
  void settle();
  int64_t position() const { return position_; }

 private:
  struct Lane;
  explicit Plugin(const PluginConfig& config);
  void build();
  void refreshParameters();
  // ERR_PARAM_READ_ONLY for hidden and read-only parameters.
  void requireSettable(const Parameter& parameter) const;
  void handleRestarts();
  // setActive(false/true) on every lane (fresh DSP state) and the latency read that follows.
  void reactivate();
  void applyStateParts(const std::vector<Steinberg::uint8>& component, const std::vector<Steinberg::uint8>& controller);
  void flushPendingEdits();
  // One block through every lane; `phase` says whether it is audio or a flush of edits.
  void processLanes(const float* const* in, float* const* out, Steinberg::int32 frames, crash_marker::Phase phase);
  void fillChanges(Lane& lane, Steinberg::int32 frames);
  // Marks this thread as inside the plugin, in `phase`, until the scope ends (crash_marker.h).
  crash_marker::PluginScope inside(crash_marker::Phase phase) const { return {classInfo_.name, phase}; }
  Steinberg::Vst::IEditController* controller() const;

  PluginConfig config_;
  std::shared_ptr<Module> module_;
  ClassInfo classInfo_;
  Layout layout_ = Layout::Native;
  Instance::BusLayout busLayout_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<Parameter> parameters_;
  Steinberg::uint32 latency_ = 0;
  Steinberg::uint32 tail_ = 0;

  struct PendingEdit {
    Steinberg::Vst::ParamID id;
    double normalized;
  };
  std::vector<PendingEdit> pendingEdits_;  // host edits for the processor's next block
  struct Automation {
    Steinberg::Vst::ParamID id;
    double held;  // the value before the first point
    std::vector<AutomationPoint> points;
  };
  std::vector<Automation> automation_;
  Steinberg::Vst::ProcessContext context_{};
  int64_t position_ = 0;
  bool processed_ = false;         // since the last activation: a reset must re-activate
  bool restartRequested_ = false;  // the plugin asked for re-activation (latency, buses)
  std::vector<float> scratch_;     // mono-through-stereo input/output, sized once
};

}  // namespace mixchain
