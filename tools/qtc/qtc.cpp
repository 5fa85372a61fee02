//===- qtc.cpp - the qtc driver: a forward layer in, a trainer out --------===//
//
//   qtc compile LAYER.mlir --method lota [--rank 16 ...] --target host -o OUT
//       [--emit=mlir-after=PASS]
//
// Runs the training pipeline (qt-apply-method, qt-autodiff,
// qt-insert-optimizer, qt-expand, cse, qt-fuse, qt-plan-memory), writes the
// step as C++ (OUT/step.cpp), builds each kernel with the Halide generators
// for the target (OUT/kernels), and links OUT/libqtc_model.a (the step and
// its kernels), OUT/qtc_step.h (its C ABI) and OUT/qtc-step (a trainer that
// reads .npy/.safetensors and runs N steps). `--emit=mlir-after=PASS` prints
// the IR after that pass instead.
//
//===----------------------------------------------------------------------===//
#include "codegen/step/StepCodegen.h"
#include "dialect/Differentiation.h"
#include "dialect/QtDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::opt<std::string> command(cl::Positional, cl::desc("<command: compile>"),
                             cl::Required);
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<layer.mlir>"),
                               cl::Required);
cl::opt<std::string> outputDir("o", cl::desc("output directory"),
                               cl::value_desc("dir"));
cl::opt<std::string> method("method", cl::desc("lora, gsq, lota or qeft"),
                            cl::Required);
cl::opt<int64_t> rank("rank", cl::desc("adapter rank"), cl::init(16));
cl::opt<double> alpha("alpha", cl::desc("LoRA alpha"), cl::init(16.0));
cl::opt<int64_t> group("group", cl::desc("GSE group size (gsq)"), cl::init(32));
cl::opt<double> omega("omega", cl::desc("LoTA threshold, 0 for 0.75 rank"),
                      cl::init(0.0));
cl::opt<int64_t> outliers("outliers", cl::desc("QEFT weak rows"), cl::init(0));
cl::opt<double> lr("lr", cl::desc("AdamW learning rate"), cl::init(1.0e-4));
cl::opt<int64_t> totalSteps("total-steps",
                            cl::desc("t-SignSGD schedule length (lota)"),
                            cl::init(0));
cl::opt<std::string> target("target", cl::desc("host"), cl::init("host"));
cl::opt<std::string> emit("emit",
                          cl::desc("mlir-after=PASS: print the IR after PASS"),
                          cl::init(""));

/// Runs a program (stdin from `input` when given); reports a failure with
/// the command line.
LogicalResult runProgram(StringRef program, ArrayRef<std::string> args,
                         StringRef what, StringRef input = "") {
  SmallVector<StringRef> argv = {program};
  for (const std::string &a : args)
    argv.push_back(a);
  std::string error;
  SmallVector<std::optional<StringRef>, 3> redirects;
  if (!input.empty())
    redirects = {input, std::nullopt, std::nullopt};
  int rc = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, redirects, 0,
                                     0, &error);
  if (rc == 0)
    return success();
  llvm::errs() << "qtc: error: " << what << " failed (exit " << rc << ")"
               << (error.empty() ? "" : ": " + error) << "\n  command:";
  for (StringRef a : argv)
    llvm::errs() << " " << a;
  llvm::errs() << "\n";
  return failure();
}

struct Stage {
  std::string name;
  std::function<void(OpPassManager &)> add;
};

