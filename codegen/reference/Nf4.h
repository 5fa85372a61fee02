//===- Nf4.h - NormalFloat-4 base weights (NUMERICS.md 2) -------*- C++ -*-===//
#ifndef QTC_REFERENCE_NF4_H
#define QTC_REFERENCE_NF4_H

#include "codegen/reference/Array.h"
#include "runtime/Status.h"

namespace qtc::ref {

/// The 16 QLoRA / bitsandbytes NormalFloat code values, index 0..15.
extern const float kNf4Codes[16];

struct Nf4Tensor {
  Shape shape;
  int64_t block = 64;
  /// Two code indices per byte, low nibble first (numel / 2 bytes).
  Array<uint8_t> packed;
  /// One absmax per block of `block` consecutive elements.
  Array<float> absmax;

  uint8_t index(int64_t i) const {
    uint8_t byte = packed[i / 2];
    return i % 2 ? byte >> 4 : byte & 0xf;
  }
};

/// Nearest code of x / absmax per block (ties go to the lower index; an
/// all-zero block has absmax 0 and code 0.0). Fails on non-finite input or
/// a block that does not divide the element count.
Status quantizeNf4(const Array<float> &x, int64_t block, Nf4Tensor &out);

/// code[index] * absmax in f32.
Array<float> dequantizeNf4(const Nf4Tensor &q);

} // namespace qtc::ref

#endif // QTC_REFERENCE_NF4_H
