// The GUI interface ids the SDK's EditController refers to (the SDK defines them in a file the
// Debian copy does not carry). The test effects have no editor; this only satisfies the linker.
#include "pluginterfaces/gui/iplugview.h"

namespace Steinberg {
DEF_CLASS_IID(IPlugView)
DEF_CLASS_IID(IPlugFrame)
}  // namespace Steinberg
