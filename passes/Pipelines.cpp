//===- Pipelines.cpp - named pass pipelines -------------------------------===//
//
// `qt-train-pipeline` takes a forward layer with qt.linear to a training
// step of primitive ops: the one flag a user passes to qtc-opt, and what the
// qtc driver runs before fusion and code generation.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::qt;

namespace {

struct TrainPipelineOptions : public PassPipelineOptions<TrainPipelineOptions> {
  Option<std::string> method{*this, "method",
                             llvm::cl::desc("lora, gsq, lota or qeft")};
  Option<int64_t> rank{*this, "rank", llvm::cl::desc("adapter rank"),
                       llvm::cl::init(16)};
  Option<double> alpha{*this, "alpha", llvm::cl::desc("LoRA alpha"),
                       llvm::cl::init(16.0)};
  Option<int64_t> group{*this, "group", llvm::cl::desc("GSE group size"),
                        llvm::cl::init(32)};
  Option<double> omega{*this, "omega",
                       llvm::cl::desc("LoTA threshold (0: 0.75 rank)"),
                       llvm::cl::init(0.0)};
  Option<int64_t> outliers{*this, "outliers", llvm::cl::desc("QEFT weak rows"),
                           llvm::cl::init(0)};
  Option<double> lr{*this, "lr", llvm::cl::desc("AdamW learning rate"),
                    llvm::cl::init(1.0e-4)};
  Option<int64_t> totalSteps{*this, "total-steps",
                             llvm::cl::desc("t-SignSGD schedule length"),
                             llvm::cl::init(0)};
  ListOption<std::string> targets{
      *this, "targets",
      llvm::cl::desc("adapt only the linears whose module path ends with one "
                     "of these")};
  Option<std::string> gradNorm{
      *this, "grad-norm",
      llvm::cl::desc("t-SignSGD's gradient norm: computed or argument"),
      llvm::cl::init("computed")};
};

void buildTrainPipeline(OpPassManager &pm,
                        const TrainPipelineOptions &options) {
  addInlineLayerPasses(pm);
  QtApplyMethodOptions method;
  method.method = options.method;
  method.rank = options.rank;
  method.alpha = options.alpha;
  method.group = options.group;
  method.omega = options.omega;
  method.outliers = options.outliers;
  method.targets = options.targets;
  pm.addPass(createQtApplyMethod(method));
  pm.addPass(createQtAutodiff());
  QtInsertOptimizerOptions optimizer;
  optimizer.lr = options.lr;
  optimizer.totalSteps = options.totalSteps;
  optimizer.gradNormSource = options.gradNorm;
  pm.addPass(createQtInsertOptimizer(optimizer));
  pm.addNestedPass<func::FuncOp>(createQtExpand());
  // The backward rebuilt forward values (casts, H, the merged weight).
  pm.addPass(mlir::createCSEPass());
}

} // namespace

void mlir::qt::addInlineLayerPasses(OpPassManager &pm) {
  pm.addPass(createInlinerPass({}, [](OpPassManager &) {}));
  pm.addPass(createSymbolDCEPass());
}

void mlir::qt::registerPipelines() {
  PassPipelineRegistration<TrainPipelineOptions>(
      "qt-train-pipeline",
      "a forward layer with qt.linear to a training step of primitive ops "
      "(inline, apply-method, autodiff, insert-optimizer, expand, cse)",
      buildTrainPipeline);
}
