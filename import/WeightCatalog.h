//===- WeightCatalog.h - The tensors an importer may bind -------*- C++ -*-===//
//
// What an importer checks a model's config against: each tensor's name,
// dtype and shape, never its bytes. A safetensors checkpoint gives one
// (catalogOf); the GGUF and GPTQ readers will give theirs, so the graph
// builders do not depend on a file format, and the fuzz target builds one
// in memory.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_IMPORT_WEIGHTCATALOG_H
#define QTC_IMPORT_WEIGHTCATALOG_H

#include "runtime/Checkpoint.h"

#include <map>
#include <optional>
#include <string>

namespace qtc {

struct WeightInfo {
  DType dtype = DType::F32;
  Shape shape;
  /// Set when the weight can also be bound as an `!qt.affine` base
  /// (Checkpoint::affineForm).
  std::optional<AffineForm> affine;
};

/// By tensor name, sorted.
using WeightCatalog = std::map<std::string, WeightInfo>;

/// Every tensor of `checkpoint`, from the headers already checked when its
/// files were added.
WeightCatalog catalogOf(const Checkpoint &checkpoint);

} // namespace qtc

#endif // QTC_IMPORT_WEIGHTCATALOG_H
