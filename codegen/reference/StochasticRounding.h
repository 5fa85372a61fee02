//===- StochasticRounding.h - Counter-based random bits ---------*- C++ -*-===//
//
// Stochastic rounding needs random bits that every backend reproduces bit for
// bit from (seed, element index) alone, in any order and on any device: a
// counter-based hash, not a stateful generator. The element index is the flat
// row-major index into the tensor being rounded, taken modulo 2^32.
//
//   key1 = mix(lo32(seed) ^ 0x9E3779B9)
//   key2 = mix(hi32(seed) ^ 0x85EBCA6B ^ key1)
//   bits = mix(mix(lo32(index) ^ key1) + key2)
//
// mix is Chris Wellons' "lowbias32" integer hash (32-bit multiplies and
// shifts only, which Halide and CUDA both vectorize).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_STOCHASTICROUNDING_H
#define QTC_REFERENCE_STOCHASTICROUNDING_H

#include <cstdint>

namespace qtc::ref {

inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

inline uint32_t stochasticBits(uint64_t seed, uint64_t index) {
  uint32_t key1 = mix32(static_cast<uint32_t>(seed) ^ 0x9E3779B9U);
  uint32_t key2 = mix32(static_cast<uint32_t>(seed >> 32) ^ 0x85EBCA6BU ^ key1);
  return mix32(mix32(static_cast<uint32_t>(index) ^ key1) + key2);
}

} // namespace qtc::ref

#endif // QTC_REFERENCE_STOCHASTICROUNDING_H
