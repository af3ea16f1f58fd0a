#include "host/plugin.h"

#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "host/control_thread.h"
#include "host/errors.h"
#include "host/state_blob.h"
#include "host/strings.h"

namespace mixchain {

using namespace Steinberg;
using namespace Steinberg::Vst;

struct Plugin::Lane {
  std::unique_ptr<Instance> instance;
  std::vector<AudioBusBuffers> inputs;
  std::vector<AudioBusBuffers> outputs;
  std::vector<std::vector<float*>> inputPointers;
  std::vector<std::vector<float*>> outputPointers;
  std::vector<std::vector<float>> auxInputs;   // zeroed before every block
  std::vector<std::vector<float>> auxOutputs;  // written by the plugin, discarded
  ParameterChanges inChanges;
  ParameterChanges outChanges;
  EventList inEvents;
  EventList outEvents;
  ProcessData data{};
  std::vector<std::pair<ParamID, ParamValue>> reported;  // processor → controller, since settle()

  void wire(const Instance::BusLayout& layout, int32 maxBlock, ProcessContext* context) {
    auto wireSide = [&](const std::vector<SpeakerArrangement>& arrangements, std::vector<AudioBusBuffers>& buses,
                        std::vector<std::vector<float*>>& pointers, std::vector<std::vector<float>>& aux) {
      buses.resize(arrangements.size());
      pointers.resize(arrangements.size());
      for (size_t bus = 0; bus < arrangements.size(); ++bus) {
        const int32 channels = SpeakerArr::getChannelCount(arrangements[bus]);
        pointers[bus].assign(channels, nullptr);
        if (bus > 0) {
          for (int32 c = 0; c < channels; ++c) {
            aux.emplace_back(maxBlock, 0.0f);
            pointers[bus][c] = aux.back().data();
          }
        }
        buses[bus].numChannels = channels;
        buses[bus].silenceFlags = 0;
        buses[bus].channelBuffers32 = pointers[bus].data();
      }
    };
    wireSide(layout.inputs, inputs, inputPointers, auxInputs);
    wireSide(layout.outputs, outputs, outputPointers, auxOutputs);
    data.processMode = kOffline;
    data.symbolicSampleSize = kSample32;
    data.numInputs = static_cast<int32>(inputs.size());
    data.numOutputs = static_cast<int32>(outputs.size());
    data.inputs = inputs.data();
    data.outputs = outputs.data();
    data.inputParameterChanges = &inChanges;
    data.outputParameterChanges = &outChanges;
    data.inputEvents = &inEvents;
    data.outputEvents = &outEvents;
    data.processContext = context;
  }
};

namespace {

// Plugin code may throw anything from any call; a foreign exception becomes a coded error.
template <typename Fn>
auto guarded(const std::string& pluginName, const char* during, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const HostError&) {
    throw;
  } catch (const std::exception& e) {
    fail("ERR_PLUGIN_THREW", "'" + pluginName + "' threw during " + during + ": " + e.what());
  } catch (...) {
    fail("ERR_PLUGIN_THREW", "'" + pluginName + "' threw an unknown exception during " + during);
  }
}

bool isPowerOfTwo(int32 n) {
  return n > 0 && (n & (n - 1)) == 0;
}

std::string formatNumber(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

// The leading number of a displayed value ("-60.0 dB" → -60, "-inf" → -inf), and how finely
// the text shows it (half its last digit), so that a value typed from the display compares equal.
bool parseDisplayed(const std::string& text, double& value, double& resolution) {
  const char* begin = text.c_str();
  while (*begin == ' ') ++begin;
  char* end = nullptr;
  value = std::strtod(begin, &end);
  if (end == begin) return false;
  const char* dot = std::find(begin, static_cast<const char*>(end), '.');
  const long decimals = dot < end ? static_cast<long>(end - dot - 1) : 0;
  resolution = 0.5 * std::pow(10.0, -static_cast<double>(decimals));
  return true;
}

int64_t monotonicNanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace

std::unique_ptr<Plugin> Plugin::create(const PluginConfig& config) {
  if (!(config.sampleRate >= 8000 && config.sampleRate <= 384000)) {
    fail("ERR_INVALID_SAMPLE_RATE",
         "Expected sampleRate between 8000 and 384000 Hz but got " + formatNumber(config.sampleRate));
  }
  if (!isPowerOfTwo(config.maxBlockSize) || config.maxBlockSize < 32 || config.maxBlockSize > 8192) {
    fail("ERR_INVALID_BLOCK_SIZE",
         "Expected maxBlockSize to be a power of two from 32 to 8192 but got " + std::to_string(config.maxBlockSize));
  }
  if (config.channels != 1 && config.channels != 2) {
    fail("ERR_CHANNELS", "Expected channels to be 1 or 2 but got " + std::to_string(config.channels));
  }
  if (!(config.tempo > 0 && config.tempo <= 999) || config.timeSigNumerator < 1 || config.timeSigDenominator < 1) {
    fail("ERR_INVALID_TEMPO", "Expected a tempo in (0, 999] BPM and a positive time signature but got " +
                                  formatNumber(config.tempo) + " BPM " + std::to_string(config.timeSigNumerator) + "/" +
                                  std::to_string(config.timeSigDenominator));
  }
  std::unique_ptr<Plugin> plugin(new Plugin(config));
  ControlThread::instance().run([&] { plugin->build(); });
  return plugin;
}

namespace {
std::atomic<int64_t> live{0};
}  // namespace

int64_t Plugin::liveCount() {
  return live.load();
}

Plugin::Plugin(const PluginConfig& config) : config_(config) {
  ++live;
}

Plugin::~Plugin() {
  --live;
  // Teardown is a lifecycle call: it runs on the control thread like every other.
  ControlThread::instance().run([this] { lanes_.clear(); });
}

void Plugin::build() {
  module_ = Module::open(config_.bundlePath);
  classInfo_ = module_->audioEffectClass(config_.className);
  guarded(classInfo_.name, "creation", [&] {
    auto addLane = [&](int channels) {
      auto lane = std::make_unique<Lane>();
      lane->instance = std::make_unique<Instance>(module_, classInfo_);
      const int accepted = lane->instance->negotiateMainBuses(channels);
      lanes_.push_back(std::move(lane));
      return accepted;
    };
    const int accepted = addLane(config_.channels);
    if (config_.channels == 2 && accepted == 1) {
      layout_ = Layout::DualMono;
      addLane(1);
    } else if (config_.channels == 1 && accepted == 2) {
      layout_ = Layout::MonoThroughStereo;
      scratch_.assign(4 * static_cast<size_t>(config_.maxBlockSize), 0.0f);
    }
    busLayout_ = lanes_.front()->instance->busLayout();
    for (auto& lane : lanes_) {
      lane->instance->setupProcessing(config_.sampleRate, config_.maxBlockSize);
      lane->wire(lane->instance->busLayout(), config_.maxBlockSize, &context_);
      lane->instance->start();
      latency_ = std::max(latency_, lane->instance->latencySamples());
    }
    tail_ = lanes_.front()->instance->tailSamples();
    refreshParameters();
    handleRestarts();
  });
  context_.sampleRate = config_.sampleRate;
  context_.tempo = config_.tempo;
  context_.timeSigNumerator = config_.timeSigNumerator;
  context_.timeSigDenominator = config_.timeSigDenominator;
  context_.state = ProcessContext::kPlaying | ProcessContext::kTempoValid | ProcessContext::kTimeSigValid |
                   ProcessContext::kProjectTimeMusicValid | ProcessContext::kBarPositionValid |
                   ProcessContext::kContTimeValid | ProcessContext::kSystemTimeValid;
}

IEditController* Plugin::controller() const {
  return lanes_.front()->instance->controller();
}

void Plugin::refreshParameters() {
  parameters_.clear();
  IEditController* edit = controller();
  if (!edit) return;
  auto marked = inside(crash_marker::Phase::Controller);
  const int32 count = edit->getParameterCount();
  for (int32 i = 0; i < count; ++i) {
    ParameterInfo info{};
    if (edit->getParameterInfo(i, info) != kResultOk) continue;
    parameters_.push_back(Parameter{info.id, fromUtf16(info.title), fromUtf16(info.shortTitle), fromUtf16(info.units),
                                    info.stepCount, info.defaultNormalizedValue, info.flags});
  }
}

void Plugin::handleRestarts() {
  int32 flags = 0;
  for (auto& lane : lanes_) {
    flags |= lane->instance->handler().takeRestartFlags();
    for (const auto& edit : lane->instance->handler().takeEdits()) {
      pendingEdits_.push_back({edit.id, edit.normalized});
    }
  }
  // Acted on at the next reset, before audio flows again: DPF raises kLatencyChanged after every
  // render when its reported latency parameter reaches the controller, and re-activating a
  // ZamVerb costs ~40 ms that nothing needs until the next render.
  if (flags & (kLatencyChanged | kIoChanged)) restartRequested_ = true;
  if (flags & (kParamTitlesChanged | kParamValuesChanged | kReloadComponent)) refreshParameters();
}

const Parameter& Plugin::findParameter(const std::string& key) const {
  const bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), ::isdigit);
  for (const auto& p : parameters_) {
    if (numeric && std::to_string(p.id) == key) return p;
  }
  for (const auto& p : parameters_) {
    if (strcasecmp(p.title.c_str(), key.c_str()) == 0) return p;
  }
  for (const auto& p : parameters_) {
    if (!p.shortTitle.empty() && strcasecmp(p.shortTitle.c_str(), key.c_str()) == 0) return p;
  }
  std::string offered;
  for (const auto& p : parameters_) {
    if (p.settable()) offered += (offered.empty() ? "'" : ", '") + p.title + "'";
  }
  fail("ERR_PARAM_UNKNOWN", "Expected a parameter id or title of '" + classInfo_.name + "' (" +
                                (offered.empty() ? "it has none" : offered) + ") but got '" + key + "'");
}

