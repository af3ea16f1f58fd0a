#include "host/control_thread.h"

#include <cstdio>
#include <cstdlib>

namespace mixchain {

ControlThread& ControlThread::instance() {
  static ControlThread* const thread = new ControlThread();
  return *thread;
}

ControlThread::ControlThread() {
  // Plugins run deep call stacks in their constructors (JUCE, convolution set-up): give the
  // thread a generous stack rather than inheriting a small default.
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 8 * 1024 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  const int error = pthread_create(&thread_, &attr, &ControlThread::main, this);
  pthread_attr_destroy(&attr);
  if (error != 0) {
    std::fprintf(stderr, "mixchain: cannot start the plugin control thread (error %d)\n", error);
    std::abort();
  }
  pthread_setname_np(thread_, "mixchain-ctl");
}

void* ControlThread::main(void* self) {
  static_cast<ControlThread*>(self)->loop();
  return nullptr;
}

void ControlThread::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void ControlThread::loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return !jobs_.empty(); });
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace mixchain
