//===- IrFuzzer.cpp - libFuzzer target: parser, verifier, interpreter -----===//
//
// Any text as qt IR, as qtc-run takes it: the nesting check, MLIR's parser
// and verifier (the qt dialect's verifiers among them), then the reference
// interpreter on every function whose values are all small, with zero
// arguments. Errors are expected; a crash, a sanitizer report, a leak or a
// hang is a bug. Values of more than kMaxFuzzElements elements are skipped
// so that a run measures the code, not the allocator.
//
//===----------------------------------------------------------------------===//
#include "codegen/ElementDType.h"
#include "codegen/reference/interpreter/Interpreter.h"
#include "dialect/QtDialect.h"
#include "dialect/QtTypes.h"
#include "tools/common/IrNesting.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;

namespace {

constexpr uint64_t kMaxFuzzElements = 1 << 14;

bool isSmall(Type type) {
  SmallVector<RankedTensorType> storage = qt::getStorageTypes(type);
  if (auto shaped = dyn_cast<ShapedType>(type))
    if (!shaped.hasStaticShape())
      return false;
  for (RankedTensorType tensor : storage) {
    if (!tensor.hasStaticShape())
      return false;
    uint64_t count = 0;
    if (!qtc::checkedNumElements(qtc::Shape(tensor.getShape().begin(),
                                            tensor.getShape().end()),
                                 count) ||
        count > kMaxFuzzElements)
      return false;
  }
  return true;
}

/// Zeros of `type` (a zero is a valid value of every quantized storage).
bool zeroValue(Type type, qt::RuntimeValue &out) {
  SmallVector<qt::RuntimeValue> parts;
  for (RankedTensorType tensor : qt::getStorageTypes(type)) {
    std::optional<qtc::DType> dtype =
        qtc::dtypeOfElement(tensor.getElementType());
    if (!dtype)
      return false;
    qtc::HostTensor host(*dtype, qtc::Shape(tensor.getShape().begin(),
                                            tensor.getShape().end()));
    qt::RuntimeValue part;
    if (!qt::denseFromHost(tensor, host, part).ok())
      return false;
    parts.push_back(std::move(part));
  }
  if (type.isIntOrFloat()) {
    std::optional<qtc::DType> dtype = qtc::dtypeOfElement(type);
    if (!dtype)
      return false;
    qtc::HostTensor host(*dtype, {});
    return qt::denseFromHost(type, host, out).ok();
  }
  if (isa<qt::QuantizedTypeInterface>(type))
    return qt::packStorage(type, parts, out).ok();
  if (parts.size() != 1)
    return false;
  out = std::move(parts.front());
  return true;
}

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                    tensor::TensorDialect>();
    auto *c = new MLIRContext(registry);
    c->loadAllAvailableDialects();
    c->printOpOnDiagnostic(false);
    return c;
  }();
  return *ctx;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // MLIR's lexer stops at the NUL after the buffer, as every MemoryBuffer
  // the tools read has; the fuzzer's bytes have none.
  std::string copy(reinterpret_cast<const char *>(data), size);
  llvm::StringRef text(copy);
  std::string ignored;
  llvm::raw_string_ostream errs(ignored);
  if (!qtc::checkIrNesting(text, "fuzz", errs))
    return 0;
  MLIRContext &ctx = context();
  // Diagnostics are expected; printing them would only slow the fuzzer.
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module || failed(verify(*module)))
    return 0;
  bool small = true;
  module->walk([&](Operation *op) {
    for (Type type : op->getResultTypes())
      small &= isSmall(type);
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          small &= isSmall(arg.getType());
  });
  if (!small)
    return 0;
  for (func::FuncOp func : module->getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    SmallVector<qt::RuntimeValue> args, results;
    bool bound = true;
    for (Type type : func.getArgumentTypes()) {
      qt::RuntimeValue value;
      bound &= zeroValue(type, value);
      args.push_back(std::move(value));
    }
    if (bound)
      (void)qt::interpret(func, args, results);
  }
  return 0;
}