std::string Plugin::textFor(const Parameter& parameter, double normalized) const {
  return ControlThread::instance().run([&] {
    auto marked = inside(crash_marker::Phase::Controller);
    String128 text{};
    if (!controller() || controller()->getParamStringByValue(parameter.id, normalized, text) != kResultOk) {
      return formatNumber(normalized);
    }
    return fromUtf16(text);
  });
}

double Plugin::normalizedFromDisplay(const Parameter& parameter, double value) const {
  return ControlThread::instance().run([&] {
    auto marked = inside(crash_marker::Phase::Controller);
    IEditController* edit = controller();
    auto outOfRange = [&](const std::string& low, const std::string& high) {
      fail("ERR_VALUE_OUT_OF_RANGE",
           "Expected a value from " + low + " to " + high + (parameter.units.empty() ? "" : " " + parameter.units) +
               " for '" + parameter.title + "' of '" + classInfo_.name + "' but got " + formatNumber(value));
    };
    // The text conversion first: JUCE plugins (every HISE export) report plain == normalized and
    // only their text knows the unit.
    String128 text{};
    toString128(formatNumber(value), text);
    ParamValue normalized = 0;
    if (guarded(classInfo_.name, "getParamValueByString",
                [&] { return edit->getParamValueByString(parameter.id, text, normalized); }) == kResultOk &&
        normalized >= 0 && normalized <= 1) {
      String128 lowText{}, highText{};
      edit->getParamStringByValue(parameter.id, 0.0, lowText);
      edit->getParamStringByValue(parameter.id, 1.0, highText);
      const std::string low = fromUtf16(lowText), high = fromUtf16(highText);
      double a = 0, b = 0, resA = 0, resB = 0;
      if (parseDisplayed(low, a, resA) && parseDisplayed(high, b, resB)) {
        const double slack = std::max(resA, resB) + 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
        if (value < std::min(a, b) - slack || value > std::max(a, b) + slack) outOfRange(low, high);
      }
      return static_cast<double>(normalized);
    }
    const double low = edit->normalizedParamToPlain(parameter.id, 0.0);
    const double high = edit->normalizedParamToPlain(parameter.id, 1.0);
    const double slack = 1e-9 * std::max({1.0, std::fabs(low), std::fabs(high)});
    if (!std::isfinite(value) || value < std::min(low, high) - slack || value > std::max(low, high) + slack) {
      outOfRange(formatNumber(low), formatNumber(high));
    }
    return std::clamp(static_cast<double>(edit->plainParamToNormalized(parameter.id, value)), 0.0, 1.0);
  });
}

