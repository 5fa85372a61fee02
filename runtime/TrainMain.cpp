//===- TrainMain.cpp - qtc-train: a compiled model's training loop --------===//
//
//   qtc-train --weights MODEL... --data ids.npy --steps N --out DIR
//             [--eval-share F] [--eval-every K] [--checkpoint-every K]
//             [--schedule constant|cosine] [--warmup W] [--seed S]
//             [--resume] [--stop-after K] [--progress auto|bar|lines]
//
// Linked by `qtc compile` with a model's step (qtc_step.h) when the step is
// a language model's loss: arguments `input_ids` and `labels` [B, S], the
// loss's gradient seed `dy`, and the loss as result 0 (`qtc import --labels
// --loss-only`). Feeds it batches of windows of the token stream (i32 or i64
// .npy, TrainData.h), holds a seeded share of them out and reports their mean
// loss and perplexity before the first step, every K steps and after the last.
//
// Parameters come from the --weights files, else are drawn from --seed by
// their init rule (ParamInit.h); optimizer state starts at zero. A step
// compiled with a run-time learning-rate factor (qtc compile --lr-schedule)
// gets the schedule's factor each step (LrSchedule.h); one that clips its
// gradients reports their norm. DIR gets
//   metrics.jsonl           one JSON object per step and per evaluation
//   checkpoint.safetensors  parameters, optimizer state, step and seed,
//                           written atomically every K steps, at the end and
//                           on Ctrl-C; --resume continues from it bit for bit
//   trained.safetensors     the trained parameters (qtc export reads them)
// A step whose loss or any result is not finite stops the run, naming the
// step, its sequences and the first result that went non-finite; the last
// checkpoint stays as it was.
//
//===----------------------------------------------------------------------===//
#include "runtime/Checkpoint.h"
#include "runtime/FileWrite.h"
#include "runtime/LrSchedule.h"
#include "runtime/Npy.h"
#include "runtime/ParamInit.h"
#include "runtime/Safetensors.h"
#include "runtime/StepTable.h"
#include "runtime/ToolMain.h"
#include "runtime/TrainData.h"
#include "runtime/ValueChecks.h"
#include "runtime/qtc_step.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using qtc::HostTensor;
using qtc::Status;

namespace {

/// The seed argument advances by this much per step (as qtc-step's does), so
/// no two steps share stochastic-rounding draws.
constexpr int64_t kSeedStride = 65536;
constexpr const char *kCheckpointFile = "checkpoint.safetensors";
constexpr const char *kMetricsFile = "metrics.jsonl";

enum class Progress { Auto, Bar, Lines };

struct Options {
  std::vector<std::string> weights;
  std::string data, outDir;
  int64_t steps = 0, seed = 0, evalEvery = 0, checkpointEvery = 0;
  int64_t warmup = 0, stopAfter = 0;
  qtc::LrSchedule schedule = qtc::LrSchedule::Constant;
  double evalShare = 0.1;
  bool resume = false;
  Progress progress = Progress::Auto;
};

std::atomic<bool> interrupted{false};

void onSignal(int) { interrupted = true; }

Status parse(int argc, char **argv, Options &options) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h")
      return Status::error(
          "usage: qtc-train --weights MODEL... --data ids.npy --steps N "
          "--out DIR [--eval-share F] [--eval-every K] "
          "[--checkpoint-every K] [--schedule constant|cosine] [--warmup W] "
          "[--seed S] [--resume] [--stop-after K] "
          "[--progress auto|bar|lines]");
    if (flag == "--resume") {
      options.resume = true;
      continue;
    }
    if (i + 1 == argc)
      return Status::error(flag + " needs a value");
    std::string value = argv[++i];
    auto integer = [&](int64_t &out, int64_t min) {
      char *end = nullptr;
      errno = 0;
      out = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || errno == ERANGE)
        return Status::error(flag + ": not a 64-bit integer: '" + value + "'");
      if (out < min)
        return Status::error(flag + " must be at least " + std::to_string(min));
      return Status::success();
    };
    if (flag == "--weights") {
      options.weights.push_back(value);
    } else if (flag == "--data") {
      options.data = value;
    } else if (flag == "--out") {
      options.outDir = value;
    } else if (flag == "--steps") {
      QTC_RETURN_IF_ERROR(integer(options.steps, 1));
    } else if (flag == "--seed") {
      QTC_RETURN_IF_ERROR(integer(options.seed, 0));
    } else if (flag == "--eval-every") {
      QTC_RETURN_IF_ERROR(integer(options.evalEvery, 0));
    } else if (flag == "--checkpoint-every") {
      QTC_RETURN_IF_ERROR(integer(options.checkpointEvery, 0));
    } else if (flag == "--warmup") {
      QTC_RETURN_IF_ERROR(integer(options.warmup, 0));
    } else if (flag == "--stop-after") {
      QTC_RETURN_IF_ERROR(integer(options.stopAfter, 1));
    } else if (flag == "--schedule") {
      QTC_RETURN_IF_ERROR(qtc::parseLrSchedule(value, options.schedule)
                              .withContext("--schedule"));
    } else if (flag == "--eval-share") {
      char *end = nullptr;
      options.evalShare = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(options.evalShare >= 0) ||
          !(options.evalShare < 1))
        return Status::error("--eval-share takes a number in [0, 1), got '" +
                             value + "'");
    } else if (flag == "--progress") {
      if (value == "auto")
        options.progress = Progress::Auto;
      else if (value == "bar")
        options.progress = Progress::Bar;
      else if (value == "lines")
        options.progress = Progress::Lines;
      else
        return Status::error("--progress takes auto, bar or lines, got '" +
                             value + "'");
    } else {
      return Status::error("unknown option '" + flag + "' (see --help)");
    }
  }
  if (options.data.empty() || options.outDir.empty() || options.steps == 0)
    return Status::error("--data, --steps and --out are required (see --help)");
  if (options.warmup > options.steps)
    return Status::error("--warmup " + std::to_string(options.warmup) +
                         " is longer than --steps " +
                         std::to_string(options.steps));
  return Status::success();
}

