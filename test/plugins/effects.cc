// The test effects (MixchainTest.vst3): exact, deterministic or deliberately misbehaving
// fixtures for the tests.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "controller.h"
#include "crashes.h"
#include "effect_class.h"
#include "processor.h"

namespace mixchain_effects {

namespace {

// Gain: out = in × 10^(dB/20), computed in double and applied as one float factor per sample,
// so tests can predict every output bit. Follows automation sample by sample.
const std::vector<ParamSpec> kGainParams = {{STR16("Gain"), STR16("dB"), -60, 24, 0, 0, {}}};

class Gain : public EffectProcessor {
 public:
  explicit Gain(bool monoOnly) : EffectProcessor(controllerFor(monoOnly), kGainParams, monoOnly) {}
  static FUID controllerFor(bool monoOnly);

 protected:
  void render(float** in, float** out, int32 channels, int32 frames) override {
    const auto& gain = curve(0);
    for (int32 i = 0; i < frames; ++i) {
      const double dB = params_[0].toPlain(gain[i]);
      const auto factor = static_cast<float>(std::pow(10.0, dB / 20.0));
      for (int32 c = 0; c < channels; ++c) out[c][i] = in[c][i] * factor;
    }
  }
};

// Latency: a pure delay of N samples that reports N as its latency.
const std::vector<ParamSpec> kLatencyParams = {{STR16("Latency"), STR16("samples"), 0, 8192, 100, 8192, {}}};

class Latency : public EffectProcessor {
 public:
  Latency();

 protected:
  uint32 latency() const override { return static_cast<uint32>(plain(0)); }
  void clear() override {
    for (auto& line : lines_) std::fill(line.begin(), line.end(), 0.0f);
    position_ = 0;
  }
  void render(float** in, float** out, int32 channels, int32 frames) override {
    const size_t size = lines_[0].size();
    const size_t delay = latency();
    for (int32 c = 0; c < channels; ++c) {
      size_t write = position_;
      for (int32 i = 0; i < frames; ++i) {
        lines_[c][write] = in[c][i];
        out[c][i] = lines_[c][(write + size - delay) % size];
        write = (write + 1) % size;
      }
    }
    position_ = (position_ + frames) % size;
  }

 private:
  std::vector<float> lines_[2] = {std::vector<float>(8193, 0.0f), std::vector<float>(8193, 0.0f)};
  size_t position_ = 0;
};

// Tail: out[n] = in[n] + 0.5 × in[n − T], T = Length in ms; it rings exactly T samples past its
// input, and still reports a tail of 0 (as real reverbs do).
const std::vector<ParamSpec> kTailParams = {{STR16("Length"), STR16("ms"), 0, 2000, 250, 0, {}}};

class Tail : public EffectProcessor {
 public:
  Tail();

 protected:
  void clear() override {
    const auto size = static_cast<size_t>(std::ceil(setup_.sampleRate * 2.0)) + 1;
    for (auto& line : lines_) line.assign(size, 0.0f);
    position_ = 0;
  }
  void render(float** in, float** out, int32 channels, int32 frames) override {
    const size_t size = lines_[0].size();
    const auto echo = static_cast<size_t>(std::llround(plain(0) / 1000.0 * setup_.sampleRate));
    for (int32 c = 0; c < channels; ++c) {
      size_t write = position_;
      for (int32 i = 0; i < frames; ++i) {
        lines_[c][write] = in[c][i];
        out[c][i] = in[c][i] + 0.5f * lines_[c][(write + size - echo) % size];
        write = (write + 1) % size;
      }
    }
    position_ = (position_ + frames) % size;
  }

 private:
  std::vector<float> lines_[2];
  size_t position_ = 0;
};

// Misbehave: passes audio through until `After` seconds of audio, then does its Fault: crash
// (a real segfault), hang (never returns), or nan (NaN output).
const std::vector<ParamSpec> kMisbehaveParams = {
    {STR16("Fault"), nullptr, 0, 3, 0, 3, {STR16("none"), STR16("crash"), STR16("hang"), STR16("nan")}},
    {STR16("After"), STR16("s"), 0, 600, 0, 0, {}}};

class Misbehave : public EffectProcessor {
 public:
  Misbehave();

 protected:
  void clear() override { processed_ = 0; }
  void render(float** in, float** out, int32 channels, int32 frames) override {
    const bool due = processed_ >= plain(1) * setup_.sampleRate;
    processed_ += frames;
    const int fault = due ? static_cast<int>(plain(0)) : 0;
    if (fault == 1) {
      volatile int* nowhere = nullptr;
      *nowhere = 1;
    }
    while (fault == 2) pause();
    for (int32 c = 0; c < channels; ++c) {
      for (int32 i = 0; i < frames; ++i) {
        out[c][i] = fault == 3 ? std::numeric_limits<float>::quiet_NaN() : in[c][i];
      }
    }
  }

 private:
  double processed_ = 0;
};

// Chatty: passes audio through and talks, as real plugins do: a line on stdout each time it is
// activated, one on stderr on the first block it processes after that.
class Chatty : public EffectProcessor {
 public:
  Chatty();
  tresult PLUGIN_API setActive(TBool state) override {
    if (state) {
      std::printf("chatty: activated at %.0f Hz\n", setup_.sampleRate);
      spoke_ = false;
    }
    return EffectProcessor::setActive(state);
  }