double Plugin::normalizedFromText(const Parameter& parameter, const std::string& input) const {
  const auto result = ControlThread::instance().run([&]() -> std::pair<bool, double> {
    auto marked = inside(crash_marker::Phase::Controller);
    String128 text{};
    toString128(input, text);
    ParamValue normalized = 0;
    const bool ok = controller() && controller()->getParamValueByString(parameter.id, text, normalized) == kResultOk &&
                    normalized >= 0 && normalized <= 1;
    return {ok, normalized};
  });
  if (result.first) return result.second;
  std::string offered;
  if (parameter.stepCount > 0 && parameter.stepCount <= 64) {
    for (int32 step = 0; step <= parameter.stepCount; ++step) {
      offered += (step ? ", '" : " (one of '") + textFor(parameter, double(step) / parameter.stepCount) + "'";
    }
    offered += ")";
  }
  fail("ERR_VALUE_INVALID", "Expected a value '" + parameter.title + "' of '" + classInfo_.name + "' can display" +
                                offered + " but got '" + input + "'");
}

ParameterValue Plugin::value(const Parameter& parameter) const {
  return ControlThread::instance().run([&] {
    auto marked = inside(crash_marker::Phase::Controller);
    IEditController* edit = controller();
    const double normalized = edit->getParamNormalized(parameter.id);
    String128 text{};
    edit->getParamStringByValue(parameter.id, normalized, text);
    return ParameterValue{normalized, edit->normalizedParamToPlain(parameter.id, normalized), fromUtf16(text)};
  });
}

