// Errors crossing into JS: every one is an Error with a stable `code`. Host errors keep their
// own code; anything else a plugin or the C++ runtime throws is wrapped so JS never sees an
// uncoded error.
#pragma once

#include <napi.h>

#include <exception>
#include <string>

namespace mixchain::addon {

Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message);
// The JS error for the exception being handled (call inside a catch block).
Napi::Error currentError(Napi::Env env, std::exception_ptr error);

// Runs `fn`, turning any C++ exception into a thrown JS error with a code.
template <typename Fn>
auto guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw currentError(env, std::current_exception());
  }
}

}  // namespace mixchain::addon
