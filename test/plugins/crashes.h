// Test effects that crash (a real segfault) in one chosen plugin call each, so the tests can
// prove that a crash in any call the host makes is charged to the right plugin and phase.
#pragma once

#include "pluginterfaces/base/funknown.h"

namespace mixchain_effects {

enum class CrashIn { Create, Initialize, Connect, Setup, Activate, GetState, SetState, Controller, Terminate };

// The class ids and factories of the effect that crashes in `where`.
Steinberg::FUID crashingProcessorId(CrashIn where);
Steinberg::FUID crashingControllerId(CrashIn where);
Steinberg::FUnknown* makeCrashingProcessor(CrashIn where);
Steinberg::FUnknown* makeCrashingController(CrashIn where);

// A null-pointer write the compiler cannot remove.
[[noreturn]] void segfault();

}  // namespace mixchain_effects
