#include "addon/errors.h"

#include "host/errors.h"

namespace mixchain::addon {

Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

Napi::Error currentError(Napi::Env env, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const HostError& e) {
    return codedError(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return codedError(env, "ERR_OUT_OF_MEMORY", "Out of memory");
  } catch (const std::exception& e) {
    return codedError(env, "ERR_INTERNAL", e.what());
  } catch (...) {
    return codedError(env, "ERR_INTERNAL", "An unknown C++ exception reached the addon");
  }
}

}  // namespace mixchain::addon
