// Flush-to-zero and denormals-are-zero for the render thread, restored on scope exit. Plugins
// (DPF among them) do not set it themselves, and denormal arithmetic in a decaying filter or
// reverb tail costs up to a hundred times more.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace mixchain {

class ScopedNoDenormals {
 public:
  ScopedNoDenormals() {
#if defined(__SSE__) || defined(__x86_64__)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
    asm volatile("mrs %0, fpcr" : "=r"(saved_));
    asm volatile("msr fpcr, %0" : : "r"(saved_ | (1ull << 24)));
#endif
  }
  ~ScopedNoDenormals() {
#if defined(__SSE__) || defined(__x86_64__)
    _mm_setcsr(saved_);
#elif defined(__aarch64__)
    asm volatile("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  ScopedNoDenormals(const ScopedNoDenormals&) = delete;
  ScopedNoDenormals& operator=(const ScopedNoDenormals&) = delete;

 private:
#if defined(__aarch64__)
  unsigned long long saved_ = 0;
#else
  unsigned int saved_ = 0;
#endif
};

}  // namespace mixchain
