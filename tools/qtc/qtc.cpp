//===- qtc.cpp - the qtc driver: a model in, a trainer out ----------------===//
//
//   qtc import MODEL_DIR|MODEL.gguf --batch B --seq-len S
//       [--labels [--loss-only]] -o forward.mlir
//   qtc compile LAYER.mlir --method lota [--rank 16 ...] --target host -o OUT
//       [--emit=mlir-after=PASS | --emit=step-cpp] [--no-cache] [-j N]
//   qtc export TRAINED.safetensors --format peft --alpha A [--base MODEL]
//       -o ADAPTER_DIR
//   qtc export TRAINED.safetensors --format gguf-lora --alpha A
//       --base MODEL.gguf -o ADAPTER.gguf
//   qtc tokenize MODEL.gguf --text FILE -o ids.npy
//   qtc finetune [--model M] [--data FILE]... [--method lora|gsq] ...
//
// `import` writes a model's forward function (HfImport.h) from a Hugging
// Face checkpoint's config.json and safetensors headers, or from a llama or
// qwen2 GGUF file's metadata and tensor infos (GgufConfig.h), its weights
// named by their HF names either way. `export` writes trained adapters in
// the formats other tools read (export/PeftAdapter.h, GgufLoraAdapter.h);
// `tokenize` runs the model's own tokenizer (data/BpeTokenizer.h);
// `finetune` runs the whole road from a model and text to adapters
// (Finetune.h).
//
// Runs the training pipeline (inline, qt-apply-method, qt-autodiff,
// qt-insert-optimizer, qt-expand, cse, qt-fuse, qt-select-kernels,
// qt-plan-memory), writes the step as C++ (OUT/step.cpp), builds each
// kernel with the Halide generators for the target (OUT/kernels, in
// parallel, through the kernel cache: KernelBuild.h), and links
// OUT/libqtc_model.a (the step and its kernels), OUT/qtc_step.h (its C ABI),
// OUT/qtc-step (a trainer that reads .npy/.safetensors and runs N steps)
// and OUT/qtc-train (the training loop of a model's loss: runtime/
// TrainMain.cpp). `--emit=mlir-after=PASS` prints the IR after that pass
// instead,
// `--emit=step-cpp` the step's source.
//
//===----------------------------------------------------------------------===//
#include "codegen/step/StepCodegen.h"
#include "data/BpeTokenizer.h"
#include "dialect/Differentiation.h"
#include "dialect/QtDialect.h"
#include "export/GgufLoraAdapter.h"
#include "export/MergedGguf.h"
#include "export/PeftAdapter.h"
#include "import/GgufConfig.h"
#include "import/HfImport.h"
#include "passes/Passes.h"
#include "runtime/FileRead.h"
#include "runtime/Npy.h"
#include "tools/common/IrNesting.h"
#include "tools/qtc/Finetune.h"
#include "tools/qtc/KernelBuild.h"
#include "tools/qtc/Subprocess.h"

#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <thread>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::SubCommand compileCommand("compile",
                              "a forward layer or model in, a trainer out");
cl::SubCommand
    importCommand("import",
                  "a Hugging Face model folder or a GGUF file in, its forward "
                  ".mlir out");
cl::SubCommand tokenizeCommand("tokenize",
                               "text in, the model's token ids out (.npy)");
cl::SubCommand
    exportCommand("export",
                  "a trained result in, the files other tools read out");
// Each command's options: --help lists these, not every LLVM option linked
// in.
cl::OptionCategory compileOptions("qtc compile options");
cl::OptionCategory importOptions("qtc import options");
cl::OptionCategory exportOptions("qtc export options");
cl::OptionCategory tokenizeOptions("qtc tokenize options");

cl::opt<std::string> inputFile(cl::sub(compileCommand), cl::cat(compileOptions),
                               cl::Positional, cl::desc("<layer.mlir>"),
                               cl::Required);
cl::opt<std::string> outputDir(cl::sub(compileCommand), cl::cat(compileOptions),
                               "o", cl::desc("output directory"),
                               cl::value_desc("dir"));
cl::opt<std::string> method(cl::sub(compileCommand), cl::cat(compileOptions),
                            "method", cl::desc("lora, gsq, lota or qeft"),
                            cl::Required);
cl::opt<int64_t> rank(cl::sub(compileCommand), cl::cat(compileOptions), "rank",
                      cl::desc("adapter rank"), cl::init(16));