void Plugin::requireSettable(const Parameter& parameter) const {
  if (!parameter.settable()) {
    fail("ERR_PARAM_READ_ONLY", "'" + parameter.title + "' of '" + classInfo_.name + "' is " +
                                    ((parameter.flags & ParameterInfo::kIsReadOnly) ? "read-only" : "hidden") +
                                    " and cannot be set");
  }
}

void Plugin::setNormalized(const Parameter& parameter, double normalized) {
  requireSettable(parameter);
  if (!(normalized >= 0 && normalized <= 1)) {
    fail("ERR_VALUE_OUT_OF_RANGE", "Expected a normalized value from 0 to 1 for '" + parameter.title + "' of '" +
                                       classInfo_.name + "' but got " + formatNumber(normalized));
  }
  ControlThread::instance().run([&] {
    auto marked = inside(crash_marker::Phase::Controller);
    for (auto& lane : lanes_) lane->instance->controller()->setParamNormalized(parameter.id, normalized);
    handleRestarts();
  });
  auto same = [&](const PendingEdit& e) { return e.id == parameter.id; };
  pendingEdits_.erase(std::remove_if(pendingEdits_.begin(), pendingEdits_.end(), same), pendingEdits_.end());
  pendingEdits_.push_back({parameter.id, normalized});
}

