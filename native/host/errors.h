// Coded errors of the host core. Every failure that can reach a user carries a stable code
// (ERR_*) and a message that names what was expected and what arrived; the addon turns them
// into JS errors with `code` set.
#pragma once

#include <stdexcept>
#include <string>

namespace mixchain {

class HostError : public std::runtime_error {
 public:
  HostError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

[[noreturn]] inline void fail(const std::string& code, const std::string& message) {
  throw HostError(code, message);
}

// Names a VST3 tresult the way the SDK spells it, for ERR_PLUGIN_REJECTED messages.
std::string resultName(int32_t result);

}  // namespace mixchain