cl::opt<double> alpha(cl::sub(compileCommand), cl::cat(compileOptions), "alpha",
                      cl::desc("LoRA alpha"), cl::init(16.0));
cl::opt<int64_t> group(cl::sub(compileCommand), cl::cat(compileOptions),
                       "group", cl::desc("GSE group size (gsq)"), cl::init(32));
cl::opt<double> omega(cl::sub(compileCommand), cl::cat(compileOptions), "omega",
                      cl::desc("LoTA threshold, 0 for 0.75 rank"),
                      cl::init(0.0));
cl::opt<int64_t> outliers(cl::sub(compileCommand), cl::cat(compileOptions),
                          "outliers", cl::desc("QEFT weak rows"), cl::init(0));
cl::list<std::string> targetModules(
    cl::sub(compileCommand), cl::cat(compileOptions), "target-modules",
    cl::CommaSeparated,
    cl::desc("adapt only the linears whose module path ends with one of "
             "these (q_proj,v_proj,...; default: every qt.linear)"),
    cl::value_desc("name,..."));
cl::opt<double> lr(cl::sub(compileCommand), cl::cat(compileOptions), "lr",
                   cl::desc("AdamW learning rate"), cl::init(1.0e-4));
cl::opt<bool> lrSchedule(cl::sub(compileCommand), cl::cat(compileOptions),
                         "lr-schedule",
                         cl::desc("the step takes an f32 lr_scale argument "
                                  "multiplying --lr (qtc-train's --schedule)"),
                         cl::init(false));
cl::opt<double> maxGradNorm(cl::sub(compileCommand), cl::cat(compileOptions),
                            "max-grad-norm",
                            cl::desc("clip AdamW's gradients to this global "
                                     "L2 norm (0: no clipping)"),
                            cl::init(0.0));
cl::opt<int64_t> totalSteps(cl::sub(compileCommand), cl::cat(compileOptions),
                            "total-steps",
                            cl::desc("t-SignSGD schedule length (lota)"),
                            cl::init(0));
cl::opt<std::string> gradNormSource(
    cl::sub(compileCommand), cl::cat(compileOptions), "grad-norm",
    cl::desc("t-SignSGD's gradient norm: computed (from the adapters' "
             "gradients) or argument (given to each step)"),
    cl::init("computed"));
cl::opt<std::string> target(cl::sub(compileCommand), cl::cat(compileOptions),
                            "target", cl::desc("host, arm-64-linux or cuda"),
                            cl::init("host"));
cl::opt<bool> noFusion(cl::sub(compileCommand), cl::cat(compileOptions),
                       "no-fusion",
                       cl::desc("one kernel per op (what a missed fusion "
                                "costs; for testing)"),
                       cl::init(false));
cl::opt<bool> noCache(cl::sub(compileCommand), cl::cat(compileOptions),
                      "no-cache",
                      cl::desc("generate every kernel, bypassing the kernel "
                               "cache"),
                      cl::init(false));
cl::opt<std::string>
    cacheDir(cl::sub(compileCommand), cl::cat(compileOptions), "cache-dir",
             cl::desc("kernel cache directory (default: $QTC_CACHE_DIR, "
                      "$XDG_CACHE_HOME/qtc/kernels or ~/.cache/qtc/kernels)"),
             cl::value_desc("dir"), cl::init(""));
cl::opt<int> jobsOption(cl::sub(compileCommand), cl::cat(compileOptions), "j",
                        cl::desc("kernel generator runs at once (default: "
                                 "the number of cores)"),
                        cl::init(0));
cl::opt<std::string>
    emit(cl::sub(compileCommand), cl::cat(compileOptions), "emit",
         cl::desc("mlir-after=PASS: print the IR after PASS; step-cpp: print "
                  "the generated step source"),
         cl::init(""));

cl::opt<std::string> modelDir(cl::sub(importCommand), cl::cat(importOptions),
                              cl::Positional,
                              cl::desc("<model folder or .gguf file>"),
                              cl::Required);
cl::opt<std::string> importOutput(cl::sub(importCommand),
                                  cl::cat(importOptions), "o",
                                  cl::desc("output .mlir file (default: "
                                           "stdout)"),
                                  cl::value_desc("file"), cl::init("-"));
cl::opt<int64_t> batch(cl::sub(importCommand), cl::cat(importOptions), "batch",
                       cl::desc("sequences per step"), cl::init(1));