SmallVector<Stage> pipeline() {
  qt::QtApplyMethodOptions methodOptions;
  methodOptions.method = method;
  methodOptions.rank = rank;
  methodOptions.alpha = alpha;
  methodOptions.group = group;
  methodOptions.omega = omega;
  methodOptions.outliers = outliers;
  qt::QtInsertOptimizerOptions optimizerOptions;
  optimizerOptions.lr = lr;
  optimizerOptions.totalSteps = totalSteps;
  return {
      {"qt-apply-method",
       [=](OpPassManager &pm) {
         pm.addPass(qt::createQtApplyMethod(methodOptions));
       }},
      {"qt-autodiff",
       [](OpPassManager &pm) { pm.addPass(qt::createQtAutodiff()); }},
      {"qt-insert-optimizer",
       [=](OpPassManager &pm) {
         pm.addPass(qt::createQtInsertOptimizer(optimizerOptions));
       }},
      {"qt-expand",
       [](OpPassManager &pm) {
         pm.addNestedPass<func::FuncOp>(qt::createQtExpand());
       }},
      {"cse", [](OpPassManager &pm) { pm.addPass(createCSEPass()); }},
      {"qt-fuse",
       [](OpPassManager &pm) {
         pm.addNestedPass<func::FuncOp>(qt::createQtFuse());
       }},
      {"qt-plan-memory",
       [](OpPassManager &pm) {
         pm.addNestedPass<func::FuncOp>(qt::createQtPlanMemory());
       }},
  };
}

/// The Halide targets of each kernel library and of the shared runtime.
LogicalResult targetsFor(StringRef name, std::string &kernels,
                         std::string &runtime) {
  if (name == "host") {
    kernels =
        QTC_X86_AVX512_TARGET "-no_runtime," QTC_X86_AVX2_TARGET "-no_runtime";
    runtime = "x86-64-linux";
    return success();
  }
  llvm::errs() << "qtc: error: unknown or unsupported target '" << name
               << "' (supported: host)\n";
  return failure();
}

LogicalResult writeFile(StringRef path, StringRef text) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file) {
    llvm::errs() << "qtc: error: " << error << "\n";
    return failure();
  }
  file->os() << text;
  file->keep();
  return success();
}

