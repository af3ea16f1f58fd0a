#include "host/crash_marker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mixchain::crash_marker {

namespace {

constexpr uint32_t kVersion = 2;
constexpr uint32_t kSlotSize = 128;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

struct Header {
  char magic[4];
  uint32_t version;
  uint32_t slotCount;
  uint32_t slotSize;
};

struct Slot {
  std::atomic<uint32_t> state;
  uint32_t tag;
  int32_t signal;
  uint32_t phase;
  uint64_t sequence;  // of the call entered last on this slot: of calls in progress, which began last
  char plugin[kPluginNameSize];
};
static_assert(sizeof(Slot) == kSlotSize, "the slot layout is shared with the TypeScript reader");
static_assert(std::atomic<uint32_t>::is_always_lock_free, "slots are written from signal handlers");

uint32_t slotCount = 0;
// Set once (slotCount first), read by every thread that enters a plugin.
std::atomic<Slot*> slots{nullptr};
struct sigaction previousActions[NSIG];

thread_local uint32_t threadTask = 0;
std::atomic<uint64_t> callSequence{0};
std::atomic<CallEndHook> callEndHook{nullptr};

// This thread's slot, claimed on its first call into a plugin and given back when the thread ends.
struct ThreadSlot {
  Slot* slot = nullptr;
  ~ThreadSlot() {
    if (slot) slot->state.store(static_cast<uint32_t>(SlotState::Free), std::memory_order_release);
  }
};
thread_local ThreadSlot threadSlot;

Slot* claimSlot() {
  Slot* all = slots.load(std::memory_order_acquire);
  if (threadSlot.slot || !all) return threadSlot.slot;
  for (uint32_t i = 0; i < slotCount; ++i) {
    uint32_t expected = static_cast<uint32_t>(SlotState::Free);
    if (all[i].state.compare_exchange_strong(expected, static_cast<uint32_t>(SlotState::Claimed))) {
      threadSlot.slot = &all[i];
      break;
    }
  }
  return threadSlot.slot;  // all taken: this call goes unrecorded (its render is still retried once)
}

void onFatalSignal(int signal, siginfo_t* info, void* context) {
  if (Slot* slot = threadSlot.slot;
      slot && slot->state.load(std::memory_order_relaxed) == static_cast<uint32_t>(SlotState::InPlugin)) {
    slot->signal = signal;
    slot->state.store(static_cast<uint32_t>(SlotState::Crashed), std::memory_order_release);
  }
  const struct sigaction& previous = previousActions[signal];
  if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
    previous.sa_sigaction(signal, info, context);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal);
  } else {
    // Default action: a fault repeats when the instruction re-runs, a raised signal is re-raised.
    ::signal(signal, SIG_DFL);
    if (signal == SIGABRT || info->si_code <= 0) raise(signal);
  }
}

void installSignalHandlers() {
  for (int signal : kFatalSignals) {
    struct sigaction action {};
    action.sa_sigaction = onFatalSignal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, &previousActions[signal]);
  }
}

void open(const char* path) {
  const int fd = ::open(path, O_RDWR);
  if (fd < 0) return;
  Header header{};
  if (pread(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
      std::memcmp(header.magic, "MXCM", 4) != 0 || header.version != kVersion || header.slotSize != kSlotSize) {
    ::close(fd);
    return;
  }
  const size_t bytes = sizeof(Header) + size_t{header.slotCount} * kSlotSize;
  void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return;
  slotCount = header.slotCount;
  slots.store(reinterpret_cast<Slot*>(static_cast<char*>(mapped) + sizeof(Header)), std::memory_order_release);
  installSignalHandlers();
}

std::once_flag opened;

}  // namespace

void openFromEnvironment() {
  std::call_once(opened, [] {
    if (const char* path = std::getenv("MIXCHAIN_CRASH_MARKER"); path && *path) open(path);
  });
}