cl::opt<int64_t> seqLen(cl::sub(importCommand), cl::cat(importOptions),
                        "seq-len", cl::desc("tokens per sequence"),
                        cl::Required);
cl::opt<bool> withLabels(cl::sub(importCommand), cl::cat(importOptions),
                         "labels",
                         cl::desc("also take labels [B, S] and return the "
                                  "mean next-token loss"),
                         cl::init(false));
cl::opt<bool> lossOnly(cl::sub(importCommand), cl::cat(importOptions),
                       "loss-only",
                       cl::desc("with --labels, return the loss only (the "
                                "function a training step differentiates)"),
                       cl::init(false));
cl::opt<std::string> idType(cl::sub(importCommand), cl::cat(importOptions),
                            "ids", cl::desc("token id type: i64 or i32"),
                            cl::init("i64"));
cl::opt<bool> affineBase(
    cl::sub(importCommand), cl::cat(importOptions), "affine-base",
    cl::desc("keep each quantized decoder projection (GGUF Q4_0, Q4_1, Q8_0; "
             "GPTQ without desc_act) as an !qt.affine [in, out] base, the "
             "integer weight LoTA and QEFT train around, instead of "
             "dequantizing it to f32"),
    cl::init(false));

cl::opt<std::string> exportInput(cl::sub(exportCommand), cl::cat(exportOptions),
                                 cl::Positional,
                                 cl::desc("<trained .safetensors>"),
                                 cl::Required);
cl::opt<std::string> exportFormat(cl::sub(exportCommand),
                                  cl::cat(exportOptions), "format",
                                  cl::desc("peft: a PEFT LoRA adapter folder; "
                                           "gguf-lora: a llama.cpp LoRA "
                                           "adapter file; gguf: LoTA's "
                                           "adapters merged into the --base "
                                           "GGUF model"),
                                  cl::Required);
cl::opt<std::string> exportOutput(cl::sub(exportCommand),
                                  cl::cat(exportOptions), "o",
                                  cl::desc("output folder (peft) or file "
                                           "(gguf-lora)"),
                                  cl::value_desc("path"), cl::Required);
cl::opt<double> exportAlpha(cl::sub(exportCommand), cl::cat(exportOptions),
                            "alpha",
                            cl::desc("the LoRA alpha the adapters were "
                                     "trained with (qtc compile --alpha; "
                                     "peft and gguf-lora)"),
                            cl::init(0.0));
cl::opt<double> exportOmega(cl::sub(exportCommand), cl::cat(exportOptions),
                            "omega",
                            cl::desc("LoTA's threshold the adapters were "
                                     "trained with (qtc compile --omega; 0: "
                                     "0.75 rank; gguf)"),
                            cl::init(0.0));
cl::opt<std::string> exportBase(cl::sub(exportCommand), cl::cat(exportOptions),
                                "base",
                                cl::desc("the base model: its name or path "
                                         "for a PEFT adapter's config; the "
                                         "GGUF file a gguf-lora adapter is "
                                         "for"),
                                cl::init(""));

cl::opt<std::string> tokenizeModel(cl::sub(tokenizeCommand),
                                   cl::cat(tokenizeOptions), cl::Positional,
                                   cl::desc("<model .gguf>"), cl::Required);
cl::opt<std::string> tokenizeText(cl::sub(tokenizeCommand),
                                  cl::cat(tokenizeOptions), "text",
                                  cl::desc("UTF-8 text file"),
                                  cl::value_desc("file"), cl::Required);
cl::opt<std::string> tokenizeOutput(cl::sub(tokenizeCommand),
                                    cl::cat(tokenizeOptions), "o",
                                    cl::desc("token ids, i32 .npy [N]"),
                                    cl::value_desc("file"), cl::Required);
cl::opt<bool> tokenizeNoBos(cl::sub(tokenizeCommand), cl::cat(tokenizeOptions),
                            "no-bos",
                            cl::desc("no BOS token first, even where the "
                                     "vocabulary adds one"),
                            cl::init(false));
cl::opt<bool> tokenizeNoSpecial(cl::sub(tokenizeCommand),
                                cl::cat(tokenizeOptions), "no-special",
                                cl::desc("special tokens in the text are "
                                         "plain text"),
                                cl::init(false));

