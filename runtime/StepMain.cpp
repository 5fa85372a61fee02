//===- StepMain.cpp - qtc-step: run a compiled layer's training steps -----===//
//
//   qtc-step [--weights FILE.safetensors|INDEX.json|MODEL_DIR]...
//            [--input NAME=FILE.npy]...
//            [--steps N] [--start-step T] [--seed S] [--grad-norm G]
//            [--lr-scale F]
//            [--output-dir DIR] [--allow-non-finite]
//   qtc-step --list-arguments
//
// Linked by `qtc compile` with the layer's library (qtc_step.h). Every
// argument tensor is bound by name from --input, else from the --weights
// (memory-mapped: only the tensors bound are read; a name in two files is
// an error); optimizer state that is not given starts at zero, the step number
// at --start-step and the seed at --seed (advanced by 65536 each step, so
// steps never share stochastic-rounding draws), a schedule's lr_scale at
// --lr-scale (default 1). Each step's updated
// parameters and state are fed back as the next step's arguments. The last
// step's results are written as DIR/result<i>[.<storage>].npy (the names
// qtc-run uses) and the updated tensors, by argument name, to
// DIR/updated.safetensors.
//
// Every argument read is checked against its storage rules (ternary
// adapters, codes within their bits, finite scales), as qtc-run checks
// them, and a step whose results hold an Inf or NaN stops the run with
// nothing written, as qtc-run does (--allow-non-finite writes them).
//
//===----------------------------------------------------------------------===//
#include "runtime/Checkpoint.h"
#include "runtime/FileWrite.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"
#include "runtime/StepTable.h"
#include "runtime/ToolMain.h"
#include "runtime/ValueChecks.h"
#include "runtime/qtc_step.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

using qtc::HostTensor;
using qtc::Status;

namespace {

struct Options {
  std::vector<std::string> weights;
  std::map<std::string, std::string> inputs;
  int64_t steps = 1, startStep = 1, seed = 0;
  bool hasGradNorm = false;
  float gradNorm = 0;
  float lrScale = 1;
  std::string outputDir = ".";
  bool listArguments = false;
  bool allowNonFinite = false;
};

constexpr int64_t kSeedStride = 65536;

Status parse(int argc, char **argv, Options &options) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h")
      return Status::error(
          "usage: qtc-step [--weights FILE.safetensors|INDEX.json|DIR]... "
          "[--input NAME=FILE.npy]... [--steps N] [--start-step T] "
          "[--seed S] [--grad-norm G] [--lr-scale F] [--output-dir DIR] "
          "[--allow-non-finite]\n"
          "       qtc-step --list-arguments   (name, dtype, shape and role "
          "of each argument)");
    if (flag == "--list-arguments") {
      options.listArguments = true;
      continue;
    }
    if (flag == "--allow-non-finite") {
      options.allowNonFinite = true;
      continue;
    }
    if (i + 1 == argc)
      return Status::error(flag + " needs a value");
    std::string value = argv[++i];
    char *end = nullptr;
    auto integer = [&](int64_t &out) {
      errno = 0;
      out = std::strtoll(value.c_str(), &end, 10);
      if (*end != '\0' || value.empty())
        return Status::error(flag + ": not an integer: '" + value + "'");
      if (errno == ERANGE)
        return Status::error(flag + ": '" + value +
                             "' is outside the 64-bit integers");
      return Status::success();
    };
    if (flag == "--weights") {
      options.weights.push_back(value);
    } else if (flag == "--input") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0)
        return Status::error("--input takes NAME=FILE.npy, got '" + value +
                             "'");
      if (!options.inputs.emplace(value.substr(0, eq), value.substr(eq + 1))
               .second)
        return Status::error("--input " + value.substr(0, eq) +
                             " is given twice");
    } else if (flag == "--steps") {
      QTC_RETURN_IF_ERROR(integer(options.steps));
      if (options.steps < 1)
        return Status::error("--steps must be at least 1");
    } else if (flag == "--start-step") {
      QTC_RETURN_IF_ERROR(integer(options.startStep));
      if (options.startStep < 1)
        return Status::error("--start-step must be at least 1");
    } else if (flag == "--seed") {
      QTC_RETURN_IF_ERROR(integer(options.seed));
    } else if (flag == "--grad-norm") {
      options.gradNorm = std::strtof(value.c_str(), &end);
      if (*end != '\0' || value.empty() || !std::isfinite(options.gradNorm))
        return Status::error("--grad-norm: not a finite number: '" + value +
                             "'");
      options.hasGradNorm = true;
    } else if (flag == "--lr-scale") {
      options.lrScale = std::strtof(value.c_str(), &end);
      if (*end != '\0' || value.empty() || !std::isfinite(options.lrScale) ||
          options.lrScale < 0)
        return Status::error("--lr-scale: not a finite number >= 0: '" + value +
                             "'");
    } else if (flag == "--output-dir") {
      options.outputDir = value;
    } else {
      return Status::error("unknown option '" + flag + "' (see --help)");
    }
  }
  return Status::success();
}