void openInMemory() {
  openFromEnvironment();
  static std::once_flag once;
  std::call_once(once, [] {
    if (slots.load(std::memory_order_acquire)) return;
    constexpr uint32_t kSlots = 256;
    // Never freed: threads may hold slots until the process ends. Zeroed memory: every slot Free.
    void* mapped =
        mmap(nullptr, size_t{kSlots} * kSlotSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return;
    slotCount = kSlots;
    slots.store(static_cast<Slot*>(mapped), std::memory_order_release);
  });
}

const char* phaseName(Phase phase) {
  static const char* const names[] = {"unknown",    "module",          "factory",   "create",   "initialize",
                                      "connect",    "setupProcessing", "setActive", "setState", "getState",
                                      "controller", "process",         "flush",     "terminate"};
  const auto index = static_cast<size_t>(phase);
  return index < sizeof names / sizeof names[0] ? names[index] : "unknown";
}

void setCallEndHook(CallEndHook hook) {
  callEndHook.store(hook, std::memory_order_release);
}

bool currentCall(Call& call) {
  // Read while other threads write: a name caught mid-copy is possible and harmless here (it
  // only labels a line of output); the state and sequence are what choose the call.
  const Slot* all = slots.load(std::memory_order_acquire);
  const Slot* chosen = nullptr;
  for (uint32_t i = 0; all && i < slotCount; ++i) {
    const Slot& slot = all[i];
    if (slot.state.load(std::memory_order_acquire) != static_cast<uint32_t>(SlotState::InPlugin)) continue;
    if (!chosen || slot.sequence > chosen->sequence) chosen = &slot;
  }
  if (!chosen) return false;
  call.plugin.assign(chosen->plugin, strnlen(chosen->plugin, kPluginNameSize));
  call.phase = static_cast<Phase>(chosen->phase);
  call.task = chosen->tag;
  return true;
}

uint32_t currentTask() {
  return threadTask;
}

void setCurrentTask(uint32_t tag) {
  threadTask = tag;
}

TaskScope::TaskScope(uint32_t tag) : previous_(threadTask) {
  threadTask = tag;
}

TaskScope::~TaskScope() {
  threadTask = previous_;
}

PluginScope::PluginScope(const std::string& plugin, Phase phase) {
  Slot* slot = claimSlot();
  if (!slot) return;
  previousState_ = slot->state.load(std::memory_order_relaxed);
  if (previousState_ == static_cast<uint32_t>(SlotState::InPlugin)) {
    previousPhase_ = slot->phase;
    std::memcpy(previousPlugin_, slot->plugin, kPluginNameSize);
  }
  // The fields first, then the state: a signal handler that sees InPlugin sees them complete.
  slot->state.store(static_cast<uint32_t>(SlotState::Claimed), std::memory_order_release);
  const size_t length = std::min(plugin.size(), kPluginNameSize - 1);
  std::memcpy(slot->plugin, plugin.data(), length);
  slot->plugin[length] = '\0';
  slot->phase = static_cast<uint32_t>(phase);
  slot->tag = threadTask;
  slot->signal = 0;
  slot->sequence = ++callSequence;
  slot->state.store(static_cast<uint32_t>(SlotState::InPlugin), std::memory_order_release);
  active_ = true;
}

PluginScope::~PluginScope() {
  if (!active_) return;
  Slot* slot = threadSlot.slot;
  const auto phase = static_cast<Phase>(slot->phase);
  if (CallEndHook hook = callEndHook.load(std::memory_order_acquire);
      hook && phase != Phase::Process && phase != Phase::Flush) {
    hook(Call{std::string(slot->plugin, strnlen(slot->plugin, kPluginNameSize)), phase, slot->tag});
  }
  if (previousState_ == static_cast<uint32_t>(SlotState::InPlugin)) {
    slot->state.store(static_cast<uint32_t>(SlotState::Claimed), std::memory_order_release);
    std::memcpy(slot->plugin, previousPlugin_, kPluginNameSize);
    slot->phase = previousPhase_;
    slot->state.store(static_cast<uint32_t>(SlotState::InPlugin), std::memory_order_release);
  } else {
    slot->state.store(static_cast<uint32_t>(SlotState::Claimed), std::memory_order_release);
  }
}

}  // namespace mixchain::crash_marker