/// Runs a program; a failure is reported with the command line.
LogicalResult runProgram(StringRef program, ArrayRef<std::string> args,
                         StringRef what, StringRef input = "") {
  return success(qtc::driver::runProgram(program, args, what, input));
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
  methodOptions.targets = targetModules;
  qt::QtInsertOptimizerOptions optimizerOptions;
  optimizerOptions.lr = lr;
  optimizerOptions.lrScale = lrSchedule;
  optimizerOptions.maxGradNorm = maxGradNorm;
  optimizerOptions.totalSteps = totalSteps;
  optimizerOptions.gradNormSource = gradNormSource;
  return {
      {"inline", [](OpPassManager &pm) { qt::addInlineLayerPasses(pm); }},
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
         qt::QtFuseOptions fuseOptions;
         fuseOptions.patterns = !noFusion;
         pm.addNestedPass<func::FuncOp>(qt::createQtFuse(fuseOptions));
       }},
      {"qt-select-kernels",
       [](OpPassManager &pm) {
         pm.addNestedPass<func::FuncOp>(qt::createQtSelectKernels());
       }},
      {"qt-plan-memory",
       [](OpPassManager &pm) {
         pm.addNestedPass<func::FuncOp>(qt::createQtPlanMemory());
       }},
  };
}

/// How to build for one `--target`.
struct Toolchain {
  /// Halide targets of the kernel libraries and of their one runtime.
  std::string kernels, runtime;
  /// With a GPU: the kernels that have a GPU schedule take `gpuKernels`.
  std::string gpuKernels;
  std::function<bool(const qt::KernelLibrary &)> onGpu;
  /// The C++ compiler and archiver for step.cpp and the trainer.
  std::string cxx, ar;
  /// Link the build's own libqtcrt and qtc-step main (host ABI) instead of
  /// compiling runtime/ for the target.
  bool prebuiltRuntime = true;
  /// Extra link flags of the trainer.
  std::vector<std::string> linkFlags;
  /// Kernels may run on a GPU (qt::StepOptions::syncDeviceBuffers).
  bool gpu = false;
};