void Plugin::automate(const Parameter& parameter, std::vector<AutomationPoint> points) {
  requireSettable(parameter);
  for (const auto& point : points) {
    if (point.sample < 0) {
      fail("ERR_VALUE_OUT_OF_RANGE", "Expected automation sample positions >= 0 for '" + parameter.title +
                                         "' but got " + std::to_string(point.sample));
    }
    if (!(point.normalized >= 0 && point.normalized <= 1)) {
      fail("ERR_VALUE_OUT_OF_RANGE", "Expected normalized automation values from 0 to 1 for '" + parameter.title +
                                         "' but got " + formatNumber(point.normalized));
    }
  }
  std::stable_sort(points.begin(), points.end(),
                   [](const AutomationPoint& a, const AutomationPoint& b) { return a.sample < b.sample; });
  auto same = [&](const Automation& a) { return a.id == parameter.id; };
  automation_.erase(std::remove_if(automation_.begin(), automation_.end(), same), automation_.end());
  if (!points.empty()) automation_.push_back({parameter.id, value(parameter).normalized, std::move(points)});
}

void Plugin::clearAutomation() {
  automation_.clear();
}

std::vector<uint8> Plugin::state() {
  flushPendingEdits();
  return ControlThread::instance().run([&] {
    return guarded(classInfo_.name, "getState", [&] {
      Instance& first = *lanes_.front()->instance;
      return encodeStateBlob(classInfo_.id, first.componentState(), first.controllerState());
    });
  });
}

void Plugin::setState(const std::vector<uint8>& blob) {
  const StateParts parts = decodeStateBlob(blob, classInfo_.id, classInfo_.name);
  applyStateParts(parts.component, parts.controller);
}

void Plugin::applyStateParts(const std::vector<uint8>& component, const std::vector<uint8>& controller) {
  ControlThread::instance().run([&] {
    guarded(classInfo_.name, "setState", [&] {
      for (auto& lane : lanes_) lane->instance->applyState(component, controller);
      refreshParameters();
      handleRestarts();
    });
  });
  pendingEdits_.clear();  // the state replaced every value they would have set
}

void Plugin::savePreset(const std::string& path) {
  flushPendingEdits();
  ControlThread::instance().run([&] {
    guarded(classInfo_.name, "savePreset", [&] {
      Instance& first = *lanes_.front()->instance;
      writePresetFile(path, classInfo_.tuid, first.componentState(), first.controllerState());
    });
  });
}

void Plugin::loadPreset(const std::string& path) {
  const StateParts parts = readPresetFile(path, classInfo_.tuid, classInfo_.name);
  applyStateParts(parts.component, parts.controller);
}

void Plugin::flushPendingEdits() {
  // DPF applies a host edit only inside a real block (a flush call is ignored), so pending
  // edits reach the processor through one block of silence.
  if (pendingEdits_.empty()) return;
  const size_t block = static_cast<size_t>(config_.maxBlockSize);
  std::vector<float> silence(block * 2, 0.0f), sink(block * 2, 0.0f);
  const float* in[2] = {silence.data(), silence.data() + block};
  float* out[2] = {sink.data(), sink.data() + block};
  const int64_t keep = position_;
  processLanes(in, out, config_.maxBlockSize, crash_marker::Phase::Flush);
  position_ = keep;
  settle();
}

void Plugin::reset() {
  flushPendingEdits();
  ControlThread::instance().run([&] {
    guarded(classInfo_.name, "reset", [&] {
      handleRestarts();
      if (processed_ || restartRequested_) reactivate();
    });
  });
  position_ = 0;
}

void Plugin::reactivate() {
  latency_ = 0;
  for (auto& lane : lanes_) {
    lane->instance->stop();
    lane->instance->start();
    latency_ = std::max(latency_, lane->instance->latencySamples());
  }
  processed_ = false;
  restartRequested_ = false;
}

void Plugin::settle() {
  ControlThread::instance().run([&] {
    auto marked = inside(crash_marker::Phase::Controller);
    for (auto& lane : lanes_) {
      if (IEditController* edit = lane->instance->controller()) {
        for (const auto& [id, value] : lane->reported) edit->setParamNormalized(id, value);
      }
      lane->reported.clear();
    }
    handleRestarts();
  });
}

