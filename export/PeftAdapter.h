//===- PeftAdapter.h - Trained LoRA adapters as a PEFT adapter ---*- C++ -*-===//
//
// `qtc export --format peft`: the LoRA adapters of a trained result (qtc's
// names: `<module>.a` [in, r] and `<module>.b` [r, out], f32) as the
// folder `peft.PeftModel.from_pretrained` loads (FORMATS.md "PEFT LoRA
// adapter"): adapter_model.safetensors with
// `base_model.model.<module>.lora_A.weight` = a^T [r, in] and
// `.lora_B.weight` = b^T [out, r], and adapter_config.json (peft_type LORA,
// r, lora_alpha, target_modules, ...; scale alpha / r, as qt-apply-method's).
// One rank for every module; a module with one of the pair, a non-f32 or
// non-finite adapter, shapes that do not chain, or a module path that is
// not a plain dotted identifier is an error naming it.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_EXPORT_PEFTADAPTER_H
#define QTC_EXPORT_PEFTADAPTER_H

#include "runtime/HostTensor.h"
#include "runtime/Safetensors.h"
#include "runtime/Status.h"

#include <string>

namespace qtc {

struct PeftAdapterOptions {
  /// LoRA alpha the adapters were trained with (qtc compile --alpha).
  double alpha = 0;
  /// adapter_config.json's base_model_name_or_path.
  std::string baseModel;
};

/// A PEFT adapter in memory: its tensors and adapter_config.json's text.
struct PeftAdapter {
  TensorMap tensors;
  std::string configJson;
  int64_t rank = 0;
  size_t modules = 0;
};

/// Builds the adapter from `trained` (every tensor of a result; those that
/// are not `<module>.a` or `<module>.b`, such as AdamW moments, are left
/// out).
Status buildPeftAdapter(const TensorMap &trained,
                        const PeftAdapterOptions &options, PeftAdapter &out);

/// Reads the adapters of `resultPath` (a .safetensors file: qtc-step's
/// updated.safetensors or an adapters file) and writes the PEFT folder
/// `outDir` (created if missing; both files land together or not at all).
Status exportPeftAdapter(const std::string &resultPath,
                         const PeftAdapterOptions &options,
                         const std::string &outDir, PeftAdapter &written);

} // namespace qtc

#endif // QTC_EXPORT_PEFTADAPTER_H
