//===- qtc-run.cpp - Run a function of qt IR on .npy inputs ---------------===//
//
//   qtc-run FILE.mlir --entry NAME --input a.npy --input b.npy ...
//           [--weights w.safetensors|index.json|MODEL_DIR]...
//           [--zero-state] [--output-dir DIR] [--allow-non-finite]
//
// Arguments are bound in order: an argument whose `qt.name` attribute or
// else source name (%w -> "w") is in --weights takes that tensor (a
// quantized argument takes "w.codes", "w.scales", ... per its storage
// layout); every other argument takes the
// next --input. A quantized --input is a comma-separated list of its storage
// .npy files; a scalar argument may also be a number ("--input 3").
// Results are written as DIR/result<i>.npy (a quantized result as
// DIR/result<i>.<storage>.npy), only once all of them are computed, and one
// summary line per output tensor is printed. With --zero-state, optimizer
// state not in --weights starts at zero (as qtc-step starts it). Stored
// values are checked against their type's storage rules, and a result
// holding an Inf or NaN is an error with nothing written, exactly as in
// qtc-step (runtime/ValueChecks.h; --allow-non-finite writes it).
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/interpreter/Interpreter.h"
#include "dialect/QtDialect.h"
#include "dialect/QtTypes.h"
#include "codegen/ElementDType.h"
#include "codegen/StepValues.h"
#include "runtime/Npy.h"
#include "runtime/Checkpoint.h"
#include "runtime/FileWrite.h"
#include "runtime/ValueChecks.h"
#include "tools/common/IrNesting.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <unistd.h>

using namespace mlir;
using qtc::HostTensor;
using qtc::Status;

namespace {

// qtc-run's own options: --help lists these, not every LLVM option linked in.
llvm::cl::OptionCategory runOptions("qtc-run options");

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<input .mlir file>"),
                                     llvm::cl::Required,
                                     llvm::cl::cat(runOptions));
llvm::cl::opt<std::string>
    entryName("entry",
              llvm::cl::desc("function to run (default: the only public "
                             "one)"),
              llvm::cl::value_desc("name"), llvm::cl::cat(runOptions));
llvm::cl::list<std::string>
    inputs("input",
           llvm::cl::desc("next positional argument: a .npy file, a "
                          "comma-separated list of storage .npy files for a "
                          "quantized argument, or a number for a scalar"),
           llvm::cl::value_desc("value"), llvm::cl::cat(runOptions));
llvm::cl::list<std::string>
    weightsFiles("weights",
                 llvm::cl::desc("bind arguments by name from a .safetensors "
                                "file, a sharded checkpoint's index .json, "
                                "a model folder or a .gguf file (Q8_0, Q4_0 "
                                "and Q4_1 dequantized to f32; repeatable)"),
                 llvm::cl::value_desc("file"), llvm::cl::cat(runOptions));
llvm::cl::opt<bool> zeroState(
    "zero-state",
    llvm::cl::desc("optimizer state (qt.optimizer_state arguments) not in "
                   "--weights starts at zero, as in qtc-step, instead of "
                   "taking an --input"),
    llvm::cl::init(false), llvm::cl::cat(runOptions));
llvm::cl::opt<bool> allowNonFinite(
    "allow-non-finite",
    llvm::cl::desc("write results holding Inf or NaN (an error otherwise, "
                   "as in qtc-step)"),
    llvm::cl::init(false), llvm::cl::cat(runOptions));
llvm::cl::opt<std::string>
    outputDir("output-dir",
              llvm::cl::desc("write results here as result<i>.npy"),
              llvm::cl::value_desc("dir"), llvm::cl::cat(runOptions));

