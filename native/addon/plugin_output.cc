#include "addon/plugin_output.h"

#include <memory>

#include "addon/errors.h"
#include "host/errors.h"
#include "host/output_capture.h"

namespace mixchain::addon {

namespace {

// The capture is process-wide; its callback belongs to the environment that started it, whose
// exit (cleanup hook) stops it.
struct Delivery {
  Napi::ThreadSafeFunction callback;
  napi_env env;
};
Delivery* delivery = nullptr;

void stopCapture() {
  if (!delivery) return;
  output_capture::stop();  // joins the reader: no call into the callback after this
  delivery->callback.Release();
  delete delivery;
  delivery = nullptr;
}

void onEnvironmentExit(void*) {
  stopCapture();
}

Napi::Object lineObject(Napi::Env env, const output_capture::Line& line) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("stream", line.stream == 1 ? "stdout" : "stderr");
  out.Set("text", line.text);
  if (line.attributed) {
    out.Set("plugin", line.call.plugin);
    out.Set("phase", Napi::Number::New(env, static_cast<double>(line.call.phase)));
    out.Set("task", Napi::Number::New(env, line.call.task));
  }
  return out;
}

Napi::Value savedObject(Napi::Env env, const output_capture::SavedOutputs& saved) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("stdoutFd", saved.stdoutFd);
  out.Set("stderrFd", saved.stderrFd);
  return out;
}

Napi::Value captureOutput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    if (!info[0].IsFunction() && !info[0].IsUndefined()) {
      fail("ERR_INVALID_ARGUMENT", "Expected a function or nothing for captureOutput's callback");
    }
    if (delivery) fail("ERR_CAPTURE_ACTIVE", "Plugin output is already being captured in this process");
    if (info[0].IsUndefined()) return savedObject(env, output_capture::start(nullptr));
    auto callback = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "mixchain plugin output", 0, 1);
    // Not holding the loop open: a program that is done exits even while capturing.
    callback.Unref(env);
    delivery = new Delivery{callback, env};
    output_capture::SavedOutputs saved{};
    try {
      saved = output_capture::start([callback](output_capture::Line&& line) mutable {
        auto* owned = new output_capture::Line(std::move(line));
        // Never blocking: the JS thread may itself be writing to the pipe this thread drains.
        const napi_status status =
            callback.NonBlockingCall(owned, [](Napi::Env env, Napi::Function fn, output_capture::Line* line) {
              std::unique_ptr<output_capture::Line> done(line);
              if (env != nullptr && fn != nullptr) fn.Call({lineObject(env, *line)});
            });
        if (status != napi_ok) delete owned;
      });
    } catch (...) {
      callback.Release();
      delete delivery;
      delivery = nullptr;
      throw;
    }
    napi_add_env_cleanup_hook(env, onEnvironmentExit, nullptr);
    return savedObject(env, saved);
  });
}

Napi::Value stopOutputCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    if (delivery && delivery->env != static_cast<napi_env>(env))
      fail("ERR_CAPTURE_ACTIVE", "Plugin output is captured by another thread");
    if (delivery) {
      napi_remove_env_cleanup_hook(env, onEnvironmentExit, nullptr);
      stopCapture();
    } else {
      output_capture::stop();  // a capture without a callback, if any
    }
    return env.Undefined();
  });
}

}  // namespace

void definePluginOutputFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("captureOutput", Napi::Function::New(env, captureOutput, "captureOutput"));
  exports.Set("stopOutputCapture", Napi::Function::New(env, stopOutputCapture, "stopOutputCapture"));
}

}  // namespace mixchain::addon