/// The step's arguments and results, bound and fed back between steps.
struct Trainer {
  const qtc_program *program = nullptr;
  std::vector<HostTensor> args, results;
  std::vector<void *> argPtrs, resultPtrs;
  int ids = -1, labels = -1, dy = -1, stepArg = -1, seedArg = -1;
  int lrScaleArg = -1, gradNormResult = -1;
  int64_t batch = 0, seqLen = 0;
  std::unique_ptr<void, void (*)(void *)> arena{nullptr, std::free};

  int64_t &stepNumber() { return *args[stepArg].data<int64_t>(); }
  int64_t &seedValue() { return *args[seedArg].data<int64_t>(); }
  float loss() const { return *results[0].data<float>(); }

  /// Writes the B windows `windows` into input_ids and labels.
  void setBatch(const qtc::TokenWindows &data,
                const std::vector<int64_t> &windows);
  /// Runs the step; a failing kernel is an error.
  Status run(const std::string &what);
  /// Copies each updated parameter and state into its argument.
  void feedBack();
};

void Trainer::setBatch(const qtc::TokenWindows &data,
                       const std::vector<int64_t> &windows) {
  for (int a : {ids, labels}) {
    HostTensor &t = args[a];
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t *window = data.window(windows[b]);
      for (int64_t s = 0; s < seqLen; ++s) {
        if (t.dtype == qtc::DType::I64)
          t.data<int64_t>()[b * seqLen + s] = window[s];
        else
          t.data<int32_t>()[b * seqLen + s] = static_cast<int32_t>(window[s]);
      }
    }
  }
}

Status Trainer::run(const std::string &what) {
  if (int code = program->step(argPtrs.data(), resultPtrs.data(), arena.get()))
    return Status::error(what + " failed (error code " + std::to_string(code) +
                         ")");
  return Status::success();
}

void Trainer::feedBack() {
  for (int j = 0; j < program->num_results; ++j)
    if (int target = program->results[j].updates; target >= 0)
      std::memcpy(args[target].bytes.data(), results[j].bytes.data(),
                  results[j].bytes.size());
}