/// The source spelling of a value ("%x", "%r#1"), or "" when unknown.
std::string sourceName(Value value, const AsmParserState &state) {
  auto text = [](llvm::SMRange range) {
    return std::string(range.Start.getPointer(),
                       range.End.getPointer() - range.Start.getPointer());
  };
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    const AsmParserState::BlockDefinition *def =
        state.getBlockDef(arg.getOwner());
    if (def && arg.getArgNumber() < def->arguments.size())
      return text(def->arguments[arg.getArgNumber()].loc);
    return "";
  }
  auto result = cast<OpResult>(value);
  const AsmParserState::OperationDefinition *def =
      state.getOpDef(result.getOwner());
  if (!def)
    return "";
  unsigned index = result.getResultNumber();
  for (auto it = def->resultGroups.rbegin(); it != def->resultGroups.rend();
       ++it)
    if (it->startIndex <= index) {
      std::string name = text(it->definition.loc);
      unsigned groupEnd = it == def->resultGroups.rbegin()
                              ? result.getOwner()->getNumResults()
                              : std::prev(it)->startIndex;
      if (groupEnd - it->startIndex > 1)
        name += "#" + std::to_string(index - it->startIndex);
      return name;
    }
  return "";
}

/// A host tensor from a scalar literal ("3", "0.5") for a scalar type.
/// A scalar given as a number (`--input 3`) rather than a file: `parsed`
/// says whether `text` is one; a number outside `type`'s range, or not
/// finite, is an error.
Status parseScalarLiteral(Type type, const std::string &text,
                          HostTensor &out, bool &parsed) {
  parsed = false;
  if (!type.isIntOrIndexOrFloat() || text.empty())
    return Status::success();
  char *end = nullptr;
  errno = 0;
  if (isa<FloatType>(type)) {
    double value = std::strtod(text.c_str(), &end);
    if (*end || !type.isF32())
      return Status::success();
    parsed = true;
    if (!std::isfinite(value) || std::fabs(value) > FLT_MAX)
      return Status::error("'" + text + "' is not a finite f32");
    out = HostTensor(qtc::DType::F32, {});
    *out.data<float>() = static_cast<float>(value);
    return Status::success();
  }
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (*end)
    return Status::success();
  bool wide = type.isIndex() || type.isInteger(64);
  if (!wide && !type.isInteger(32))
    return Status::success();
  parsed = true;
  if (errno == ERANGE ||
      (!wide && (value < INT32_MIN || value > INT32_MAX)))
    return Status::error("'" + text + "' is outside the range of " +
                         (wide ? std::string("i64") : std::string("i32")));
  if (wide) {
    out = HostTensor(qtc::DType::I64, {});
    *out.data<int64_t>() = value;
  } else {
    out = HostTensor(qtc::DType::I32, {});
    *out.data<int32_t>() = static_cast<int32_t>(value);
  }
  return Status::success();
}

std::vector<std::string> splitCommas(const std::string &text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos)
      return parts;
    start = comma + 1;
  }
}

Status bindValue(Type type, ArrayRef<HostTensor> storage,
                 qt::RuntimeValue &out) {
  auto quantized = dyn_cast<qt::QuantizedTypeInterface>(type);
  if (!quantized)
    return qt::denseFromHost(type, storage.front(), out);
  SmallVector<RankedTensorType> storageTypes = quantized.getStorageTypes();
  SmallVector<std::string> names = qt::getStorageNames(type);
  SmallVector<qt::StorageValues> rules = quantized.getStorageValues();
  SmallVector<qt::RuntimeValue> values;
  for (size_t i = 0; i < storage.size(); ++i) {
    qt::RuntimeValue value;
    QTC_RETURN_IF_ERROR(qt::denseFromHost(storageTypes[i], storage[i], value)
                            .withContext(names[i]));
    values.push_back(std::move(value));
  }
  // Every dtype and shape first, then the values: the checks qtc-step
  // makes on the same tensors.
  for (size_t i = 0; i < storage.size(); ++i)
    QTC_RETURN_IF_ERROR(
        qtc::checkValues(storage[i], qtc::toStepValues(rules[i]))
            .withContext(names[i]));
  return qt::packStorage(type, values, out);
}