/// The value of one argument tensor at the first step.
Status bind(const qtc_tensor_info &info, const Options &options,
            const qtc::Checkpoint &weights, HostTensor &out) {
  switch (info.role) {
  case QTC_ROLE_STEP:
    out = qtc::scalarTensor(qtc::DType::I64, &options.startStep);
    return Status::success();
  case QTC_ROLE_SEED:
    out = qtc::scalarTensor(qtc::DType::I64, &options.seed);
    return Status::success();
  case QTC_ROLE_GRAD_NORM:
    if (!options.hasGradNorm)
      return Status::error("argument " + qtc::describeStepTensor(info) +
                           " is t-SignSGD's global gradient norm: pass "
                           "--grad-norm");
    out = qtc::scalarTensor(qtc::DType::F32, &options.gradNorm);
    return Status::success();
  case QTC_ROLE_LR_SCALE:
    out = qtc::scalarTensor(qtc::DType::F32, &options.lrScale);
    return Status::success();
  default:
    break;
  }
  if (auto it = options.inputs.find(info.name); it != options.inputs.end()) {
    QTC_RETURN_IF_ERROR(
        qtc::readNpy(it->second, out)
            .withContext("argument " + qtc::describeStepTensor(info)));
  } else if (weights.find(info.name)) {
    QTC_RETURN_IF_ERROR(
        weights.read(info.name, out)
            .withContext("argument " + qtc::describeStepTensor(info)));
  } else if (info.role == QTC_ROLE_STATE) {
    out = HostTensor(qtc::stepDType(info), qtc::stepShape(info)); // zero-filled
    return Status::success();
  } else {
    return Status::error("missing argument " + qtc::describeStepTensor(info) +
                         ": pass --input " + info.name +
                         "=FILE.npy or put it in a --weights file");
  }
  if (out.dtype != qtc::stepDType(info) || out.shape != qtc::stepShape(info))
    return Status::error("argument " + qtc::describeStepTensor(info) +
                         " was given as " + qtc::dtypeName(out.dtype) + " " +
                         qtc::formatShape(out.shape));
  // The storage rules qtc-run checks too (a ternary adapter holding a 2).
  return qtc::checkValues(out, info.values)
      .withContext("argument " + qtc::describeStepTensor(info));
}

