#include "host/strings.h"

namespace mixchain {

std::string fromUtf16(const Steinberg::char16* text) {
  std::string out;
  for (; text && *text; ++text) {
    const auto c = static_cast<char16_t>(*text);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

void toString128(const std::string& text, Steinberg::Vst::String128 out) {
  size_t n = 0;
  // Plugins parse numbers and short labels; ASCII is what they expect, and longer text is cut.
  for (; n < text.size() && n < 127; ++n) out[n] = static_cast<unsigned char>(text[n]);
  out[n] = 0;
}

}  // namespace mixchain