Status bindArguments(func::FuncOp func, const AsmParserState &state,
                     SmallVectorImpl<qt::RuntimeValue> &args) {
  // Memory-mapped: only the tensors bound are read.
  qtc::Checkpoint weights;
  for (const std::string &file : weightsFiles)
    QTC_RETURN_IF_ERROR(weights.add(file));
  size_t nextInput = 0;
  for (BlockArgument arg : func.getArguments()) {
    Type type = arg.getType();
    // The weights key: the `qt.name` the passes give arguments, else the
    // source name without its '%'.
    std::string name = sourceName(arg, state);
    std::string key = name.empty() ? "" : name.substr(1);
    if (auto attr =
            func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "qt.name"))
      key = attr.str();
    std::string label = !name.empty() ? name
                        : !key.empty()
                            ? "'" + key + "'"
                            : "#" + std::to_string(arg.getArgNumber());
    std::string context =
        "argument " + label + " (" + qt::typeToString(type) + ")";
    SmallVector<std::string> parts = qt::getStorageNames(type);
    SmallVector<HostTensor> storage;
    bool fromWeights =
        !key.empty() &&
        weights.find(parts.front().empty() ? key : key + "." + parts.front());
    if (fromWeights) {
      for (const std::string &part : parts) {
        std::string tensorName = part.empty() ? key : key + "." + part;
        if (!weights.find(tensorName))
          return Status::error(context + ": the --weights files have no '" +
                               tensorName + "'");
        HostTensor tensor;
        QTC_RETURN_IF_ERROR(weights.read(tensorName, tensor));
        storage.push_back(std::move(tensor));
      }
    } else if (zeroState && func.getArgAttr(arg.getArgNumber(),
                                            "qt.optimizer_state")) {
      for (RankedTensorType tensor : qt::getStorageTypes(type)) {
        std::optional<qtc::DType> dtype =
            qtc::dtypeOfElement(tensor.getElementType());
        if (!dtype)
          return Status::error(context + ": no host type for its storage");
        storage.emplace_back(*dtype, qtc::Shape(tensor.getShape().begin(),
                                                tensor.getShape().end()));
      }
    } else {
      if (nextInput == inputs.size())
        return Status::error(
            context + ": missing input (give one more --input" +
            (key.empty() ? ")" : " or put '" + key + "' in --weights)"));
      std::string spec = inputs[nextInput++];
      HostTensor literal;
      bool isLiteral = false;
      QTC_RETURN_IF_ERROR(parseScalarLiteral(type, spec, literal, isLiteral)
                              .withContext(context));
      if (isLiteral) {
        storage.push_back(literal);
      } else {
        std::vector<std::string> files = splitCommas(spec);
        if (files.size() != parts.size())
          return Status::error(
              context + ": expected " + std::to_string(parts.size()) +
              " comma-separated .npy files, got " +
              std::to_string(files.size()) + " ('" + spec + "')");
        for (const std::string &file : files) {
          HostTensor tensor;
          QTC_RETURN_IF_ERROR(qtc::readNpy(file, tensor).withContext(context));
          storage.push_back(std::move(tensor));
        }
      }
    }
    qt::RuntimeValue value;
    QTC_RETURN_IF_ERROR(bindValue(type, storage, value).withContext(context));
    args.push_back(std::move(value));
  }
  if (nextInput != inputs.size())
    return Status::error(std::to_string(inputs.size() - nextInput) +
                         " --input value(s) left over: @" +
                         func.getSymName().str() + " takes " +
                         std::to_string(func.getNumArguments()) + " arguments");
  return Status::success();
}

struct Output {
  std::string fileStem; // "result0" or "result4.codes"
  std::string label;    // with the source name
  HostTensor tensor;
};

/// Every output lands together (runtime/FileWrite.h).
Status writeOutputs(const std::vector<Output> &outputs) {
  std::vector<qtc::OutputFile> files;
  for (const Output &output : outputs)
    files.push_back({output.fileStem + ".npy",
                     [&output](const std::string &path) {
                       return qtc::writeNpy(path, output.tensor);
                     }});
  return qtc::writeOutputFolder(outputDir, files, "qtc-run");
}

