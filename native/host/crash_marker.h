// The crash marker: a small file, mapped shared, in which every rendering thread records which
// render it runs and which plugin it is inside. When a plugin takes the process down, the
// supervising process reads the file and knows which render crashed, in which plugin, and on
// which signal; every other render in flight was innocent.
//
// Enabled when MIXCHAIN_CRASH_MARKER names the file (the render pool's child processes); without
// it every call here is a no-op. The layout (little-endian) is read by src/pool/crash-marker.ts:
//   header  magic "MXCM", u32 version = 1, u32 slot count, u32 slot size (128)
//   slot    u32 state, u32 render tag, i32 signal, u32 reserved, char plugin[112] (NUL-ended)
#pragma once

#include <cstdint>
#include <string>

namespace mixchain::crash_marker {

enum class SlotState : uint32_t { Free = 0, Rendering = 1, InPlugin = 2, Crashed = 3 };

// Maps the file named by MIXCHAIN_CRASH_MARKER (once per process) and installs the fatal-signal
// handlers that flag the crashing thread's slot before the previous handlers run.
void openFromEnvironment();

// While alive, this thread's slot says it renders `tag` (0: not a pool render, nothing recorded).
class RenderScope {
 public:
  explicit RenderScope(uint32_t tag);
  ~RenderScope();
  RenderScope(const RenderScope&) = delete;
  RenderScope& operator=(const RenderScope&) = delete;

 private:
  bool active_ = false;
};

// While alive, this thread's slot says it is inside `plugin` (inside a RenderScope only).
class PluginScope {
 public:
  explicit PluginScope(const std::string& plugin);
  ~PluginScope();
  PluginScope(const PluginScope&) = delete;
  PluginScope& operator=(const PluginScope&) = delete;

 private:
  bool active_ = false;
};

}  // namespace mixchain::crash_marker