FailureOr<Toolchain> toolchainFor(StringRef name) {
  Toolchain t;
  t.cxx = QTC_CXX;
  t.ar = QTC_AR;
  if (name == "host") {
    // AVX-512 VNNI first, AVX2 where the CPU lacks it, chosen at run time.
    t.kernels =
        QTC_X86_AVX512_TARGET "-no_runtime," QTC_X86_AVX2_TARGET "-no_runtime";
    t.runtime = "x86-64-linux";
    return t;
  }
  if (name == "arm-64-linux") {
    if (StringRef(QTC_AARCH64_CXX).empty()) {
      llvm::errs()
          << "qtc: error: --target arm-64-linux needs an AArch64 C++ "
             "compiler (Debian: g++-aarch64-linux-gnu); none was found "
             "when qtc was configured\n";
      return failure();
    }
    t.kernels = QTC_ARM64_TARGET "-no_runtime";
    t.runtime = "arm-64-linux";
    t.cxx = QTC_AARCH64_CXX;
    t.ar = QTC_AARCH64_AR;
    t.prebuiltRuntime = false;
    // One self-contained binary to copy to the board.
    t.linkFlags = {"-static"};
    return t;
  }
  if (name == "cuda") {
    // sm_80 PTX for the kernels the registry has a GPU schedule for (the
    // GSE matmul and quantize, the affine matmuls); the others run on the
    // host CPU.
    t.kernels =
        QTC_X86_AVX512_TARGET "-no_runtime," QTC_X86_AVX2_TARGET "-no_runtime";
    t.gpuKernels = QTC_X86_AVX2_TARGET "-cuda-cuda_capability_80-no_runtime";
    t.onGpu = [](const qt::KernelLibrary &k) {
      return qtc::kernels::has(k.targets, qtc::kernels::TargetClass::Cuda);
    };
    t.runtime = "x86-64-linux-cuda";
    t.gpu = true;
    return t;
  }
  llvm::errs() << "qtc: error: unknown target '" << name
               << "' (expected host, arm-64-linux or cuda)\n";
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

/// The step program of the module's one function (after the pipeline).
FailureOr<qt::StepProgram> stepProgram(ModuleOp module,
                                       const Toolchain &toolchain) {
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError("qtc compile takes a module with one public "
                            "function (a layer or a model's forward) and the "
                            "private functions it calls, found ")
           << funcs.size() << " functions after inlining";
  qt::StepOptions stepOptions;
  stepOptions.syncDeviceBuffers = toolchain.gpu;
  return qt::emitStepProgram(funcs.front(), stepOptions);
}

FailureOr<std::string> stepSource(ModuleOp module, const Toolchain &toolchain) {
  FailureOr<qt::StepProgram> program = stepProgram(module, toolchain);
  if (failed(program))
    return failure();
  return program->source;
}

LogicalResult build(ModuleOp module, const Toolchain &toolchain) {
  FailureOr<qt::StepProgram> program = stepProgram(module, toolchain);
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
  // Halide runtime for all of them: generated in parallel, through the
  // kernel cache.
  auto targetOf = [&](const qt::KernelLibrary &kernel) {
    return toolchain.onGpu && toolchain.onGpu(kernel) ? toolchain.gpuKernels
                                                      : toolchain.kernels;
  };
  std::vector<qtc::driver::KernelJob> jobs;
  std::vector<std::string> archives;
  for (const qt::KernelLibrary &kernel : program->kernels) {
    std::string params = llvm::join(kernel.params, " ");
    jobs.push_back({kernel.function, kernel.generator, kernel.params,
                    targetOf(kernel),
                    "kernel " + kernel.function + ": " + kernel.generator +
                        (params.empty() ? "" : " " + params)});
    archives.push_back(std::string(kernelsDir) + "/" + kernel.function + ".a");
  }
  jobs.push_back({"qtc_halide_runtime",
                  "",
                  {},
                  toolchain.runtime,
                  "Halide runtime (" + toolchain.runtime + ")"});
  archives.push_back(std::string(kernelsDir) + "/qtc_halide_runtime.a");
  qtc::driver::KernelBuildOptions buildOptions;
  buildOptions.generatorPath = QTC_KERNEL_GENERATORS;
  buildOptions.halideLibrary = QTC_HALIDE_LIBRARY;
  if (!noCache)
    buildOptions.cacheDir =
        cacheDir.empty() ? qtc::driver::defaultCacheDir() : cacheDir;
  buildOptions.jobs = jobsOption > 0
                          ? unsigned(jobsOption)
                          : std::max(1u, std::thread::hardware_concurrency());
  if (failed(qtc::driver::buildKernels(jobs, std::string(kernelsDir),
                                       buildOptions)))
    return failure();

  // The step, its library and the trainer.
  llvm::errs() << "qtc: compiling step.cpp and linking qtc-step and "
                  "qtc-train\n";
  auto compile = [&](StringRef source, StringRef object,
                     StringRef optimize = "-O2") {
    return runProgram(toolchain.cxx,
                      // No FMA contraction, as runtime/ is built here
                      // (runtime/CMakeLists.txt).
                      {"-std=c++17", optimize.str(), "-ffp-contract=off",
                       "-I" QTC_SOURCE_DIR, "-I" QTC_HALIDE_INCLUDE_DIR,
                       "-I" + std::string(kernelsDir), "-c", source.str(), "-o",
                       object.str()},
                      ("compiling " + llvm::sys::path::filename(source)).str());
  };
  // step.cpp is glue: views and calls of the kernels, which Halide
  // optimized. g++ -O2 takes 30 s on a 30-layer model's 3000 calls, -O0
  // 6 s, and the calls cost microseconds either way.
  if (failed(compile(out("step.cpp"), out("step.o"), "-O0")))
    return failure();
  std::string mri =
      "create " + out("libqtc_model.a") + "\naddmod " + out("step.o") + "\n";
  for (const std::string &a : archives)
    mri += "addlib " + a + "\n";
  mri += "save\nend\n";
  llvm::sys::fs::remove(out("libqtc_model.a"));
  if (failed(writeFile(out("libqtc_model.mri"), mri)) ||
      failed(runProgram(toolchain.ar, {"-M"}, "archiving libqtc_model.a",
                        out("libqtc_model.mri"))))
    return failure();

  // The trainers, qtc-step (N steps on fixed inputs) and qtc-train (the
  // training loop of a model's loss): their mains and the runtime they read
  // files with, from this build for the host, compiled from runtime/ for
  // another target.
  std::vector<std::string> runtime;
  std::string stepMain = QTC_STEP_MAIN_LIB, trainMain = QTC_TRAIN_MAIN_LIB;
  if (toolchain.prebuiltRuntime) {
    runtime = {QTC_RUNTIME_LIB};
  } else {
    auto compileRuntime = [&](StringRef file) -> FailureOr<std::string> {
      std::string object = std::string(kernelsDir) + "/runtime_" +
                           llvm::sys::path::stem(file).str() + ".o";
      if (failed(compile(QTC_SOURCE_DIR "/runtime/" + file.str(), object)))
        return failure();
      return object;
    };
    SmallVector<StringRef> sources;
    StringRef(QTC_RUNTIME_SOURCES).split(sources, ',', -1, /*KeepEmpty=*/false);
    for (StringRef file : sources) {
      FailureOr<std::string> object = compileRuntime(file);
      if (failed(object))
        return failure();
      runtime.push_back(*object);
    }
    FailureOr<std::string> step = compileRuntime(QTC_STEP_MAIN_SOURCE);
    FailureOr<std::string> train = compileRuntime(QTC_TRAIN_MAIN_SOURCE);
    if (failed(step) || failed(train))
      return failure();
    stepMain = *step;
    trainMain = *train;
  }
  for (auto [name, main] :
       {std::pair<StringRef, std::string>{"qtc-step", stepMain},
        {"qtc-train", trainMain}}) {
    std::vector<std::string> link = {"-o", out(name), main,
                                     out("libqtc_model.a")};
    link.insert(link.end(), runtime.begin(), runtime.end());
    link.insert(link.end(), {"-lpthread", "-ldl", "-lm"});
    link.insert(link.end(), toolchain.linkFlags.begin(),
                toolchain.linkFlags.end());
    if (failed(runProgram(toolchain.cxx, link, ("linking " + name).str())))
      return failure();
  }
  if (std::error_code ec = llvm::sys::fs::copy_file(
          QTC_SOURCE_DIR "/runtime/qtc_step.h", out("qtc_step.h"))) {
    llvm::errs() << "qtc: error: cannot write qtc_step.h: " << ec.message()
                 << "\n";
    return failure();
  }
  return success();
}

} // namespace

