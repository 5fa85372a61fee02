//===- ExactPow2.h - Powers of two built from their bit patterns -*- C++ -*-===//
//
// The GSE kernels scale by 2^e exactly, as the reference's ldexp does; these
// build 2^e directly (no pow, no rounding) for the exponent ranges the
// formats allow.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_EXACTPOW2_H
#define QTC_CODEGEN_HALIDE_EXACTPOW2_H

#include "Halide.h"

namespace qtc::halide {

/// 2^e as an f32 for an 8-bit exponent e in [-128, 127] (subnormal below
/// -126).
inline Halide::Expr pow2f32(Halide::Expr e) {
  using namespace Halide;
  return reinterpret<float>(select(e >= -126, (e + 127) << 23, 1 << (e + 149)));
}

/// 2^e as an f64, for e within the normal f64 exponent range.
inline Halide::Expr pow2f64(Halide::Expr e) {
  using namespace Halide;
  return reinterpret<double>(cast<int64_t>(e + 1023) << 52);
}

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_EXACTPOW2_H
