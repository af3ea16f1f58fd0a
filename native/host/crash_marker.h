// The crash marker: a small file, mapped shared, in which every thread that calls into plugin
// code records which task (pool render) it works for, which plugin it is inside and in which
// phase (process, setState, create…). When a plugin takes the process down, the supervising
// process reads the file and knows which render crashed, in which plugin, in which call, on
// which signal; every other render in flight was innocent.
//
// The task travels with the work: a thread's task tag is set by its caller (the JS thread of a
// pool worker, per task), handed to the control thread by ControlThread::run and to the threads
// of async calls by addon::runAsync, so a crash in a lifecycle call made on behalf of a render
// is charged to that render.
//
// Enabled when MIXCHAIN_CRASH_MARKER names the file (the render pool's child processes), or in
// memory only while plugin output is captured (output_capture.h asks who wrote); otherwise the
// scopes only carry the tag. The layout (little-endian) is read by src/pool/crash-marker.ts:
//   header  magic "MXCM", u32 version = 2, u32 slot count, u32 slot size (128)
//   slot    u32 state, u32 task tag, i32 signal, u32 phase, u64 call sequence (which call began last),
//           char plugin[104] (NUL-ended)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mixchain::crash_marker {

// Room for a plugin name in a slot, its NUL included (longer names are cut).
constexpr size_t kPluginNameSize = 104;

enum class SlotState : uint32_t { Free = 0, Claimed = 1, InPlugin = 2, Crashed = 3 };

// The plugin call a thread is inside. The numbers are part of the file layout (see the reader).
enum class Phase : uint32_t {
  None = 0,
  Module = 1,           // dlopen, static constructors, ModuleEntry
  Factory = 2,          // GetPluginFactory, class enumeration
  Create = 3,           // createInstance
  Initialize = 4,       // IPluginBase::initialize
  Connect = 5,          // connection points, component handler, controller sync
  SetupProcessing = 6,  // bus arrangements, setupProcessing, tail
  SetActive = 7,        // setActive / setProcessing (JUCE's prepareToPlay)
  SetState = 8,         // setState / setComponentState
  GetState = 9,         // getState
  Controller = 10,      // parameter info, text conversions, edits
  Process = 11,         // process() of audio
  Flush = 12,           // process() of silence that carries parameter edits
  Terminate = 13,       // disconnect, terminate, release
};

// Maps the file named by MIXCHAIN_CRASH_MARKER (once per process) and installs the fatal-signal
// handlers that flag the crashing thread's slot before the previous handlers run.
void openFromEnvironment();
// Slots in this process's memory when no file was opened (output capture needs them, not a file).
void openInMemory();

// A call into a plugin as the marker saw it.
struct Call {
  std::string plugin;
  Phase phase = Phase::None;
  uint32_t task = 0;
};
// The phase's name as the TypeScript side spells it (src/host/plugin-phase.ts).
const char* phaseName(Phase phase);

// The call a thread is inside now, the most recently entered if several. False when none is.
bool currentCall(Call& call);

// Called as a lifecycle call (any phase but process and flush) returns, still marked inside it:
// output capture collects what the call printed, charged to it. Null: nothing to do.
using CallEndHook = void (*)(const Call& call);
void setCallEndHook(CallEndHook hook);

// The task this thread works for (0: none).
uint32_t currentTask();
// Sets it for good (the JS thread of a pool worker, at the start and end of each task).
void setCurrentTask(uint32_t tag);

// While alive, this thread works for `tag`; the previous task comes back at the end.
class TaskScope {
 public:
  explicit TaskScope(uint32_t tag);
  ~TaskScope();
  TaskScope(const TaskScope&) = delete;
  TaskScope& operator=(const TaskScope&) = delete;

 private:
  uint32_t previous_;
};

// While alive, this thread is inside `plugin` in `phase`. Scopes nest (a flush inside a reset):
// the inner one is recorded, the outer one comes back at its end.
class PluginScope {
 public:
  PluginScope(const std::string& plugin, Phase phase);
  ~PluginScope();
  PluginScope(const PluginScope&) = delete;
  PluginScope& operator=(const PluginScope&) = delete;

 private:
  bool active_ = false;
  uint32_t previousState_ = 0;
  uint32_t previousPhase_ = 0;
  char previousPlugin_[kPluginNameSize];
};

}  // namespace mixchain::crash_marker
