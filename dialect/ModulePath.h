//===- ModulePath.h - the model module an op comes from ---------*- C++ -*-===//
//
// `qtc import` names each op's location after the Hugging Face module it
// computes (`self_attn.q_proj` inside a layer function) and each layer call
// after its own (`model.layers.3`); inlining makes the pair a call site.
// The module path is what adapters are named after, what `targets=`
// matches, and how a failing kernel is reported.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_DIALECT_MODULEPATH_H
#define QTC_DIALECT_MODULEPATH_H

#include "mlir/IR/Location.h"

#include <string>

namespace mlir::qt {

/// The dotted module path `loc` names (`model.layers.3.self_attn.q_proj`),
/// or "" when it names none.
std::string modulePath(Location loc);

/// Whether `path` is `module` or ends with `.module`.
bool endsWithModule(llvm::StringRef path, llvm::StringRef module);

} // namespace mlir::qt

#endif // QTC_DIALECT_MODULEPATH_H
