// The one process-wide thread on which every plugin lifecycle call runs (module load, create,
// initialise, connect, setup, activate, state, controller edits, teardown). VST3 calls these
// the "UI thread" calls: they must come from one thread, serialised across every instance and
// module (JUCE and DPF keep process-global state in them), and never from a render thread.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <type_traits>

#include "host/crash_marker.h"

namespace mixchain {

class ControlThread {
 public:
  // The process-wide instance. Deliberately never destroyed: it must outlive every Node
  // environment and every static destructor that might still hand it work.
  static ControlThread& instance();

  // Runs `job` on the control thread and waits for it; exceptions propagate to the caller.
  // Called from the control thread itself, it runs the job inline. The job works for the
  // caller's task (see crash_marker.h): a crash in it is charged to that task.
  template <typename Fn>
  auto run(Fn&& job) -> std::invoke_result_t<Fn> {
    using Result = std::invoke_result_t<Fn>;
    if (isCurrent()) return job();
    std::packaged_task<Result()> task(std::forward<Fn>(job));
    auto future = task.get_future();
    post([&task, tag = crash_marker::currentTask()] {
      crash_marker::TaskScope working(tag);
      task();
    });
    return future.get();
  }

  // Queues `job` without waiting. The job must catch its own exceptions.
  void post(std::function<void()> job);

  bool isCurrent() const { return pthread_equal(pthread_self(), thread_) != 0; }

 private:
  ControlThread();
  static void* main(void* self);
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  pthread_t thread_{};
};

}  // namespace mixchain