/// Checks that the program is a language model's loss step and finds its
/// special arguments.
Status findArguments(Trainer &t) {
  const qtc_program &p = *t.program;
  t.ids = qtc::findStepArgument(p, "input_ids");
  t.labels = qtc::findStepArgument(p, "labels");
  t.dy = qtc::findStepArgument(p, QTC_ROLE_GRAD);
  t.stepArg = qtc::findStepArgument(p, QTC_ROLE_STEP);
  t.seedArg = qtc::findStepArgument(p, QTC_ROLE_SEED);
  t.lrScaleArg = qtc::findStepArgument(p, QTC_ROLE_LR_SCALE);
  for (int j = 0; j < p.num_results; ++j)
    if (p.results[j].role == QTC_ROLE_GRAD_NORM && p.results[j].rank == 0 &&
        p.results[j].dtype == QTC_F32)
      t.gradNormResult = j;
  std::string expected =
      "qtc-train runs the step of a language model's loss (qtc import "
      "--labels --loss-only, then qtc compile): ";
  if (t.ids < 0 || t.labels < 0)
    return Status::error(expected + "the step has no input_ids and labels");
  const qtc_tensor_info &ids = p.args[t.ids], &labels = p.args[t.labels];
  if (ids.rank != 2 || labels.rank != 2 || ids.shape[0] != labels.shape[0] ||
      ids.shape[1] != labels.shape[1] ||
      (ids.dtype != QTC_I64 && ids.dtype != QTC_I32) ||
      labels.dtype != ids.dtype)
    return Status::error(expected + "input_ids " +
                         qtc::describeStepTensor(ids) + " and labels " +
                         qtc::describeStepTensor(labels) +
                         " are not both [batch, seq_len] i32 or i64");
  t.batch = ids.shape[0];
  t.seqLen = ids.shape[1];
  if (p.num_results < 1 || p.results[0].rank != 0 ||
      p.results[0].dtype != QTC_F32)
    return Status::error(expected + "its first result is not the f32 loss");
  if (t.dy < 0 || p.args[t.dy].rank != 0 || p.args[t.dy].dtype != QTC_F32)
    return Status::error(expected + "it takes no f32 loss gradient");
  if (t.stepArg < 0)
    return Status::error(expected + "it has no optimizer step number");
  for (int i = 0; i < p.num_args; ++i) {
    const qtc_tensor_info &info = p.args[i];
    if (info.role == QTC_ROLE_INPUT && i != t.ids && i != t.labels)
      return Status::error(expected + "it takes input " +
                           qtc::describeStepTensor(info) +
                           ", which qtc-train has no data for");
    if (info.role == QTC_ROLE_GRAD && i != t.dy)
      return Status::error(expected + "it takes a second gradient " +
                           qtc::describeStepTensor(info));
    if (info.role == QTC_ROLE_GRAD_NORM)
      return Status::error(
          "the step takes t-SignSGD's global gradient norm " +
          qtc::describeStepTensor(info) +
          " as an input; qtc-train needs a step that computes it");
  }
  return Status::success();
}

/// The checkpoint's description of the run it belongs to: a resume on
/// another program, seed or data is refused.
std::map<std::string, std::string> runIdentity(const Trainer &t,
                                               const qtc::TokenWindows &data,
                                               const Options &options) {
  std::string_view tokens(reinterpret_cast<const char *>(data.tokens.data()),
                          data.tokens.size() * sizeof(int64_t));
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016" PRIx64, qtc::hashBytes(tokens));
  std::ostringstream share;
  share << options.evalShare;
  return {
      {"qtc.program", t.program->name},
      {"qtc.batch", std::to_string(t.batch) + "x" + std::to_string(t.seqLen)},
      {"qtc.seed", std::to_string(options.seed)},
      {"qtc.data", std::string(hash) + " (" +
                       std::to_string(data.tokens.size()) + " tokens)"},
      {"qtc.eval_share", share.str()},
      {"qtc.schedule",
       std::string(qtc::lrScheduleName(options.schedule)) + " warmup " +
           std::to_string(options.warmup) +
           (options.schedule == qtc::LrSchedule::Cosine
                ? " of " + std::to_string(options.steps) + " steps"
                : "")}};
}

