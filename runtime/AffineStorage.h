//===- AffineStorage.h - An affine integer weight in host memory -*- C++ -*-===//
//
// The storage tensors of an `!qt.affine<in x out, bits, group, zero>` weight
// (NUMERICS.md 3) as a checkpoint reader presents a quantized linear that a
// method trains around (LoTA-QAF, QEFT): codes i8 [in, out], scales f32
// [in / group, out] and zeros [in / group, out], i8 integer zero points
// (`w = s * (q - z)`) or f32 scaled zeros (`w = q * s + zs`). The runtime
// has no MLIR dependency, so the form is described here in plain terms and
// the importer spells it as the dialect's type.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_AFFINESTORAGE_H
#define QTC_RUNTIME_AFFINESTORAGE_H

#include "runtime/HostTensor.h"

namespace qtc {

/// The type parameters of an affine weight (no g_idx: every reader's groups
/// are contiguous so far).
struct AffineForm {
  unsigned bits = 4;
  int64_t group = 32;
  /// `w = q * s + zs` with f32 zs (`zero = scaled`); else `w = s * (q - z)`
  /// with integer z (`zero = int`).
  bool scaledZero = false;
  int64_t in = 0, out = 0;

  bool operator==(const AffineForm &o) const {
    return bits == o.bits && group == o.group && scaledZero == o.scaledZero &&
           in == o.in && out == o.out;
  }
};

/// The storage tensors in qt.pack's order.
struct AffineStorage {
  HostTensor codes, scales, zeros;
};

/// The storage tensor names after the weight's own, as qtc_step.h binds
/// them: "codes", "scales", "zeros".
constexpr const char *kAffineParts[] = {"codes", "scales", "zeros"};

} // namespace qtc

#endif // QTC_RUNTIME_AFFINESTORAGE_H