LogicalResult build(ModuleOp module, StringRef kernelTargets,
                    StringRef runtimeTarget) {
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError("qtc compile takes a module with one function (the "
                            "layer), found ")
           << funcs.size();
  FailureOr<qt::StepProgram> program = qt::emitStepProgram(funcs.front());
  if (failed(program))
    return failure();
  SmallString<128> kernelsDir(outputDir);
  llvm::sys::path::append(kernelsDir, "kernels");
  if (std::error_code ec = llvm::sys::fs::create_directories(kernelsDir)) {
    llvm::errs() << "qtc: error: cannot create " << kernelsDir << ": "
                 << ec.message() << "\n";
    return failure();
  }
  auto out = [&](StringRef name) {
    SmallString<128> path(outputDir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };
  if (failed(writeFile(out("step.cpp"), program->source)))
    return failure();

  // Kernels, one library per distinct generator and parameters, and one
  // Halide runtime for all of them.
  size_t total = program->kernels.size() + 1;
  std::vector<std::string> archives;
  for (auto [i, kernel] : llvm::enumerate(program->kernels)) {
    std::vector<std::string> args = {"-g",
                                     kernel.generator,
                                     "-f",
                                     kernel.function,
                                     "-o",
                                     std::string(kernelsDir),
                                     "-e",
                                     "static_library,h",
                                     ("target=" + kernelTargets).str()};
    args.insert(args.end(), kernel.params.begin(), kernel.params.end());
    std::string params = llvm::join(kernel.params, " ");
    llvm::errs() << "qtc: [" << i + 1 << "/" << total << "] kernel "
                 << kernel.function << ": " << kernel.generator
                 << (params.empty() ? "" : " " + params) << "\n";
    if (failed(runProgram(QTC_KERNEL_GENERATORS, args,
                          "generating kernel " + kernel.function)))
      return failure();
    archives.push_back(std::string(kernelsDir) + "/" + kernel.function + ".a");
  }
  llvm::errs() << "qtc: [" << total << "/" << total << "] Halide runtime ("
               << runtimeTarget << ")\n";
  if (failed(runProgram(QTC_KERNEL_GENERATORS,
                        {"-r", "qtc_halide_runtime", "-o",
                         std::string(kernelsDir), "-e", "static_library",
                         ("target=" + runtimeTarget).str()},
                        "generating the Halide runtime")))
    return failure();
  archives.push_back(std::string(kernelsDir) + "/qtc_halide_runtime.a");

  // The step, its library and the trainer.
  llvm::errs() << "qtc: compiling step.cpp and linking qtc-step\n";
  if (failed(runProgram(QTC_CXX,
                        {"-std=c++17", "-O2", "-I" QTC_SOURCE_DIR,
                         "-I" QTC_HALIDE_INCLUDE_DIR,
                         "-I" + std::string(kernelsDir), "-c", out("step.cpp"),
                         "-o", out("step.o")},
                        "compiling step.cpp")))
    return failure();
  std::string mri =
      "create " + out("libqtc_model.a") + "\naddmod " + out("step.o") + "\n";
  for (const std::string &a : archives)
    mri += "addlib " + a + "\n";
  mri += "save\nend\n";
  llvm::sys::fs::remove(out("libqtc_model.a"));
  if (failed(writeFile(out("libqtc_model.mri"), mri)) ||
      failed(runProgram(QTC_AR, {"-M"}, "archiving libqtc_model.a",
                        out("libqtc_model.mri"))))
    return failure();
  if (failed(runProgram(QTC_CXX,
                        {"-o", out("qtc-step"), QTC_STEP_MAIN_LIB,
                         out("libqtc_model.a"), QTC_RUNTIME_LIB, "-lpthread",
                         "-ldl", "-lm"},
                        "linking qtc-step")))
    return failure();
  if (std::error_code ec = llvm::sys::fs::copy_file(
          QTC_SOURCE_DIR "/runtime/qtc_step.h", out("qtc_step.h"))) {
    llvm::errs() << "qtc: error: cannot write qtc_step.h: " << ec.message()
                 << "\n";
    return failure();
  }
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "qtc: quantized fine-tuning compiler\n");
  if (command != "compile") {
    llvm::errs() << "qtc: error: unknown command '" << command
                 << "' (expected: compile)\n";
    return 1;
  }
  std::string afterPass;
  if (!emit.empty()) {
    StringRef e(emit);
    if (!e.consume_front("mlir-after=")) {
      llvm::errs() << "qtc: error: --emit takes mlir-after=PASS, got '" << emit
                   << "'\n";
      return 1;
    }
    afterPass = e.str();
  } else if (outputDir.empty()) {
    llvm::errs()
        << "qtc: error: -o OUT is required (or --emit=mlir-after=PASS)\n";
    return 1;
  }

  std::string kernelTargets, runtimeTarget;
  if (failed(targetsFor(target, kernelTargets, runtimeTarget)))
    return 1;

  DialectRegistry registry;
  registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  qt::registerArithDifferentiationModels(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFile, sourceMgr, &context);
  if (!module)
    return 1;

  SmallVector<Stage> stages = pipeline();
  if (!afterPass.empty() && llvm::none_of(stages, [&](const Stage &s) {
        return s.name == afterPass;
      })) {
    llvm::errs() << "qtc: error: --emit=mlir-after: unknown pass '" << afterPass
                 << "'; the pipeline is";
    for (const Stage &s : stages)
      llvm::errs() << " " << s.name;
    llvm::errs() << "\n";
    return 1;
  }
  for (const Stage &stage : stages) {
    PassManager pm(&context);
    stage.add(pm);
    if (failed(pm.run(*module)))
      return 1;
    if (stage.name == afterPass) {
      module->print(llvm::outs());
      llvm::outs() << "\n";
      return 0;
    }
  }
  if (failed(build(*module, kernelTargets, runtimeTarget)))
    return 1;
  llvm::errs() << "qtc: wrote " << outputDir
               << "/{libqtc_model.a, qtc_step.h, qtc-step, step.cpp}\n";
  return 0;
}
