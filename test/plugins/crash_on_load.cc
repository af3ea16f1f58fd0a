// A module that crashes as it is loaded: in ModuleEntry (MixchainCrashOnEntry.vst3) or in
// GetPluginFactory (MixchainCrashOnFactory.vst3), before the host knows any class of it.
#include "pluginterfaces/base/ipluginbase.h"

namespace {

[[noreturn]] void segfault() {
  volatile int* nowhere = nullptr;
  *nowhere = 1;
  __builtin_trap();
}

}  // namespace

extern "C" {
__attribute__((visibility("default"))) bool ModuleEntry(void*) {
#ifndef CRASH_IN_FACTORY
  segfault();
#endif
  return true;
}
__attribute__((visibility("default"))) bool ModuleExit() {
  return true;
}
__attribute__((visibility("default"))) Steinberg::IPluginFactory* GetPluginFactory() {
  segfault();
}
}
