//===- HfImport.h - A Hugging Face checkpoint as a qt forward graph -*- C++ -*-===//
//
// `qtc import MODEL_DIR --batch B --seq-len S`: the model's forward function
// from its config.json and the checkpoint's catalog of tensors (their bytes
// are never read). Token ids [B, S] in, logits [B, S, vocab] out and, with
// labels, the mean next-token loss as transformers computes it. Every
// weight is an argument named by its HF tensor name (`qt.name`), in its
// stored dtype and layout; the decoder layer is one function called once
// per layer.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_IMPORT_HFIMPORT_H
#define QTC_IMPORT_HFIMPORT_H

#include "import/HfConfig.h"
#include "import/WeightCatalog.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace qtc {

struct HfImportOptions {
  int64_t batch = 1, seqLen = 0;
  /// Also take labels [B, S] and return the loss.
  bool labels = false;
  /// With labels, return the loss only (what a training step differentiates).
  bool lossOnly = false;
  /// Token id element type: 32 or 64.
  unsigned idBits = 64;
  /// Bind each decoder projection the checkpoint holds in an affine form
  /// (GGUF Q4_0, Q4_1, Q8_0; GPTQ with contiguous groups:
  /// WeightInfo::affine) as an `!qt.affine`
  /// [in, out] base, the integer weight LoTA-QAF and QEFT train around,
  /// instead of dequantizing it to f32. Other weights are unchanged.
  bool affineBase = false;
};

/// Builds the forward module; checks every tensor the model needs against
/// the config (name, shape, a float dtype) and names any the graph leaves
/// unused in `unused`.
Status importHfModel(mlir::MLIRContext &context, const HfModelConfig &config,
                     const WeightCatalog &weights,
                     const HfImportOptions &options,
                     mlir::OwningOpRef<mlir::ModuleOp> &out,
                     std::vector<std::string> &unused);

} // namespace qtc

#endif // QTC_IMPORT_HFIMPORT_H
