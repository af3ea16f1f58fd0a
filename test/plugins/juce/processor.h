// MixchainJuce's AudioProcessor: out = in delayed by 64 samples × 10^(Gain/20), reporting the 64
// samples as its latency, plus the Fault parameter's misbehaviours. Built to be predictable to
// the bit, so the tests can check gain, latency compensation and state through JUCE's wrapper.
#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>

namespace mixchain_juce {

class Processor : public juce::AudioProcessor {
 public:
  static constexpr int kLatency = 64;
  static constexpr int kMaxChannels = 2;

  Processor();

  void prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) override;
  void releaseResources() override {}
  void reset() override;
  bool isBusesLayoutSupported(const BusesLayout& layouts) const override;
  void processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) override;
  void processBlockBypassed(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) override;

  juce::AudioProcessorEditor* createEditor() override { return nullptr; }
  bool hasEditor() const override { return false; }

  const juce::String getName() const override { return JucePlugin_Name; }
  bool acceptsMidi() const override { return false; }
  bool producesMidi() const override { return false; }
  bool isMidiEffect() const override { return false; }
  double getTailLengthSeconds() const override { return 0.0; }

  int getNumPrograms() override { return 1; }
  int getCurrentProgram() override { return 0; }
  void setCurrentProgram(int) override {}
  const juce::String getProgramName(int) override { return {}; }
  void changeProgramName(int, const juce::String&) override {}

  void getStateInformation(juce::MemoryBlock& destData) override;
  void setStateInformation(const void* data, int sizeInBytes) override;

 private:
  // The delay line: every channel delayed by kLatency samples, times `factor`.
  void delay(juce::AudioBuffer<float>& buffer, float factor);
  int fault() const { return fault_->getIndex(); }

  juce::AudioParameterFloat* gain_;    // dB, owned by the processor's parameter tree
  juce::AudioParameterChoice* fault_;  // a Fault, ditto
  std::array<std::array<float, kLatency>, kMaxChannels> line_{};
  int position_ = 0;

  JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(Processor)
};

}  // namespace mixchain_juce