 protected:
  void render(float** in, float** out, int32 channels, int32 frames) override {
    if (!spoke_) std::fprintf(stderr, "chatty: processing %d frames\n", frames);
    spoke_ = true;
    for (int32 c = 0; c < channels; ++c) std::copy(in[c], in[c] + frames, out[c]);
  }

 private:
  bool spoke_ = false;
};

// Setup Throws: a C++ exception out of setupProcessing.
class SetupThrows : public EffectProcessor {
 public:
  SetupThrows();
  tresult PLUGIN_API setupProcessing(ProcessSetup&) override {
    throw std::runtime_error("Setup Throws refuses every set-up");
  }

 protected:
  void render(float**, float**, int32, int32) override {}
};

const FUID kIds[][2] = {
    {FUID(0x6D786331, 0x47414E31, 0x00000001, 0x00000001), FUID(0x6D786331, 0x47414E31, 0x00000001, 0x00000002)},
    {FUID(0x6D786331, 0x47414E32, 0x00000002, 0x00000001), FUID(0x6D786331, 0x47414E32, 0x00000002, 0x00000002)},
    {FUID(0x6D786331, 0x4C41544E, 0x00000003, 0x00000001), FUID(0x6D786331, 0x4C41544E, 0x00000003, 0x00000002)},
    {FUID(0x6D786331, 0x5441494C, 0x00000004, 0x00000001), FUID(0x6D786331, 0x5441494C, 0x00000004, 0x00000002)},
    {FUID(0x6D786331, 0x4D495342, 0x00000005, 0x00000001), FUID(0x6D786331, 0x4D495342, 0x00000005, 0x00000002)},
    {FUID(0x6D786331, 0x53455455, 0x00000006, 0x00000001), FUID(0x6D786331, 0x53455455, 0x00000006, 0x00000002)},
    {FUID(0x6D786331, 0x43484154, 0x00000007, 0x00000001), FUID(0x6D786331, 0x43484154, 0x00000007, 0x00000002)},
};

FUID Gain::controllerFor(bool monoOnly) {
  return kIds[monoOnly ? 1 : 0][1];
}
Latency::Latency() : EffectProcessor(kIds[2][1], kLatencyParams, false) {}
Tail::Tail() : EffectProcessor(kIds[3][1], kTailParams, false) {}
Misbehave::Misbehave() : EffectProcessor(kIds[4][1], kMisbehaveParams, false) {}
SetupThrows::SetupThrows() : EffectProcessor(kIds[5][1], {}, false) {}
Chatty::Chatty() : EffectProcessor(kIds[6][1], {}, false) {}

template <typename T, typename... Args>
FUnknown* make(Args... args) {
  return static_cast<IAudioProcessor*>(new T(args...));
}
template <const std::vector<ParamSpec>* Params, bool LatencyParameter>
FUnknown* makeController() {
  return static_cast<IEditController*>(new EffectController(*Params, LatencyParameter));
}
const std::vector<ParamSpec> kNoParams;

template <CrashIn Where>
EffectClass crashing(const char* name) {
  return {name,
          "Fx|Tools",
          crashingProcessorId(Where),
          crashingControllerId(Where),
          [] { return makeCrashingProcessor(Where); },
          [] { return makeCrashingController(Where); }};
}

}  // namespace

const EffectClass kEffects[] = {
    {"Mixchain Gain", "Fx|Tools", kIds[0][0], kIds[0][1], [] { return make<Gain>(false); },
     makeController<&kGainParams, false>},
    {"Mixchain Gain Mono", "Fx|Tools|Mono", kIds[1][0], kIds[1][1], [] { return make<Gain>(true); },
     makeController<&kGainParams, false>},
    {"Mixchain Latency", "Fx|Delay", kIds[2][0], kIds[2][1], make<Latency>, makeController<&kLatencyParams, true>},
    {"Mixchain Tail", "Fx|Delay", kIds[3][0], kIds[3][1], make<Tail>, makeController<&kTailParams, false>},
    {"Mixchain Misbehave", "Fx|Tools", kIds[4][0], kIds[4][1], make<Misbehave>,
     makeController<&kMisbehaveParams, false>},
    {"Mixchain Setup Throws", "Fx|Tools", kIds[5][0], kIds[5][1], make<SetupThrows>, makeController<&kNoParams, false>},
    {"Mixchain Chatty", "Fx|Tools", kIds[6][0], kIds[6][1], make<Chatty>, makeController<&kNoParams, false>},
    crashing<CrashIn::Create>("Mixchain Crash In Create"),
    crashing<CrashIn::Initialize>("Mixchain Crash In Initialize"),
    crashing<CrashIn::Connect>("Mixchain Crash In Connect"),
    crashing<CrashIn::Setup>("Mixchain Crash In Setup"),
    crashing<CrashIn::Activate>("Mixchain Crash In Activate"),
    crashing<CrashIn::GetState>("Mixchain Crash In Get State"),
    crashing<CrashIn::SetState>("Mixchain Crash In Set State"),
    crashing<CrashIn::Controller>("Mixchain Crash In Controller"),
    crashing<CrashIn::Terminate>("Mixchain Crash In Terminate"),
};
const int kEffectCount = sizeof(kEffects) / sizeof(kEffects[0]);
const char* const kBundleVendor = "mixchain";

}  // namespace mixchain_effects
