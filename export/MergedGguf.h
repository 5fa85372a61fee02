//===- MergedGguf.h - LoTA adapters merged into a GGUF model ----*- C++ -*-===//
//
// `qtc export --format gguf --base MODEL.gguf`: the ternary adapters of a
// LoTA-QAF result merged into the base's own integer weights (NUMERICS.md
// 4), written as the same GGUF file with only the adapted projections' data
// changed: every other byte (metadata, tokenizer, other tensors, offsets)
// is the base's. The merge is the reference backend's, so the codes are the
// ones training used, bit for bit (q' = q + What). A Q4_1 projection keeps
// its scale d and takes the merged zero m' = m + d U rounded to f16, the
// one rounding the format forces; Q4_0 and Q8_0 fix their zero points and
// cannot hold a merged one, and are refused.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_EXPORT_MERGEDGGUF_H
#define QTC_EXPORT_MERGEDGGUF_H

#include "runtime/Status.h"

#include <string>

namespace qtc {

struct LotaMergeSettings {
  /// The threshold; 0 means 0.75 r, as qtc compile's default.
  double omega = 0;
  /// offset_scale inv_omega (the default) or one.
  bool invOmega = true;
};

struct MergedGgufInfo {
  size_t modules = 0;
  int64_t rank = 0;
  int64_t movedCodes = 0, codes = 0;
  /// The largest |m' - f16(m')| over the merged zeros, relative to d.
  double zeroRounding = 0;
};

/// Merges the adapters `<module>.a.values` [in, r] and `.b.values` [r, out]
/// (i8, ternary) of the result `resultPath` into `basePath` and writes
/// `outPath` atomically.
Status exportMergedGguf(const std::string &resultPath,
                        const std::string &basePath,
                        const LotaMergeSettings &settings,
                        const std::string &outPath, MergedGgufInfo &info);

} // namespace qtc

#endif // QTC_EXPORT_MERGEDGGUF_H