/// Reports a failed command's status; its exit code.
static int fail(const qtc::Status &status) {
  llvm::errs() << "qtc: error: " << status.message() << "\n";
  return 1;
}

/// The config of the model at `path`: a GGUF file's metadata, or a
/// folder's config.json.
qtc::Status readModelConfig(const std::string &path,
                            qtc::HfModelConfig &config) {
  if (!StringRef(path).ends_with(".gguf"))
    return qtc::readHfConfig(path + "/config.json", config);
  std::unique_ptr<qtc::GgufFile> file;
  QTC_RETURN_IF_ERROR(qtc::GgufFile::open(path, file));
  return qtc::ggufModelConfig(file->header(), "'" + path + "'", config);
}

/// `qtc import`: a Hugging Face model folder or a GGUF file to its forward
/// function.
int runImport() {
  qtc::HfModelConfig config;
  qtc::Status status = readModelConfig(modelDir, config);
  if (!status.ok())
    return fail(status);
  // Only the headers are read: the tensors stay memory-mapped, untouched.
  qtc::Checkpoint checkpoint;
  status = checkpoint.add(modelDir);
  if (!status.ok())
    return fail(status);
  qtc::HfImportOptions options;
  options.batch = batch;
  options.seqLen = seqLen;
  options.labels = withLabels;
  options.lossOnly = lossOnly;
  options.affineBase = affineBase;
  if (idType != "i64" && idType != "i32")
    return fail(
        qtc::Status::error("--ids takes i64 or i32, got '" + idType + "'"));
  options.idBits = idType == "i32" ? 32 : 64;

  DialectRegistry registry;
  registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> unused;
  status = qtc::importHfModel(context, config, qtc::catalogOf(checkpoint),
                              options, module, unused);
  if (!status.ok())
    return fail(status);
  if (failed(verify(*module))) {
    llvm::errs() << "qtc: error: the imported graph does not verify (a qtc "
                    "bug)\n";
    return 1;
  }
  if (!unused.empty()) {
    llvm::errs() << "qtc: warning: " << unused.size()
                 << " checkpoint tensor(s) not used by the graph:";
    for (size_t i = 0; i < unused.size() && i < 5; ++i)
      llvm::errs() << " '" << unused[i] << "'";
    llvm::errs() << (unused.size() > 5 ? " ...\n" : "\n");
  }
  // Written to a temporary file and renamed: a failure leaves no partial
  // output.
  if (llvm::Error error = llvm::writeToOutput(
          importOutput, [&](llvm::raw_ostream &os) -> llvm::Error {
            // With locations: they name each op's HF module
            // (`self_attn.q_proj`) and each layer call's (`model.layers.3`),
            // and the inliner composes the two; qt-apply-method names the
            // adapters from them.
            module->print(os, OpPrintingFlags().enableDebugInfo());
            os << "\n";
            return llvm::Error::success();
          })) {
    llvm::errs() << "qtc: error: cannot write '" << importOutput
                 << "': " << llvm::toString(std::move(error)) << "\n";
    return 1;
  }
  if (importOutput != "-")
    llvm::errs() << "qtc: wrote " << importOutput << " (" << config.architecture
                 << ", " << config.numLayers << " layers, " << batch * seqLen
                 << " tokens)\n";
  return 0;
}

