// A serial chain of plugins that share one sample rate, block size and channel count.
//
// render() is the offline path: whole buffer in, whole buffer out, aligned sample-exactly to
// the input (the chain's total latency is rendered past the end and dropped from the start),
// with an optional tail, in full-size blocks only (the last one zero-padded: ZamVerb and other
// fixed-fragment convolvers pass dry audio for any shorter block). process() is the streaming
// path: blocks in place, output delayed by latency().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "host/plugin.h"

namespace mixchain {

struct TailOptions {
  enum class Mode { None, Seconds, Auto } mode = Mode::None;
  double seconds = 0;
};

struct RenderOptions {
  TailOptions tail;
  // Checked once per block; a non-zero value stops the render with ERR_ABORTED.
  const std::atomic<int32_t>* cancel = nullptr;
  // Fails the render with ERR_NONFINITE_OUTPUT, naming the plugin, on the first NaN or Inf.
  bool rejectNonFinite = true;
};

struct RenderResult {
  std::vector<std::vector<float>> channels;
  int64_t inputFrames = 0;
  int64_t tailFrames = 0;
  uint32_t latency = 0;
  int64_t blocks = 0;
};

// Auto tails stop once the output stays below -90 dBFS for 100 ms, and never run past 30 s:
// plugins report a tail of 0 even for reverbs, so only listening tells.
constexpr double kAutoTailThreshold = 3.1622776601683795e-5;  // -90 dBFS
constexpr double kAutoTailQuietSeconds = 0.1;
constexpr double kAutoTailCapSeconds = 30.0;

class Chain {
 public:
  // Throws ERR_CHAIN_MISMATCH when the plugins differ in rate, block size or channels.
  explicit Chain(std::vector<Plugin*> plugins);

  size_t size() const { return slots_.size(); }
  int channels() const { return channels_; }
  int32_t blockSize() const { return blockSize_; }
  double sampleRate() const { return sampleRate_; }
  // The sum of every slot's latency; a bypassed slot keeps its latency as a plain delay so the
  // chain stays aligned whatever is bypassed.
  uint32_t latency() const;

  void setBypass(size_t slot, bool bypassed);
  bool bypassed(size_t slot) const { return slots_.at(slot).bypassed; }

  // Fresh state in every plugin, stream position 0.
  void reset();
  // Streaming: `frames` must be a multiple of blockSize().
  void process(float* const* channels, int64_t frames);
  RenderResult render(const float* const* input, int64_t frames, const RenderOptions& options);

 private:
  struct Slot {
    Plugin* plugin;
    bool bypassed = false;
    std::vector<std::vector<float>> delayLine;  // bypass delay, `latency` samples per channel
    size_t delayPosition = 0;
  };
  // Runs one full block from `a` through every slot; the result ends in `a` or `b` (returned).
  float* const* runBlock(float* const* a, float* const* b, bool rejectNonFinite);
  void delayBypassed(Slot& slot, const float* const* in, float* const* out);
  void settle();

  std::vector<Slot> slots_;
  int channels_ = 2;
  int32_t blockSize_ = 512;
  double sampleRate_ = 44100;
  std::vector<float> storage_;  // two ping-pong blocks of channels_ × blockSize_
  float* bufferA_[2] = {nullptr, nullptr};
  float* bufferB_[2] = {nullptr, nullptr};
};

}  // namespace mixchain
