//===- GgufNames.h - GGUF model tensors in Hugging Face terms ---*- C++ -*-===//
//
// A llama or qwen2 GGUF file names its tensors as llama.cpp does
// (`blk.3.attn_q.weight`); qtc names every weight by its Hugging Face name
// (`model.layers.3.self_attn.q_proj.weight`), the one key that flows
// through import, training, checkpoints and export. This is the map between
// the two (FORMATS.md "GGUF"), both ways, and the row order llama.cpp's
// converter gives llama's Q and K projections (permuted from HF's
// rotate-half order; qwen2's are stored as HF has them).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_GGUFNAMES_H
#define QTC_RUNTIME_GGUFNAMES_H

#include "runtime/HostTensor.h"
#include "runtime/Status.h"

#include <optional>
#include <string>

namespace qtc {

/// A GGUF model tensor as Hugging Face has it.
struct GgufHfTensor {
  std::string name;
  /// Rows stored in llama.cpp's rope order, in this many heads (0: as HF).
  int64_t ropeHeads = 0;
};

/// Whether tensors of a GGUF file with this `general.architecture` are
/// mapped to HF names: "llama" and "qwen2".
bool ggufArchitectureHasHfNames(const std::string &architecture);

/// The HF name of `ggufName` in a model of `architecture` with `heads`
/// attention heads and `kvHeads` key/value heads, or nullopt for a name
/// with no HF counterpart (e.g. llama 3.1's `rope_freqs.weight`).
std::optional<GgufHfTensor> hfTensorOfGguf(const std::string &ggufName,
                                           const std::string &architecture,
                                           int64_t heads, int64_t kvHeads);

/// The GGUF name of HF tensor `hfName` (the inverse of hfTensorOfGguf), or
/// nullopt.
std::optional<std::string> ggufNameOfHf(const std::string &hfName);

/// Undoes (`toHf`) or applies llama.cpp's rope row permutation on a
/// row-major tensor of any dtype whose first axis is `heads` blocks of
/// 2 x half rows: GGUF row h*D + 2i + j is HF row h*D + j*half + i. A first
/// axis that is no multiple of 2 x heads is an error.
Status permuteRopeRows(HostTensor &tensor, int64_t heads, bool toHf);

} // namespace qtc

#endif // QTC_RUNTIME_GGUFNAMES_H
