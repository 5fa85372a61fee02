//===- GgmlAffine.h - ggml's quantized blocks as affine weights -*- C++ -*-===//
//
// ggml's Q4_0, Q4_1 and Q8_0 linears are affine integer weights (NUMERICS.md
// 3) with groups of 32 along in_features, one per output row:
//
//   Q4_0  x = d * (q - 8)      4-bit codes, integer zero 8
//   Q4_1  x = d * q + m        4-bit codes, scaled zero m (`zero = scaled`)
//   Q8_0  x = d * qs           8-bit codes q = qs + 128, integer zero 128
//
// d and m are f16, so the scales and scaled zeros are exact in f32 and the
// affine form dequantizes bit for bit as ggml does. The file's [out, in]
// rows of blocks become the `[in, out]` storage LoTA and QEFT read; the
// inverse writes a (merged) weight back as the blocks it came from.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_GGMLAFFINE_H
#define QTC_RUNTIME_GGMLAFFINE_H

#include "runtime/AffineStorage.h"
#include "runtime/Status.h"

#include <vector>

namespace qtc {

/// The affine form of an [out, in] tensor of ggml type `type`; false for a
/// type with no such form (F32, F16, BF16, K-quants, ...).
bool ggmlAffineForm(uint32_t type, int64_t out, int64_t in, AffineForm &form);

/// The storage of an [out, in] tensor of `type` held in `blocks` (out rows
/// of in / 32 blocks each; the caller checked the byte count).
Status ggmlToAffine(uint32_t type, const uint8_t *blocks, int64_t out,
                    int64_t in, AffineStorage &storage);

/// The blocks of `type` that hold `storage`, rows in [out, in] order. The
/// storage must be in `type`'s form: scales that are f16 values, Q4_1's
/// scaled zeros rounded to f16 (the only rounding: a merged zero is
/// fractional), Q4_0's and Q8_0's integer zeros 8 and 128; anything else is
/// an error naming the group and column.
Status affineToGgml(uint32_t type, const AffineStorage &storage,
                    std::vector<uint8_t> &blocks);

} // namespace qtc

#endif // QTC_RUNTIME_GGMLAFFINE_H
