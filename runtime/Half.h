//===- Half.h - f16 and bf16 conversions ------------------------*- C++ -*-===//
//
// Both formats are kept as their 16-bit patterns; conversion from f32 rounds
// to nearest even. f16 uses the compiler's IEEE binary16 type (exact
// conversions): _Float16, or on AArch64 __fp16, which g++ 12 has where
// its C++ lacks _Float16 (the runtime is built there for cross trainers);
// bf16 is the top half of an f32.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_HALF_H
#define QTC_RUNTIME_HALF_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qtc {

#if defined(__aarch64__)
using NativeHalf = __fp16; // IEEE format on AArch64
#else
using NativeHalf = _Float16;
#endif

/// An IEEE binary16 value as its bit pattern.
struct Half {
  uint16_t bits = 0;
};

inline float halfToFloat(Half h) {
  NativeHalf value;
  std::memcpy(&value, &h.bits, sizeof(value));
  return static_cast<float>(value);
}

inline Half floatToHalf(float f) {
  NativeHalf value = static_cast<NativeHalf>(f);
  Half h;
  std::memcpy(&h.bits, &value, sizeof(value));
  return h;
}

/// Rounded once from double (not through f32, which can round twice).
inline Half doubleToHalf(double d) {
  NativeHalf value = static_cast<NativeHalf>(d);
  Half h;
  std::memcpy(&h.bits, &value, sizeof(value));
  return h;
}

/// A bfloat16 value as its bit pattern.
struct BFloat16 {
  uint16_t bits = 0;
};

inline float bf16ToFloat(uint16_t bits) {
  uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof(f));
  return f;
}

inline uint16_t floatToBf16(float f) {
  if (std::isnan(f))
    return 0x7fc0;
  uint32_t word;
  std::memcpy(&word, &f, sizeof(word));
  word += 0x7fff + ((word >> 16) & 1); // round to nearest even
  return static_cast<uint16_t>(word >> 16);
}

} // namespace qtc

#endif // QTC_RUNTIME_HALF_H