/// Binds every argument: the model's weights, the parameters (given, drawn
/// or resumed), zero optimizer state, the step and seed.
Status bindArguments(Trainer &t, const Options &options,
                     const qtc::Checkpoint &weights,
                     const qtc::SafetensorsFile *resumed) {
  const qtc_program &p = *t.program;
  t.args.resize(p.num_args);
  for (int i = 0; i < p.num_args; ++i) {
    const qtc_tensor_info &info = p.args[i];
    HostTensor &out = t.args[i];
    std::string what = "argument " + qtc::describeStepTensor(info);
    bool learned = info.role == QTC_ROLE_PARAM || info.role == QTC_ROLE_STATE;
    if (i == t.ids || i == t.labels || info.role == QTC_ROLE_STEP ||
        info.role == QTC_ROLE_SEED || info.role == QTC_ROLE_GRAD ||
        info.role == QTC_ROLE_LR_SCALE) {
      out = HostTensor(qtc::stepDType(info), qtc::stepShape(info));
      continue;
    }
    if (resumed && learned) {
      QTC_RETURN_IF_ERROR(resumed->read(info.name, out)
                              .withContext(what + " from the checkpoint"));
    } else if (weights.find(info.name)) {
      QTC_RETURN_IF_ERROR(weights.read(info.name, out).withContext(what));
    } else if (info.role == QTC_ROLE_STATE) {
      out = HostTensor(qtc::stepDType(info), qtc::stepShape(info));
    } else if (info.role == QTC_ROLE_PARAM) {
      QTC_RETURN_IF_ERROR(qtc::initParameter(info, options.seed, out));
    } else {
      return Status::error("missing " + what + ": no --weights file holds it");
    }
    if (out.dtype != qtc::stepDType(info) || out.shape != qtc::stepShape(info))
      return Status::error(what + " was given as " + qtc::dtypeName(out.dtype) +
                           " " + qtc::formatShape(out.shape));
    QTC_RETURN_IF_ERROR(qtc::checkValues(out, info.values).withContext(what));
  }
  float one = 1.0f;
  t.args[t.dy] = qtc::scalarTensor(qtc::DType::F32, &one);
  for (HostTensor &a : t.args)
    t.argPtrs.push_back(a.bytes.data());
  for (int j = 0; j < p.num_results; ++j) {
    t.results.emplace_back(qtc::stepDType(p.results[j]),
                           qtc::stepShape(p.results[j]));
    t.resultPtrs.push_back(t.results.back().bytes.data());
  }
  size_t arenaBytes = (p.arena_bytes + 63) / 64 * 64;
  t.arena.reset(std::aligned_alloc(64, arenaBytes ? arenaBytes : 64));
  if (!t.arena)
    return Status::error("cannot allocate the step's " +
                         std::to_string(p.arena_bytes) + " bytes of scratch");
  return Status::success();
}

/// Reads a 1-D i32 or i64 token stream; a negative id is an error (an id
/// past the vocabulary stops the first step that reads it: the embedding
/// kernel names it).
Status readTokens(const std::string &path, std::vector<int64_t> &tokens) {
  HostTensor t;
  QTC_RETURN_IF_ERROR(qtc::readNpy(path, t));
  if (t.shape.size() != 1 ||
      (t.dtype != qtc::DType::I32 && t.dtype != qtc::DType::I64))
    return Status::error("'" + path + "' holds " + qtc::dtypeName(t.dtype) +
                         " " + qtc::formatShape(t.shape) +
                         ", not a 1-D i32 or i64 token stream");
  tokens.resize(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i) {
    tokens[i] = t.dtype == qtc::DType::I64 ? t.data<int64_t>()[i]
                                           : t.data<int32_t>()[i];
    if (tokens[i] < 0)
      return Status::error("'" + path + "': token " + std::to_string(i) +
                           " is " + std::to_string(tokens[i]) +
                           ", not a token id");
  }
  return Status::success();
}

/// The first result (in table order) holding a non-finite value; -1 if
/// none does.
int firstNonFiniteResult(const Trainer &t) {
  for (int j = 0; j < t.program->num_results; ++j)
    if (qtc::firstNonFinite(t.results[j]) >= 0)
      return j;
  return -1;
}