int fail(const Status &status) {
  llvm::errs() << "qtc-run: error: " << status.message() << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(runOptions);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qtc-run: run a function of qt IR on the reference backend\n");

  DialectRegistry registry;
  registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string errorMessage;
  auto file = openInputFile(inputFile, &errorMessage);
  if (!file)
    return fail(Status::error(errorMessage));
  if (!qtc::checkIrNesting(file->getBuffer(), inputFile, llvm::errs()))
    return 1;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  Block parsed;
  AsmParserState state;
  ParserConfig config(&context);
  if (failed(parseAsmSourceFile(sourceMgr, &parsed, config, &state)))
    return 1;
  OwningOpRef<ModuleOp> module;
  if (parsed.getOperations().size() == 1 && isa<ModuleOp>(parsed.front())) {
    module = cast<ModuleOp>(parsed.front());
    module->getOperation()->remove();
  } else {
    module = ModuleOp::create(FileLineColLoc::get(&context, inputFile, 1, 1));
    module->getBody()->getOperations().splice(module->getBody()->begin(),
                                              parsed.getOperations());
  }
  if (failed(verify(*module)))
    return 1;

  // The entry: --entry, else the one public function (private ones are
  // called, as an imported model's layers are).
  func::FuncOp func;
  SmallVector<func::FuncOp> funcs, publicFuncs;
  for (func::FuncOp f : module->getOps<func::FuncOp>()) {
    funcs.push_back(f);
    if (f.isPublic())
      publicFuncs.push_back(f);
  }
  if (!entryName.empty())
    func = module->lookupSymbol<func::FuncOp>(entryName);
  else if (publicFuncs.size() == 1)
    func = publicFuncs.front();
  if (!func) {
    std::string names;
    for (func::FuncOp f : funcs)
      names += " @" + f.getSymName().str();
    return fail(Status::error(
        (entryName.empty()
             ? std::string("give --entry: the file defines")
             : "no function @" + entryName + "; the file defines") +
        (names.empty() ? " none" : names)));
  }

  SmallVector<qt::RuntimeValue> args, results;
  Status status = bindArguments(func, state, args);
  if (!status.ok())
    return fail(status);
  status = qt::interpret(func, args, results);
  if (!status.ok())
    return fail(status);

  std::vector<Output> outputs;
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [index, value] : llvm::enumerate(results)) {
    Value returned = ret.getOperand(index);
    Type type = returned.getType();
    std::string name = sourceName(returned, state);
    SmallVector<std::string> parts = qt::getStorageNames(type);
    SmallVector<qt::RuntimeValue> storage =
        isa<qt::QuantizedTypeInterface>(type)
            ? qt::unpackStorage(type, value)
            : SmallVector<qt::RuntimeValue>{value};
    for (auto [part, stored] : llvm::zip(parts, storage)) {
      Output output;
      output.fileStem =
          "result" + std::to_string(index) + (part.empty() ? "" : "." + part);
      output.label = output.fileStem + (name.empty() ? "" : " (" + name + ")");
      output.tensor = qt::denseToHost(stored);
      outputs.push_back(std::move(output));
    }
  }
  // One policy with qtc-step: a non-finite result fails the run before
  // anything is written.
  for (const Output &output : outputs) {
    if (!allowNonFinite) {
      status = qtc::checkFiniteResult(output.tensor, output.label);
      if (!status.ok())
        return fail(status);
    } else if (qtc::firstNonFinite(output.tensor) >= 0) {
      llvm::errs() << "qtc-run: warning: " << output.label
                   << " has non-finite values (--allow-non-finite)\n";
    }
  }
  if (outputDir.getNumOccurrences()) { // an empty name is refused there
    status = writeOutputs(outputs);
    if (!status.ok())
      return fail(status);
  }
  for (const Output &output : outputs)
    llvm::outs() << output.label << ": " << qt::summarize(output.tensor)
                 << "\n";
  return 0;
}
