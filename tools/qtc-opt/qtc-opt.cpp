//===- qtc-opt.cpp - mlir-opt for qtc -------------------------------------===//
//
// Parses, verifies, transforms and prints IR of the qt dialect and the
// upstream dialects qtc programs use next to it (func, arith, tensor).
//
//===----------------------------------------------------------------------===//

#include "dialect/Differentiation.h"
#include "dialect/QtDialect.h"
#include "passes/Passes.h"
#include "tools/common/IrNesting.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

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
  // MlirOptMain(argc, argv, ...) with the input checked before it is
  // parsed (tools/common/IrNesting.h).
  llvm::InitLLVM init(argc, argv);
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "qtc optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects()) {
    llvm::outs() << "Available Dialects: ";
    llvm::interleave(registry.getDialectNames(), llvm::outs(), ",");
    llvm::outs() << "\n";
    return 0;
  }
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      mlir::openInputFile(inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  if (!qtc::checkIrNesting(file->getBuffer(), inputFilename, llvm::errs()))
    return 1;
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(file), registry, config)))
    return 1;
  output->keep();
  return 0;
}