/// `qtc tokenize`: a text file to the model's token ids.
int runTokenize() {
  std::unique_ptr<qtc::GgufFile> model;
  qtc::Status status = qtc::GgufFile::open(tokenizeModel, model);
  std::unique_ptr<qtc::BpeTokenizer> tokenizer;
  if (status.ok())
    status = qtc::BpeTokenizer::fromGguf(model->header(), tokenizer)
                 .withContext("'" + tokenizeModel + "'");
  if (!status.ok())
    return fail(status);
  std::string text;
  // Text files are read whole, up to 4 GiB.
  if (status = qtc::readRegularFile(tokenizeText, uint64_t(1) << 32, text);
      !status.ok())
    return fail(status);
  std::vector<int32_t> ids;
  if (status = tokenizer->encode(text, ids, !tokenizeNoBos, !tokenizeNoSpecial);
      !status.ok())
    return fail(status.withContext("'" + tokenizeText + "'"));
  qtc::HostTensor out(qtc::DType::I32, {static_cast<int64_t>(ids.size())});
  std::copy(ids.begin(), ids.end(), out.data<int32_t>());
  if (status = qtc::writeNpy(tokenizeOutput, out); !status.ok())
    return fail(status);
  llvm::errs() << "qtc: wrote " << tokenizeOutput << " (" << ids.size()
               << " tokens of " << text.size() << " bytes)\n";
  return 0;
}

