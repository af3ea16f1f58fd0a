#include "host/chain.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "host/denormals.h"
#include "host/errors.h"

namespace mixchain {

Chain::Chain(std::vector<Plugin*> plugins) {
  if (plugins.empty()) fail("ERR_CHAIN_EMPTY", "Expected at least one plugin in the chain but got none");
  const PluginConfig& first = plugins.front()->config();
  channels_ = first.channels;
  blockSize_ = first.maxBlockSize;
  sampleRate_ = first.sampleRate;
  for (size_t i = 0; i < plugins.size(); ++i) {
    const PluginConfig& config = plugins[i]->config();
    if (config.channels != channels_ || config.maxBlockSize != blockSize_ || config.sampleRate != sampleRate_) {
      fail("ERR_CHAIN_MISMATCH",
           "Expected every plugin of a chain to share the first one's set-up (" + std::to_string(channels_) + " ch, " +
               std::to_string(static_cast<long>(sampleRate_)) + " Hz, block " + std::to_string(blockSize_) +
               ") but slot " + std::to_string(i) + " ('" + plugins[i]->classInfo().name + "') has " +
               std::to_string(config.channels) + " ch, " + std::to_string(static_cast<long>(config.sampleRate)) +
               " Hz, block " + std::to_string(config.maxBlockSize));
    }
    slots_.emplace_back();
    slots_.back().plugin = plugins[i];
  }
  storage_.assign(4 * static_cast<size_t>(blockSize_), 0.0f);
  for (int c = 0; c < 2; ++c) {
    bufferA_[c] = storage_.data() + c * blockSize_;
    bufferB_[c] = storage_.data() + (2 + c) * blockSize_;
  }
}

uint32_t Chain::latency() const {
  uint32_t total = 0;
  for (const auto& slot : slots_) total += slot.plugin->latencySamples();
  return total;
}

void Chain::setBypass(size_t slot, bool bypassed) {
  if (slot >= slots_.size()) {
    fail("ERR_SLOT_UNKNOWN",
         "Expected a slot from 0 to " + std::to_string(slots_.size() - 1) + " but got " + std::to_string(slot));
  }
  slots_[slot].bypassed = bypassed;
}

void Chain::reset() {
  for (auto& slot : slots_) {
    slot.plugin->reset();
    const size_t delay = slot.plugin->latencySamples();
    slot.delayLine.assign(channels_, std::vector<float>(delay, 0.0f));
    slot.delayPosition = 0;
  }
}

void Chain::settle() {
  for (auto& slot : slots_) slot.plugin->settle();
}

void Chain::delayBypassed(Slot& slot, const float* const* in, float* const* out) {
  const size_t delay = slot.delayLine.empty() ? 0 : slot.delayLine.front().size();
  for (int c = 0; c < channels_; ++c) {
    if (delay == 0) {
      std::memcpy(out[c], in[c], sizeof(float) * blockSize_);
      continue;
    }
    auto& line = slot.delayLine[c];
    size_t position = slot.delayPosition;
    for (int32_t i = 0; i < blockSize_; ++i) {
      out[c][i] = line[position];
      line[position] = in[c][i];
      if (++position == delay) position = 0;
    }
  }
  if (delay) slot.delayPosition = (slot.delayPosition + blockSize_) % delay;
}

float* const* Chain::runBlock(float* const* a, float* const* b, bool rejectNonFinite) {
  float* const* current = a;
  float* const* next = b;
  for (size_t index = 0; index < slots_.size(); ++index) {
    Slot& slot = slots_[index];
    if (slot.bypassed) {
      delayBypassed(slot, current, next);
    } else {
      slot.plugin->processBlock(current, next, blockSize_);
      if (rejectNonFinite) {
        for (int c = 0; c < channels_; ++c) {
          for (int32_t i = 0; i < blockSize_; ++i) {
            if (!std::isfinite(next[c][i])) {
              fail("ERR_NONFINITE_OUTPUT",
                   "'" + slot.plugin->classInfo().name + "' (slot " + std::to_string(index) + ") produced " +
                       (std::isnan(next[c][i]) ? "NaN" : "Inf") + " at sample " +
                       std::to_string(slot.plugin->position() - blockSize_ + i) + " of channel " + std::to_string(c));
            }
          }
        }
      }
    }
    std::swap(current, next);
  }
  return current;
}

void Chain::process(float* const* channels, int64_t frames) {
  if (frames % blockSize_ != 0) {
    fail("ERR_BLOCK_LENGTH", "Expected a length that is a multiple of the block size " + std::to_string(blockSize_) +
                                 " but got " + std::to_string(frames) + " frames (render() pads, process() cannot)");
  }
  ScopedNoDenormals noDenormals;
  for (int64_t at = 0; at < frames; at += blockSize_) {
    for (int c = 0; c < channels_; ++c) std::memcpy(bufferA_[c], channels[c] + at, sizeof(float) * blockSize_);
    float* const* out = runBlock(bufferA_, bufferB_, true);
    for (int c = 0; c < channels_; ++c) std::memcpy(channels[c] + at, out[c], sizeof(float) * blockSize_);
  }
}

RenderResult Chain::render(const float* const* input, int64_t frames, const RenderOptions& options) {
  if (frames <= 0) fail("ERR_EMPTY_INPUT", "Expected audio of at least one frame but got " + std::to_string(frames));
  if (options.tail.mode == TailOptions::Mode::Seconds &&
      !(options.tail.seconds >= 0 && options.tail.seconds <= kAutoTailCapSeconds * 10)) {
    fail("ERR_INVALID_TAIL",
         "Expected a tail from 0 to 300 seconds or 'auto' but got " + std::to_string(options.tail.seconds));
  }
  reset();
  ScopedNoDenormals noDenormals;

  RenderResult result;
  result.inputFrames = frames;
  result.latency = latency();
  const bool autoTail = options.tail.mode == TailOptions::Mode::Auto;
  const int64_t quiet = std::llround(kAutoTailQuietSeconds * sampleRate_);
  int64_t tailLimit = 0;
  if (options.tail.mode == TailOptions::Mode::Seconds) tailLimit = std::llround(options.tail.seconds * sampleRate_);
  if (autoTail) tailLimit = std::llround(kAutoTailCapSeconds * sampleRate_);
  const int64_t wanted = frames + tailLimit;
  result.channels.assign(channels_, std::vector<float>());
  for (auto& channel : result.channels) channel.reserve(static_cast<size_t>(autoTail ? frames + quiet * 4 : wanted));

  int64_t produced = 0;   // samples out of the chain, latency included
  int64_t lastLoud = -1;  // aligned index of the last sample above the auto-tail threshold
  for (;;) {
    const int64_t aligned = produced - result.latency;
    if (aligned >= wanted) break;
    if (autoTail && aligned >= frames && aligned - std::max(lastLoud + 1, frames) >= quiet) break;
    if (options.cancel && options.cancel->load(std::memory_order_relaxed) != 0) {
      fail("ERR_ABORTED", "The render was aborted after " + std::to_string(std::max<int64_t>(aligned, 0)) + " frames");
    }
    const int64_t available = std::clamp<int64_t>(frames - produced, 0, blockSize_);
    for (int c = 0; c < channels_; ++c) {
      if (available) std::memcpy(bufferA_[c], input[c] + produced, sizeof(float) * available);
      std::fill(bufferA_[c] + available, bufferA_[c] + blockSize_, 0.0f);
    }
    float* const* out = runBlock(bufferA_, bufferB_, options.rejectNonFinite);
    ++result.blocks;
    const int64_t skip = std::clamp<int64_t>(-aligned, 0, blockSize_);
    const int64_t keep = std::clamp<int64_t>(wanted - std::max<int64_t>(aligned, 0), 0, blockSize_ - skip);
    for (int c = 0; c < channels_; ++c) {
      result.channels[c].insert(result.channels[c].end(), out[c] + skip, out[c] + skip + keep);
      if (autoTail) {
        for (int64_t i = skip; i < skip + keep; ++i) {
          if (std::fabs(out[c][i]) > kAutoTailThreshold) lastLoud = std::max(lastLoud, aligned + i);
        }
      }
    }
    produced += blockSize_;
  }
  result.tailFrames = autoTail ? std::clamp<int64_t>(lastLoud + 1 - frames, 0, tailLimit) : tailLimit;
  for (auto& channel : result.channels) channel.resize(static_cast<size_t>(frames + result.tailFrames));
  settle();
  return result;
}

}  // namespace mixchain
