//===- LoraAdapters.h - The LoRA adapters of a trained result ---*- C++ -*-===//
//
// What every adapter export starts from: the `<module>.a` [in, r] and
// `<module>.b` [r, out] f32 pairs of a trained result under qtc's names
// (other tensors, such as AdamW moments, left out), checked: both of each
// pair, chaining shapes, one rank, finite values, module paths that are
// dotted identifiers (they become names other tools parse).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_EXPORT_LORAADAPTERS_H
#define QTC_EXPORT_LORAADAPTERS_H

#include "runtime/Safetensors.h"

#include <string>
#include <vector>

namespace qtc {

struct LoraPair {
  std::string module; // `model.layers.3.self_attn.q_proj`
  const HostTensor *a, *b;
};

/// The pairs of `trained`, by module path; `rank` their one r.
Status collectLoraAdapters(const TensorMap &trained,
                           std::vector<LoraPair> &pairs, int64_t &rank);

/// Reads only the adapters of a .safetensors result.
Status readLoraAdapters(const std::string &path, TensorMap &trained);

/// The transpose of a row-major f32 matrix.
HostTensor transposed(const HostTensor &matrix);

} // namespace qtc

#endif // QTC_EXPORT_LORAADAPTERS_H