void Plugin::fillChanges(Lane& lane, int32 frames) {
  lane.inChanges.clear();
  for (const auto& edit : pendingEdits_) {
    int32 index = 0;
    lane.inChanges.queueFor(edit.id).addPoint(0, edit.normalized, index);
  }
  const int64_t end = position_ + frames;
  for (const auto& automation : automation_) {
    const auto& points = automation.points;
    auto it = std::lower_bound(points.begin(), points.end(), position_,
                               [](const AutomationPoint& p, int64_t at) { return p.sample < at; });
    if (it == points.end() || it->sample >= end) continue;
    // VST3 ramps linearly between queue points, so a step at offset k is two points: the held
    // value at k-1 and the new one at k.
    ParamValueQueue& queue = lane.inChanges.queueFor(automation.id);
    int32 index = 0;
    for (; it != points.end() && it->sample < end; ++it) {
      const auto offset = static_cast<int32>(it->sample - position_);
      const double held = it == points.begin() ? automation.held : std::prev(it)->normalized;
      if (offset > 0) queue.addPoint(offset - 1, held, index);
      queue.addPoint(offset, it->normalized, index);
    }
  }
}

void Plugin::processBlock(const float* const* in, float* const* out, int32 frames) {
  processLanes(in, out, frames, crash_marker::Phase::Process);
}

void Plugin::processLanes(const float* const* in, float* const* out, int32 frames, crash_marker::Phase phase) {
  auto marked = inside(phase);
  const double beats = static_cast<double>(position_) / config_.sampleRate * config_.tempo / 60.0;
  const double beatsPerBar = 4.0 * config_.timeSigNumerator / config_.timeSigDenominator;
  context_.projectTimeSamples = position_;
  context_.continousTimeSamples = position_;
  context_.projectTimeMusic = beats;
  context_.barPositionMusic = std::floor(beats / beatsPerBar) * beatsPerBar;
  context_.systemTime = monotonicNanoseconds();

  const bool monoThroughStereo = layout_ == Layout::MonoThroughStereo;
  const size_t block = static_cast<size_t>(config_.maxBlockSize);
  for (size_t index = 0; index < lanes_.size(); ++index) {
    Lane& lane = *lanes_[index];
    fillChanges(lane, frames);
    lane.outChanges.clear();
    lane.inEvents.clear();
    lane.outEvents.clear();
    for (auto& aux : lane.auxInputs) std::fill(aux.begin(), aux.begin() + frames, 0.0f);
    auto& inMain = lane.inputPointers[0];
    auto& outMain = lane.outputPointers[0];
    if (monoThroughStereo) {
      inMain[0] = inMain[1] = const_cast<float*>(in[0]);
      outMain[0] = scratch_.data();
      outMain[1] = scratch_.data() + block;
    } else if (layout_ == Layout::DualMono) {
      inMain[0] = const_cast<float*>(in[index]);
      outMain[0] = out[index];
    } else {
      for (size_t c = 0; c < inMain.size(); ++c) inMain[c] = const_cast<float*>(in[c]);
      for (size_t c = 0; c < outMain.size(); ++c) outMain[c] = out[c];
    }
    lane.outputs[0].silenceFlags = 0;
    lane.data.numSamples = frames;
    const tresult result = lane.instance->processor()->process(lane.data);
    if (result != kResultOk) {
      fail("ERR_PLUGIN_REJECTED", "process() of '" + classInfo_.name + "' failed with " + resultName(result));
    }
    for (int32 q = 0; q < lane.outChanges.count(); ++q) {
      ParamValueQueue& queue = lane.outChanges.at(q);
      if (queue.points().empty()) continue;
      const ParamID id = queue.getParameterId();
      auto found = std::find_if(lane.reported.begin(), lane.reported.end(), [&](auto& r) { return r.first == id; });
      if (found == lane.reported.end()) {
        lane.reported.emplace_back(id, queue.points().back().value);
      } else {
        found->second = queue.points().back().value;
      }
    }
  }
  if (monoThroughStereo) {
    for (int32 i = 0; i < frames; ++i) out[0][i] = 0.5f * (scratch_[i] + scratch_[block + i]);
  }
  pendingEdits_.clear();
  position_ += frames;
  processed_ = true;
}

}  // namespace mixchain
