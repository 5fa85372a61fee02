//===- GgufLoraAdapter.h - Trained LoRA adapters as a GGUF adapter -*- C++ -*-===//
//
// `qtc export --format gguf-lora --base MODEL.gguf`: the LoRA adapters of a
// trained result as the adapter file llama.cpp loads beside its model
// (`--lora`; FORMATS.md "LoRA adapter GGUF"): `general.type` "adapter",
// `adapter.type` "lora", `adapter.lora.alpha`, the base's
// `general.architecture`, and per adapted weight `<gguf name>.lora_a`
// (a^T, [r, in]) and `.lora_b` (b^T, [out, r]) in F32. llama's Q and K
// weights are stored with their rows in llama.cpp's rope order, so lora_b's
// rows are permuted the same way. llama.cpp scales by alpha / r, as qtc
// trains.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_EXPORT_GGUFLORAADAPTER_H
#define QTC_EXPORT_GGUFLORAADAPTER_H

#include "runtime/GgufWrite.h"
#include "runtime/Safetensors.h"

namespace qtc {

struct GgufLoraAdapterInfo {
  int64_t rank = 0;
  size_t modules = 0;
};

/// Builds the adapter file of `trained` for the model `base` (a llama or
/// qwen2 GGUF model's header) into `out`.
Status buildGgufLoraAdapter(const TensorMap &trained, double alpha,
                            const GgufHeader &base, GgufWriter &out,
                            GgufLoraAdapterInfo &info);

/// Reads the adapters of `resultPath` and writes `outPath` (atomically).
Status exportGgufLoraAdapter(const std::string &resultPath, double alpha,
                             const std::string &basePath,
                             const std::string &outPath,
                             GgufLoraAdapterInfo &info);

} // namespace qtc

#endif // QTC_EXPORT_GGUFLORAADAPTER_H
