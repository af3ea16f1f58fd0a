#include "host/errors.h"

#include "pluginterfaces/base/funknown.h"

namespace mixchain {

std::string resultName(int32_t result) {
  using namespace Steinberg;
  switch (result) {
    case kResultOk: return "kResultOk (0)";
    case kResultFalse: return "kResultFalse (1)";
    case kInvalidArgument: return "kInvalidArgument (2)";
    case kNotImplemented: return "kNotImplemented (3)";
    case kInternalError: return "kInternalError (4)";
    case kNotInitialized: return "kNotInitialized (5)";
    case kOutOfMemory: return "kOutOfMemory (6)";
    case kNoInterface: return "kNoInterface (-1)";
    default: return "result " + std::to_string(result);
  }
}

}  // namespace mixchain