std::string formatDuration(double seconds) {
  long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

/// Progress on stderr: a bar redrawn in place on a terminal, a plain line
/// per step otherwise.
class ProgressReport {
public:
  ProgressReport(Progress mode, int64_t total)
      : bar(mode == Progress::Bar ||
            (mode == Progress::Auto && isatty(STDERR_FILENO))),
        total(total) {}
  void step(int64_t t, float loss, double tokensPerSecond, double eta) {
    if (!bar) {
      std::fprintf(stderr,
                   "qtc-train: step %" PRId64 "/%" PRId64
                   " loss %.4f %.0f tokens/s eta %s\n",
                   t, total, loss, tokensPerSecond,
                   formatDuration(eta).c_str());
      return;
    }
    constexpr int kWidth = 30;
    int filled = static_cast<int>(kWidth * t / total);
    std::string cells(filled, '#');
    cells.append(kWidth - filled, '.');
    std::fprintf(stderr,
                 "\r[%s] step %" PRId64 "/%" PRId64
                 "  loss %.4f  %.0f tok/s  ETA %s   ",
                 cells.c_str(), t, total, loss, tokensPerSecond,
                 formatDuration(eta).c_str());
    open = true;
  }
  /// A line that must not overwrite the bar.
  void line(const std::string &text) {
    if (open)
      std::fputc('\n', stderr);
    open = false;
    std::fprintf(stderr, "qtc-train: %s\n", text.c_str());
  }
  void finish() {
    if (open)
      std::fputc('\n', stderr);
    open = false;
  }

private:
  bool bar;
  int64_t total;
  bool open = false;
};

/// metrics.jsonl: one object per line, each with the step it belongs to.
class MetricsLog {
public:
  /// Opens DIR/metrics.jsonl; a resumed run keeps the lines up to its
  /// checkpoint's step and drops those a killed run wrote after it.
  Status open(const std::string &path, int64_t keepThrough) {
    std::string kept;
    if (keepThrough > 0) {
      std::ifstream in(path);
      std::string lineText;
      while (std::getline(in, lineText)) {
        long long step = 0;
        if (std::sscanf(lineText.c_str(), "{\"step\": %lld", &step) == 1 &&
            step <= keepThrough)
          kept += lineText + "\n";
      }
    }
    QTC_RETURN_IF_ERROR(
        qtc::writeFileAtomically(path, {{kept.data(), kept.size()}}));
    file = std::fopen(path.c_str(), "a");
    if (!file)
      return Status::error("cannot open '" + path +
                           "': " + std::strerror(errno));
    return Status::success();
  }
  void write(const std::string &object) {
    std::fprintf(file, "%s\n", object.c_str());
    std::fflush(file);
  }
  ~MetricsLog() {
    if (file)
      std::fclose(file);
  }

private:
  std::FILE *file = nullptr;
};

/// A loss for a message: "nan" whatever its sign bit.
std::string lossText(float loss) {
  if (std::isnan(loss))
    return "nan";
  char text[32];
  std::snprintf(text, sizeof text, "%g", loss);
  return text;
}

/// A number for metrics.jsonl: JSON has no NaN or infinity, so those are
/// null.
std::string number(double value) {
  if (!std::isfinite(value))
    return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

Status train(const Options &options) {
  Trainer t;
  t.program = qtc_program_get();
  QTC_RETURN_IF_ERROR(findArguments(t));
  QTC_RETURN_IF_ERROR(
      qtc::createOutputFolder(options.outDir).withContext("--out"));
  std::string checkpointPath = options.outDir + "/" + kCheckpointFile;
  if (t.lrScaleArg < 0 &&
      (options.schedule != qtc::LrSchedule::Constant || options.warmup > 0))
    return Status::error("--schedule " +
                         std::string(qtc::lrScheduleName(options.schedule)) +
                         " --warmup " + std::to_string(options.warmup) +
                         ": this step's learning rate is fixed; compile it "
                         "with qtc compile --lr-schedule");

  std::vector<int64_t> tokens;
  QTC_RETURN_IF_ERROR(readTokens(options.data, tokens));
  qtc::TokenWindows data;
  QTC_RETURN_IF_ERROR(qtc::makeTokenWindows(std::move(tokens), t.seqLen, data)
                          .withContext("'" + options.data + "'"));
  // The held-out share in whole batches, at least one when asked for.
  int64_t evalCount = 0;
  if (options.evalShare > 0)
    evalCount =
        std::max<int64_t>(1, std::llround(options.evalShare * data.count() /
                                          static_cast<double>(t.batch))) *
        t.batch;
  qtc::WindowSplit split;
  QTC_RETURN_IF_ERROR(
      qtc::splitWindows(data.count(), evalCount, options.seed, split)
          .withContext("'" + options.data + "' (" +
                       std::to_string(data.count()) + " sequences of " +
                       std::to_string(t.seqLen) + " tokens)"));
  std::map<std::string, std::string> identity = runIdentity(t, data, options);

  // A resume continues the run its checkpoint belongs to, or nothing.
  std::unique_ptr<qtc::SafetensorsFile> resumed;
  int64_t done = 0;
  if (options.resume) {
    QTC_RETURN_IF_ERROR(qtc::SafetensorsFile::open(checkpointPath, resumed)
                            .withContext("--resume"));
    const auto &meta = resumed->metadata();
    for (const auto &[key, value] : identity) {
      auto it = meta.find(key);
      if (it == meta.end() || it->second != value)
        return Status::error("--resume: '" + checkpointPath +
                             "' belongs to another run: its " + key + " is '" +
                             (it == meta.end() ? "" : it->second) +
                             "', this run's '" + value + "'");
    }
    auto step = meta.find("qtc.step");
    char *end = nullptr;
    done =
        step == meta.end() ? -1 : std::strtoll(step->second.c_str(), &end, 10);
    if (done < 0 || !end || *end != '\0')
      return Status::error("--resume: '" + checkpointPath +
                           "' has no valid qtc.step");
    if (done >= options.steps)
      return Status::error("--resume: the checkpoint is at step " +
                           std::to_string(done) + ", not before --steps " +
                           std::to_string(options.steps));
  }

  qtc::Checkpoint weights;
  for (const std::string &file : options.weights)
    QTC_RETURN_IF_ERROR(weights.add(file));
  QTC_RETURN_IF_ERROR(bindArguments(t, options, weights, resumed.get()));
  resumed.reset();
  t.stepNumber() = done + 1;
  if (t.seedArg >= 0)
    t.seedValue() = options.seed + done * kSeedStride;

  MetricsLog metrics;
  QTC_RETURN_IF_ERROR(metrics.open(options.outDir + "/" + kMetricsFile, done));
  ProgressReport progress(options.progress, options.steps);
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  int64_t trainedParams = 0;
  for (int i = 0; i < t.program->num_args; ++i)
    if (t.program->args[i].role == QTC_ROLE_PARAM)
      trainedParams += t.args[i].numel();
  progress.line(
      std::string(done ? "resuming at step " + std::to_string(done + 1) + ": "
                       : "") +
      std::to_string(split.train.size()) + " training and " +
      std::to_string(split.eval.size()) + " held-out sequences of " +
      std::to_string(t.seqLen) + " tokens, batch " + std::to_string(t.batch) +
      ", " + std::to_string(trainedParams) + " trained parameters");

  // The held-out loss: the step run on each held-out batch without taking
  // its update (the step's loss is the forward's, before the update).
  auto evaluate = [&](int64_t step) -> Status {
    if (split.eval.empty())
      return Status::success();
    // The update is discarded, but its kernels still check the step number
    // against their schedule (t-SignSGD's [1, T]): the last evaluation runs
    // as step T, not T + 1.
    int64_t next = t.stepNumber();
    t.stepNumber() = std::min(next, options.steps);
    double sum = 0;
    int64_t batches = 0;
    for (size_t b = 0; b < split.eval.size(); b += t.batch) {
      std::vector<int64_t> windows(split.eval.begin() + b,
                                   split.eval.begin() + b + t.batch);
      t.setBatch(data, windows);
      QTC_RETURN_IF_ERROR(t.run("evaluation at step " + std::to_string(step)));
      sum += t.loss();
      ++batches;
    }
    t.stepNumber() = next;
    double loss = sum / static_cast<double>(batches);
    metrics.write("{\"step\": " + std::to_string(step) +
                  ", \"eval_loss\": " + number(loss) +
                  ", \"eval_perplexity\": " + number(std::exp(loss)) + "}");
    char text[128];
    std::snprintf(text, sizeof text,
                  "held-out loss %.4f, perplexity %.2f (step %" PRId64 ")",
                  loss, std::exp(loss), step);
    progress.line(text);
    if (!std::isfinite(loss))
      return Status::error("the held-out loss at step " + std::to_string(step) +
                           " is not finite");
    return Status::success();
  };

  int64_t lastCheckpoint = done;
  auto writeCheckpoint = [&](int64_t step, bool final) -> Status {
    qtc::TensorMap tensors, params;
    for (int i = 0; i < t.program->num_args; ++i) {
      qtc_role role = t.program->args[i].role;
      if (role == QTC_ROLE_PARAM)
        params[t.program->args[i].name] = t.args[i];
      if (role == QTC_ROLE_PARAM || role == QTC_ROLE_STATE)
        tensors[t.program->args[i].name] = t.args[i];
    }
    std::map<std::string, std::string> meta = identity;
    meta["qtc.step"] = std::to_string(step);
    QTC_RETURN_IF_ERROR(qtc::writeSafetensors(checkpointPath, tensors, meta));
    lastCheckpoint = step;
    if (final)
      QTC_RETURN_IF_ERROR(
          qtc::writeSafetensors(options.outDir + "/trained.safetensors", params,
                                {{"qtc.step", std::to_string(step)}}));
    return Status::success();
  };

  if (done == 0)
    QTC_RETURN_IF_ERROR(evaluate(0));

  qtc::WindowOrder order(split.train, static_cast<uint64_t>(options.seed));
  auto start = std::chrono::steady_clock::now();
  int64_t tokensPerStep = t.batch * (t.seqLen - 1);
  for (int64_t step = done + 1; step <= options.steps; ++step) {
    std::vector<int64_t> windows(t.batch);
    for (int64_t b = 0; b < t.batch; ++b)
      windows[b] = order.at((step - 1) * t.batch + b);
    t.setBatch(data, windows);
    float lrScale = 1;
    if (t.lrScaleArg >= 0) {
      lrScale = static_cast<float>(qtc::lrFactor(
          options.schedule, step - 1, options.warmup, options.steps));
      *t.args[t.lrScaleArg].data<float>() = lrScale;
    }
    auto stepStart = std::chrono::steady_clock::now();
    QTC_RETURN_IF_ERROR(t.run("step " + std::to_string(step)));
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - stepStart)
                         .count();
    if (int bad = firstNonFiniteResult(t); bad >= 0) {
      std::string list;
      for (int64_t w : windows)
        list += (list.empty() ? "" : ", ") + std::to_string(w);
      progress.finish();
      return Status::error("step " + std::to_string(step) + " (sequences " +
                           list + " of the data) went non-finite: loss " +
                           lossText(t.loss()) + ", first non-finite result " +
                           qtc::describeStepTensor(t.program->results[bad]) +
                           (lastCheckpoint > 0
                                ? "; the checkpoint of step " +
                                      std::to_string(lastCheckpoint) +
                                      " is intact"
                                : "; no checkpoint was written"));
    }
    float loss = t.loss();
    t.feedBack();
    t.stepNumber() += 1;
    if (t.seedArg >= 0)
      t.seedValue() += kSeedStride;

    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    double perStep = elapsed / static_cast<double>(step - done);
    double tokensPerSecond = tokensPerStep / seconds;
    std::string extra;
    if (t.lrScaleArg >= 0)
      extra += ", \"lr_scale\": " + number(lrScale);
    if (t.gradNormResult >= 0)
      extra += ", \"grad_norm\": " +
               number(*t.results[t.gradNormResult].data<float>());
    metrics.write("{\"step\": " + std::to_string(step) + ", \"loss\": " +
                  number(loss) + extra + ", \"seconds\": " + number(seconds) +
                  ", \"tokens_per_second\": " + number(tokensPerSecond) + "}");
    progress.step(step, loss, tokensPerSecond,
                  perStep * static_cast<double>(options.steps - step));

    bool last = step == options.steps;
    if (options.evalEvery > 0 && step % options.evalEvery == 0 && !last)
      QTC_RETURN_IF_ERROR(evaluate(step));
    if (interrupted && !last) {
      progress.finish();
      QTC_RETURN_IF_ERROR(writeCheckpoint(step, /*final=*/false));
      progress.line("interrupted: checkpoint of step " + std::to_string(step) +
                    " written to " + checkpointPath +
                    "; --resume continues from it");
      std::exit(130);
    }
    if (last ||
        (options.checkpointEvery > 0 && step % options.checkpointEvery == 0))
      QTC_RETURN_IF_ERROR(writeCheckpoint(step, last));
    if (step == options.stopAfter && !last) {
      progress.finish();
      QTC_RETURN_IF_ERROR(writeCheckpoint(step, /*final=*/false));
      progress.line("stopped after step " + std::to_string(step) +
                    " (--stop-after): checkpoint written to " + checkpointPath +
                    "; --resume continues from it");
      return Status::success();
    }
  }
  progress.finish();
  QTC_RETURN_IF_ERROR(evaluate(options.steps));
  progress.line("wrote " + options.outDir + "/trained.safetensors, " +
                checkpointPath + " and " + options.outDir + "/" + kMetricsFile);
  return Status::success();
}

} // namespace

int main(int argc, char **argv) {
  return qtc::runTool("qtc-train", [&] {
    Options options;
    Status status = parse(argc, argv, options);
    return status.ok() ? train(options) : status;
  });
}