Status run(const Options &options) {
  const qtc_program *program = qtc_program_get();
  if (options.listArguments) {
    // One line per argument: NAME DTYPE SHAPE ROLE (shape "[]" for scalars).
    for (int i = 0; i < program->num_args; ++i) {
      const qtc_tensor_info &info = program->args[i];
      std::printf("%s %s %s %s\n", info.name,
                  qtc::dtypeName(qtc::stepDType(info)),
                  qtc::formatShape(qtc::stepShape(info)).c_str(),
                  qtc::stepRoleName(info.role));
    }
    return Status::success();
  }
  qtc::Checkpoint weights;
  for (const std::string &file : options.weights)
    QTC_RETURN_IF_ERROR(weights.add(file));
  std::vector<HostTensor> args(program->num_args),
      results(program->num_results);
  std::vector<void *> argPtrs, resultPtrs;
  for (int i = 0; i < program->num_args; ++i) {
    QTC_RETURN_IF_ERROR(bind(program->args[i], options, weights, args[i]));
    argPtrs.push_back(args[i].bytes.data());
  }
  for (int i = 0; i < program->num_results; ++i) {
    results[i] = HostTensor(qtc::stepDType(program->results[i]),
                            qtc::stepShape(program->results[i]));
    resultPtrs.push_back(results[i].bytes.data());
  }
  bool takesGradNorm = false;
  for (int i = 0; i < program->num_args; ++i)
    takesGradNorm |= program->args[i].role == QTC_ROLE_GRAD_NORM;
  if (options.hasGradNorm && !takesGradNorm)
    return Status::error("--grad-norm: this program computes its gradient "
                         "norm (or has no t-SignSGD); drop the flag");
  for (const auto &[name, file] : options.inputs) {
    const qtc_tensor_info *arg = nullptr;
    for (int i = 0; i < program->num_args; ++i)
      if (name == program->args[i].name)
        arg = &program->args[i];
    if (!arg)
      return Status::error("--input " + name +
                           ": the program has no argument '" + name + "'");
    // The step number and seed come from their flags, never a file.
    if (arg->role == QTC_ROLE_STEP || arg->role == QTC_ROLE_SEED)
      return Status::error(
          "--input " + name + ": " + qtc::describeStepTensor(*arg) +
          " is set by " +
          (arg->role == QTC_ROLE_STEP ? "--start-step" : "--seed"));
  }
  // A bad output folder fails before the steps run, not after.
  QTC_RETURN_IF_ERROR(
      qtc::createOutputFolder(options.outputDir).withContext("--output-dir"));
  size_t arenaBytes = (program->arena_bytes + 63) / 64 * 64;
  std::unique_ptr<void, void (*)(void *)> arena(
      std::aligned_alloc(64, arenaBytes ? arenaBytes : 64), std::free);

  for (int64_t k = 0; k < options.steps; ++k) {
    int64_t t = options.startStep + k;
    auto start = std::chrono::steady_clock::now();
    if (int code =
            program->step(argPtrs.data(), resultPtrs.data(), arena.get()))
      return Status::error("step " + std::to_string(t) +
                           " failed (error code " + std::to_string(code) + ")");
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    // A result outside its storage rules is a kernel bug; a non-finite
    // one, a diverged run (NaN spreads from there): both stop here.
    for (int j = 0; j < program->num_results; ++j) {
      std::string what = "step " + std::to_string(t) + ": result " +
                         qtc::describeStepTensor(program->results[j]);
      qtc_values rule = program->results[j].values;
      if (options.allowNonFinite && rule.kind == QTC_VALUES_FINITE)
        rule.kind = QTC_VALUES_ANY;
      QTC_RETURN_IF_ERROR(qtc::checkValues(results[j], rule).withContext(what));
      if (options.allowNonFinite) {
        if (k + 1 == options.steps && qtc::firstNonFinite(results[j]) >= 0)
          std::fprintf(stderr,
                       "qtc-step: warning: %s has non-finite values "
                       "(written: --allow-non-finite)\n",
                       what.c_str());
      } else {
        QTC_RETURN_IF_ERROR(qtc::checkFiniteResult(results[j], what));
      }
    }
    std::fprintf(stderr, "qtc-step: step %lld (%lld of %lld) took %.2f ms\n",
                 static_cast<long long>(t), static_cast<long long>(k + 1),
                 static_cast<long long>(options.steps), ms);
    if (k + 1 == options.steps)
      break;
    for (int j = 0; j < program->num_results; ++j)
      if (int target = program->results[j].updates; target >= 0)
        std::memcpy(args[target].bytes.data(), results[j].bytes.data(),
                    results[j].bytes.size());
    for (int i = 0; i < program->num_args; ++i) {
      if (program->args[i].role == QTC_ROLE_STEP)
        *args[i].data<int64_t>() += 1;
      else if (program->args[i].role == QTC_ROLE_SEED)
        *args[i].data<int64_t>() += kSeedStride;
    }
  }

  // Every result and the updated tensors land together (FileWrite.h).
  qtc::TensorMap updated;
  std::vector<qtc::OutputFile> files;
  for (int j = 0; j < program->num_results; ++j) {
    const qtc_tensor_info &info = program->results[j];
    const HostTensor &result = results[j];
    files.push_back(
        {std::string(info.name) + ".npy", [&result](const std::string &path) {
           return qtc::writeNpy(path, result);
         }});
    if (info.updates >= 0)
      updated[program->args[info.updates].name] = results[j];
  }
  if (!updated.empty())
    files.push_back(
        {"updated.safetensors", [&updated](const std::string &path) {
           return qtc::writeSafetensors(path, updated);
         }});
  QTC_RETURN_IF_ERROR(
      qtc::writeOutputFolder(options.outputDir, files, "qtc-step"));
  std::fprintf(stderr,
               "qtc-step: wrote %d results and %zu updated tensors to %s\n",
               program->num_results, updated.size(), options.outputDir.c_str());
  return Status::success();
}

} // namespace

int main(int argc, char **argv) {
  return qtc::runTool("qtc-step", [&] {
    Options options;
    Status status = parse(argc, argv, options);
    return status.ok() ? run(options) : status;
  });
}
