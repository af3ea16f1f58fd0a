// Promises for work that must not block the JS thread: plugin lifecycle calls run on the
// control thread, renders on a thread of their own; the result is converted and the promise
// settled back on the JS thread through a thread-safe function. When the JS environment is
// already gone (a worker that was terminated), the result is simply dropped, and its
// destructors release whatever it held.
#pragma once

#include <napi.h>

#include <exception>
#include <functional>
#include <memory>
#include <thread>

#include "addon/errors.h"
#include "host/control_thread.h"
#include "host/crash_marker.h"

namespace mixchain::addon {

enum class RunOn { ControlThread, OwnThread };

// `settled`, when given, runs on the JS thread just before the promise settles either way (to
// release references the work needed); it does not run when the environment is already gone.
template <typename Result>
Napi::Promise runAsync(Napi::Env env, RunOn where, std::function<Result()> work,
                       std::function<Napi::Value(Napi::Env, Result&)> convert,
                       std::function<void()> settled = nullptr) {
  struct Job {
    Napi::Promise::Deferred deferred;
    std::function<Result()> work;
    std::function<Napi::Value(Napi::Env, Result&)> convert;
    std::function<void()> settled;
    std::unique_ptr<Result> result;
    std::exception_ptr error;
    Napi::ThreadSafeFunction done;
  };
  auto job = std::make_shared<Job>(Job{Napi::Promise::Deferred::New(env),
                                       std::move(work),
                                       std::move(convert),
                                       std::move(settled),
                                       nullptr,
                                       nullptr,
                                       {}});
  const Napi::Promise promise = job->deferred.Promise();
  job->done = Napi::ThreadSafeFunction::New(env, Napi::Function(), "mixchain", 0, 1);

  // The work is done for the task of the JS thread that asked for it (see crash_marker.h).
  auto execute = [job, tag = crash_marker::currentTask()] {
    crash_marker::TaskScope working(tag);
    try {
      job->result = std::make_unique<Result>(job->work());
    } catch (...) {
      job->error = std::current_exception();
    }
    const auto status = job->done.BlockingCall([job](Napi::Env env, Napi::Function) {
      if (job->settled) job->settled();
      try {
        if (job->error) {
          job->deferred.Reject(currentError(env, job->error).Value());
        } else {
          job->deferred.Resolve(job->convert(env, *job->result));
        }
      } catch (const Napi::Error& e) {
        job->deferred.Reject(e.Value());
      } catch (...) {
        job->deferred.Reject(currentError(env, std::current_exception()).Value());
      }
    });
    // napi_closing: the environment is gone and nobody awaits the promise; the function must
    // not be touched again.
    if (status == napi_ok) job->done.Release();
  };
  if (where == RunOn::ControlThread) {
    ControlThread::instance().post(std::move(execute));
  } else {
    std::thread(std::move(execute)).detach();
  }
  return promise;
}

}  // namespace mixchain::addon
