//===- qtc-opt.cpp - mlir-opt for qtc -------------------------------------===//
//
// Parses, verifies, transforms and prints IR of the qt dialect and the
// upstream dialects qtc programs use next to it (func, arith, tensor).
//
//===----------------------------------------------------------------------===//

#include "dialect/Differentiation.h"
#include "dialect/QtDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::qt::QtDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::tensor::TensorDialect>();
  mlir::qt::registerArithDifferentiationModels(registry);
  mlir::qt::registerTensorDifferentiationModels(registry);
  mlir::func::registerInlinerExtension(registry);
  mlir::qt::registerQtPasses();
  mlir::qt::registerPipelines();
  // Generic cleanups that qt's folders and canonicalizations plug into.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  // An imported model's decoder_layer calls, inlined before qt-autodiff.
  mlir::registerInlinerPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qtc optimizer driver\n", registry));
}
