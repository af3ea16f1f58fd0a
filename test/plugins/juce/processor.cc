// MixchainJuce's processing, parameters and state (see processor.h). Everything is chosen so the
// tests can predict the output bit for bit and trigger each fault in a known phase.
#include "processor.h"

#include <cmath>
#include <limits>

#include "faults.h"

namespace mixchain_juce {

namespace {

// Gain moves in 0.1 dB steps and is shown only as text ("6.0 dB", no unit label), like a HISE
// knob. Text in: a leading number, with or without " dB" ("6", "6 dB", "-3.5"), read the lenient
// JUCE way (unreadable text is 0 dB; out of range clamps to the ends).
juce::AudioParameterFloat* makeGain() {
  const auto attributes =
      juce::AudioParameterFloatAttributes()
          .withStringFromValueFunction([](float dB, int) { return juce::String(dB, 1) + " dB"; })
          .withValueFromStringFunction([](const juce::String& text) { return text.getFloatValue(); });
  return new juce::AudioParameterFloat(juce::ParameterID{"gain", 1}, "Gain",
                                       juce::NormalisableRange<float>(-60.0f, 24.0f, 0.1f), 0.0f, attributes);
}

// The gain factor, from the exact decimal 0.1 dB step the parameter shows (the float it stores is
// only near it): +6 dB is exactly (float) 10^(6/20), whatever the host sent.
float gainFactor(float dB) {
  const double step = std::round(static_cast<double>(dB) * 10.0) / 10.0;
  return static_cast<float>(std::pow(10.0, step / 20.0));
}

// Faults wait for real audio: hosts push parameter edits through blocks of silence.
bool hasSound(const juce::AudioBuffer<float>& buffer, int channels) {
  for (int c = 0; c < channels; ++c) {
    const float* samples = buffer.getReadPointer(c);
    for (int i = 0; i < buffer.getNumSamples(); ++i) {
      if (samples[i] != 0.0f) return true;
    }
  }
  return false;
}

// The state: this tag, then Gain in dB (float) and the Fault index (int32), little-endian.
const char* const kStateTag = "MixchainJuce state 1";

}  // namespace

Processor::Processor()
    : AudioProcessor(BusesProperties()
                         .withInput("Input", juce::AudioChannelSet::stereo(), true)
                         .withOutput("Output", juce::AudioChannelSet::stereo(), true)),
      gain_(makeGain()),
      fault_(new juce::AudioParameterChoice(juce::ParameterID{"fault", 1}, "Fault", faultNames(), 0)) {
  addParameter(gain_);
  addParameter(fault_);
  setLatencySamples(kLatency);
}

// The VST3 wrapper calls this from IComponent::setActive(true) only.
void Processor::prepareToPlay(double, int) {
  if (static_cast<Fault>(fault()) == Fault::prepareSegfault) writeThroughNull();
  setLatencySamples(kLatency);
  reset();
}

void Processor::reset() {
  for (auto& line : line_) line.fill(0.0f);
  position_ = 0;
}

// Mono or stereo, the same in and out.
bool Processor::isBusesLayoutSupported(const BusesLayout& layouts) const {
  const auto& out = layouts.getMainOutputChannelSet();
  return (out == juce::AudioChannelSet::mono() || out == juce::AudioChannelSet::stereo()) &&
         layouts.getMainInputChannelSet() == out;
}

void Processor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer&) {
  const int channels = getTotalNumInputChannels();
  for (int c = channels; c < buffer.getNumChannels(); ++c) buffer.clear(c, 0, buffer.getNumSamples());

  const auto doing = static_cast<Fault>(fault());
  if ((doing == Fault::processSegfault || doing == Fault::processHang) && hasSound(buffer, channels)) {
    if (doing == Fault::processSegfault) writeThroughNull();
    hangForever();
  }

  delay(buffer, gainFactor(gain_->get()));

  if (doing == Fault::nan) {
    for (int c = 0; c < buffer.getNumChannels(); ++c) {
      juce::FloatVectorOperations::fill(buffer.getWritePointer(c), std::numeric_limits<float>::quiet_NaN(),
                                        buffer.getNumSamples());
    }
  }
}

// Bypassed, the audio keeps its 64 samples of delay so the host's latency compensation holds.
void Processor::processBlockBypassed(juce::AudioBuffer<float>& buffer, juce::MidiBuffer&) {
  for (int c = getTotalNumInputChannels(); c < buffer.getNumChannels(); ++c) {
    buffer.clear(c, 0, buffer.getNumSamples());
  }
  delay(buffer, 1.0f);
}

void Processor::delay(juce::AudioBuffer<float>& buffer, float factor) {
  const int channels = juce::jmin(getTotalNumInputChannels(), buffer.getNumChannels(), kMaxChannels);
  const int frames = buffer.getNumSamples();
  for (int c = 0; c < channels; ++c) {
    float* samples = buffer.getWritePointer(c);
    auto& line = line_[static_cast<size_t>(c)];
    int position = position_;
    for (int i = 0; i < frames; ++i) {
      const float delayed = line[static_cast<size_t>(position)];
      line[static_cast<size_t>(position)] = samples[i];
      samples[i] = delayed * factor;
      position = (position + 1) % kLatency;
    }
  }
  position_ = (position_ + frames) % kLatency;
}

void Processor::getStateInformation(juce::MemoryBlock& destData) {
  juce::MemoryOutputStream out(destData, false);
  out.writeString(kStateTag);
  out.writeFloat(gain_->get());
  out.writeInt(fault());
}

// Both values come back exactly: the stored Gain is already on the 0.1 dB grid it snaps to. The
// fault fires when Fault is, or is being restored to, "setState segfault": a preset saved with it
// crashes whoever loads it, the way a host meets a bad state (before any parameter is set).
void Processor::setStateInformation(const void* data, int sizeInBytes) {
  if (static_cast<Fault>(fault()) == Fault::setStateSegfault) writeThroughNull();
  juce::MemoryInputStream in(data, static_cast<size_t>(sizeInBytes), false);
  if (in.readString() != kStateTag || in.getNumBytesRemaining() < 8) return;
  const float dB = in.readFloat();
  const int index = in.readInt();
  if (static_cast<Fault>(index) == Fault::setStateSegfault) writeThroughNull();
  *gain_ = dB;
  *fault_ = juce::jlimit(0, faultNames().size() - 1, index);
}

}  // namespace mixchain_juce

// JUCE's wrappers create the plugin through this.
juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() {
  return new mixchain_juce::Processor();
}
