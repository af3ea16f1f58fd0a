// What a JS Plugin object and every Chain using it share: the plugin itself and the busy flag
// that keeps one instance off two threads at once. close() and an environment's cleanup drop
// the plugin; a render already running keeps its own reference and finishes first.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "host/errors.h"
#include "host/plugin.h"

namespace mixchain::addon {

struct PluginHandle {
  std::shared_ptr<Plugin> plugin;
  std::atomic<bool> busy{false};

  // The plugin, or ERR_CLOSED.
  const std::shared_ptr<Plugin>& get(const char* action) const {
    if (!plugin) fail("ERR_CLOSED", std::string("Cannot ") + action + ": the plugin was closed");
    return plugin;
  }
};

// Marks handles busy for a scope: ERR_BUSY when another call (a render still running, on
// another thread or as a promise) holds one of them.
class BusyScope {
 public:
  BusyScope() = default;
  explicit BusyScope(const std::shared_ptr<PluginHandle>& handle) { add(handle); }
  void add(const std::shared_ptr<PluginHandle>& handle) {
    if (handle->busy.exchange(true)) {
      fail("ERR_BUSY",
           "The plugin is busy with another call (a render still running?); a plugin runs one call at a time");
    }
    held_.push_back(handle);
  }
  ~BusyScope() {
    for (auto& handle : held_) handle->busy = false;
  }
  BusyScope(BusyScope&& other) noexcept : held_(std::move(other.held_)) { other.held_.clear(); }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  std::vector<std::shared_ptr<PluginHandle>> held_;
};

}  // namespace mixchain::addon