/// `qtc export`: a trained result to the files other tools read.
int runExport() {
  if (exportFormat == "gguf") {
    if (!StringRef(exportBase).ends_with(".gguf"))
      return fail(qtc::Status::error(
          "--format gguf needs --base MODEL.gguf (the model LoTA trained)"));
    qtc::LotaMergeSettings settings;
    settings.omega = exportOmega;
    qtc::MergedGgufInfo info;
    qtc::Status status = qtc::exportMergedGguf(exportInput, exportBase,
                                               settings, exportOutput, info);
    if (!status.ok())
      return fail(status);
    llvm::errs() << "qtc: wrote " << exportOutput << " (" << info.modules
                 << " projections of " << exportBase
                 << " merged with LoTA adapters of r " << info.rank << ": "
                 << info.movedCodes << " of " << info.codes
                 << " codes moved; merged zeros rounded to f16, at most "
                 << llvm::format("%.3g", info.zeroRounding)
                 << " of a scale)\n";
    return 0;
  }
  if (!exportAlpha.getNumOccurrences())
    return fail(qtc::Status::error("--format " + exportFormat +
                                   " needs --alpha (the LoRA alpha the "
                                   "adapters were trained with)"));
  if (exportFormat == "gguf-lora") {
    if (!StringRef(exportBase).ends_with(".gguf"))
      return fail(qtc::Status::error(
          "--format gguf-lora needs --base MODEL.gguf (the model the "
          "adapter is for)"));
    qtc::GgufLoraAdapterInfo info;
    qtc::Status status = qtc::exportGgufLoraAdapter(
        exportInput, exportAlpha, exportBase, exportOutput, info);
    if (!status.ok())
      return fail(status);
    llvm::errs() << "qtc: wrote " << exportOutput
                 << " (GGUF LoRA adapter: " << info.modules << " modules, r "
                 << info.rank << ", alpha "
                 << llvm::format("%g", exportAlpha.getValue()) << ")\n";
    return 0;
  }
  if (exportFormat != "peft")
    return fail(qtc::Status::error(
        "--format takes peft, gguf-lora or gguf, got '" + exportFormat +
        "' (merged GPTQ models are not written yet)"));
  qtc::PeftAdapterOptions options;
  options.alpha = exportAlpha;
  options.baseModel = exportBase;
  qtc::PeftAdapter adapter;
  qtc::Status status =
      qtc::exportPeftAdapter(exportInput, options, exportOutput, adapter);
  if (!status.ok())
    return fail(status);
  llvm::errs() << "qtc: wrote " << exportOutput
               << " (PEFT LoRA adapter: " << adapter.modules << " modules, r "
               << adapter.rank << ", alpha "
               << llvm::format("%g", exportAlpha.getValue()) << ")\n";
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // The command comes first; anything else there would otherwise be parsed
  // as top-level options and drown in LLVM's own.
  if (argc > 1 && argv[1][0] != '-' &&
      !llvm::is_contained(
          {"compile", "import", "export", "tokenize", "finetune"},
          StringRef(argv[1]))) {
    llvm::errs() << "qtc: error: unknown command '" << argv[1]
                 << "' (expected: compile, import, export, tokenize or "
                    "finetune)\n";
    return 1;
  }
  using qtc::driver::finetuneCommand;
  using qtc::driver::finetuneOptions;
  cl::HideUnrelatedOptions({&compileOptions, &importOptions, &exportOptions,
                            &tokenizeOptions, &finetuneOptions});
  cl::HideUnrelatedOptions(finetuneOptions, finetuneCommand);
  cl::HideUnrelatedOptions(compileOptions, compileCommand);
  cl::HideUnrelatedOptions(importOptions, importCommand);
  cl::HideUnrelatedOptions(exportOptions, exportCommand);
  cl::HideUnrelatedOptions(tokenizeOptions, tokenizeCommand);
  cl::ParseCommandLineOptions(argc, argv,
                              "qtc: quantized fine-tuning compiler\n");
  if (importCommand)
    return runImport();
  if (exportCommand)
    return runExport();
  if (tokenizeCommand)
    return runTokenize();
  if (finetuneCommand)
    return qtc::driver::runFinetune(
        llvm::sys::fs::getMainExecutable(argv[0], (void *)&main));
  if (!compileCommand) {
    llvm::errs() << "qtc: error: no command (expected: compile, import, "
                    "export, tokenize or finetune)\n";
    return 1;
  }
  std::string afterPass;
  bool emitStepSource = emit == "step-cpp";
  if (!emit.empty() && !emitStepSource) {
    StringRef e(emit);
    if (!e.consume_front("mlir-after=")) {
      llvm::errs() << "qtc: error: --emit takes mlir-after=PASS or step-cpp, "
                      "got '"
                   << emit << "'\n";
      return 1;
    }
    afterPass = e.str();
  } else if (emit.empty() && outputDir.empty()) {
    llvm::errs() << "qtc: error: -o OUT is required (or --emit=mlir-after=PASS "
                    "or --emit=step-cpp)\n";
    return 1;
  }

  // A non-finite rate or scale would reach the step's code (where --lr inf
  // failed compiling step.cpp) or be silently replaced by a default.
  for (auto [flag, value] : {std::pair<const char *, double>{"--alpha", alpha},
                             {"--omega", omega},
                             {"--lr", lr},
                             {"--max-grad-norm", maxGradNorm}})
    if (!std::isfinite(value)) {
      llvm::errs() << "qtc: error: " << flag << " must be a finite number, got "
                   << value << "\n";
      return 1;
    }
  if (maxGradNorm < 0) {
    llvm::errs() << "qtc: error: --max-grad-norm must be >= 0, got "
                 << maxGradNorm << "\n";
    return 1;
  }

  FailureOr<Toolchain> toolchain = toolchainFor(target);
  if (failed(toolchain))
    return 1;

  DialectRegistry registry;
  registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  qt::registerArithDifferentiationModels(registry);
  qt::registerTensorDifferentiationModels(registry);
  func::registerInlinerExtension(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  std::string openError;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFile, &openError);
  if (!file) {
    llvm::errs() << "qtc: error: " << openError << "\n";
    return 1;
  }
  if (!qtc::checkIrNesting(file->getBuffer(), inputFile, llvm::errs()))
    return 1;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
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
  if (emitStepSource) {
    FailureOr<std::string> source = stepSource(*module, *toolchain);
    if (failed(source))
      return 1;
    llvm::outs() << *source;
    return 0;
  }
  if (failed(build(*module, *toolchain)))
    return 1;
  llvm::errs()
      << "qtc: wrote " << outputDir
      << "/{libqtc_model.a, qtc_step.h, qtc-step, qtc-train, step.cpp}\n";
  return 0;
}
