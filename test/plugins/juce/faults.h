// The misbehaviours MixchainJuce.vst3 does on demand (its "Fault" parameter), so the tests can
// check how the host survives a JUCE plugin that crashes, hangs or outputs NaN in each phase.
#pragma once

#include <juce_core/juce_core.h>
#include <unistd.h>

namespace mixchain_juce {

// In the order of the Fault parameter's choices.
enum class Fault { none, processSegfault, prepareSegfault, setStateSegfault, processHang, nan };

inline juce::StringArray faultNames() {
  return {"none", "process segfault", "prepare segfault", "setState segfault", "process hang", "nan"};
}

// A real write through a null pointer (SIGSEGV). The pointer itself is volatile so the compiler
// cannot see it is null and turn the write into a trap instruction (SIGILL) instead.
inline void writeThroughNull() {
  volatile int* volatile nowhere = nullptr;
  *nowhere = 1;
}

// Never returns, without spinning a core.
[[noreturn]] inline void hangForever() {
  for (;;) pause();
}

}  // namespace mixchain_juce
