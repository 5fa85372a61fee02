//===- StepCodegen.cpp - a kernel graph to a C++ training step ------------===//
//
// Every tensor of the step lives in a buffer: an argument, a result, or a
// slice of the arena at the offset qt-plan-memory chose. Each qt.kernel
// calls the registry kernel qt-select-kernels chose for it (its `ukernel`:
// codegen/registry/KernelRegistry.h, the generators the AOT kernel tests
// check against the reference); this file only binds the call's arguments,
// by name, checked against the entry's element types and ranks. Scalars
// (the step, seeds) are C++ expressions.
//
//===----------------------------------------------------------------------===//
#include "codegen/step/StepCodegen.h"

#include "codegen/ElementDType.h"
#include "codegen/StepValues.h"
#include "codegen/reference/interpreter/RuntimeValue.h"
#include "codegen/registry/KernelRegistry.h"

#include "dialect/ModulePath.h"
#include "dialect/QtOps.h"
#include "passes/Passes.h"
#include "passes/Views.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include <map>

using namespace mlir;
using namespace mlir::qt;
namespace kr = qtc::kernels;

namespace {

/// One storage tensor of a value and where it lives.
struct Slot {
  std::string ptr;
  RankedTensorType type;
};

/// The qtc_dtype enumerator of an element type (qtc_step.h lists them in
/// qtc::DType's order, named after dtypeName: QTC_F32, QTC_I8, ...).
FailureOr<std::string> dtypeOf(Type element) {
  std::optional<qtc::DType> dtype = qtc::dtypeOfElement(element);
  if (!dtype)
    return failure();
  return "QTC_" + StringRef(qtc::dtypeName(*dtype)).upper();
}

/// The registry's element type of an MLIR element type.
std::optional<kr::ElemType> elemTypeOf(Type element) {
  if (element.isF16())
    return kr::ElemType::F16;
  if (element.isBF16())
    return kr::ElemType::BF16;
  if (element.isF32())
    return kr::ElemType::F32;
  if (element.isF64())
    return kr::ElemType::F64;
  if (element.isInteger(8))
    return kr::ElemType::I8;
  if (element.isInteger(32))
    return kr::ElemType::I32;
  if (element.isInteger(64))
    return kr::ElemType::I64;
  return std::nullopt;
}

/// The Halide type constant (runtime/qtc_kernel_call.h) of an element type.
std::string halideType(kr::ElemType type) {
  return "k" + StringRef(kr::elemTypeName(type)).upper();
}

/// One argument of a kernel call: a C++ expression, and for a buffer view
/// its element type and rank (checked against the registry).
struct Operand {
  std::string expr;
  bool scalar = false;
  std::optional<kr::ElemType> type;
  int rank = -1;
  /// A view's largest extent or stride (Halide's dimensions are int32).
  int64_t largestDimension = 0;
  /// A view's extents, "2048x576", for the step's profile.
  std::string shape;
};

/// The largest extent or stride of a dense row-major view of `shape`.
int64_t largestDimension(ArrayRef<int64_t> shape) {
  int64_t largest = 0, stride = 1;
  for (int64_t d : llvm::reverse(shape)) {
    largest = std::max({largest, d, stride});
    stride *= d;
  }
  return largest;
}

Operand scalarOperand(std::string expr) { return {std::move(expr), true}; }
/// An integer literal of the kernel argument's C type.
Operand int32Operand(int64_t value) {
  return scalarOperand("int32_t(" + std::to_string(value) + ")");
}
Operand int64Operand(int64_t value) {
  return scalarOperand("int64_t(" + std::to_string(value) + ")");
}

std::string shapeList(ArrayRef<int64_t> shape) {
  std::string s = "{";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "}";
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + std::to_string(d);
  return s.empty() ? "scalar" : s;
}

/// A qtc_values initializer: what a storage tensor may hold.
std::string valuesInit(const StorageValues &storageValues) {
  qtc_values values = qtc::toStepValues(storageValues);
  const char *kind = values.kind == QTC_VALUES_RANGE    ? "QTC_VALUES_RANGE"
                     : values.kind == QTC_VALUES_FINITE ? "QTC_VALUES_FINITE"
                                                        : "QTC_VALUES_ANY";
  return std::string("{") + kind + ", " + std::to_string(values.min) + ", " +
         std::to_string(values.max) + "}";
}

/// A view of `slot` as `shape` of element type `type` (std::nullopt: one
/// the registry does not name, which no argument binding accepts).
Operand viewAs(const Slot &slot, ArrayRef<int64_t> shape,
               std::optional<kr::ElemType> type) {
  return {"view(" + (type ? halideType(*type) : "kF32") + ", " + slot.ptr +
              ", " + shapeList(shape) + ")",
          false, type, static_cast<int>(shape.size()), largestDimension(shape),
          shapeText(shape)};
}

/// A view of `slot` with its own shape, or (`as` given) reinterpreted as
/// another element type of the same size (f16 bits as u16).
Operand view(const Slot &slot, std::optional<kr::ElemType> as = std::nullopt) {
  return viewAs(slot, slot.type.getShape(),
                as ? as : elemTypeOf(slot.type.getElementType()));
}

/// `slot` as one dimension of all its elements.
Operand flat(const Slot &slot) {
  return viewAs(slot, {slot.type.getNumElements()},
                elemTypeOf(slot.type.getElementType()));
}

/// `text` as a C++ string literal. Names and source locations come from
/// downloaded models and user files: every byte outside printable ASCII is
/// an octal escape, as are the quote, the backslash and '?' (no trigraph
/// can form), so no input can end the literal.
std::string cppString(StringRef text) {
  std::string s = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\' || c == '?' || c < 0x20 || c > 0x7e) {
      char octal[5];
      std::snprintf(octal, sizeof octal, "\\%03o", c);
      s += octal;
    } else {
      s += static_cast<char>(c);
    }
  }
  return s + "\"";
}

/// `text` for a // comment: letters, digits and a few punctuation marks
/// kept, anything else (a newline, a backslash that would splice the next
/// line in) replaced by '_'.
std::string commentText(StringRef text) {
  std::string s;
  for (char c : text)
    s += llvm::isAlnum(c) || StringRef(" ._:@/()+-#,=").contains(c) ? c : '_';
  return s;
}

std::string doubleLiteral(double value) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.17g", value);
  return s;
}

std::string floatLiteral(double value) {
  return "static_cast<float>(" + doubleLiteral(value) + ")";
}

/// file:line:col of the source `loc` points into, or "".
std::string sourcePosition(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (llvm::sys::path::filename(file.getFilename().getValue()) + ":" +
            Twine(file.getLine()) + ":" + Twine(file.getColumn()))
        .str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string s = sourcePosition(inner); !s.empty())
        return s;
  if (auto named = dyn_cast<NameLoc>(loc))
    return sourcePosition(named.getChildLoc());
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return sourcePosition(call.getCallee());
  return "";
}

/// Where an op came from: its source position, else the model module an
/// imported graph names (`model.layers.3.self_attn.q_proj`).
std::string describe(Location loc) {
  std::string position = sourcePosition(loc);
  return position.empty() ? modulePath(loc) : position;
}

/// dDW's factor c of the offset's gradient: 1/omega or 1 (NUMERICS.md 4).
std::string offsetScaleOf(LotaDeltaGradOp grad) {
  return grad.getOffsetScale() == OffsetScale::InvOmega
             ? "1.0 / " + doubleLiteral(grad.getOmega().convertToDouble())
             : "1.0";
}

class StepEmitter {
public:
  StepEmitter(func::FuncOp func, const StepOptions &options)
      : func(func), options(options) {}

  FailureOr<StepProgram> emit();

private:
  // Where values live.
  LogicalResult bindArguments();
  LogicalResult bindScalar(Operation *op);
  Value outer(KernelOp kernel, Value inner) const;
  const SmallVector<Slot> &slotsOf(Value value) { return slots[value]; }
  std::string scalar(Value value) { return scalars.lookup(value); }

  // Kernels: each binds the arguments of the kernel's ukernel.
  LogicalResult lower(KernelOp kernel);
  /// `lhs` replaces the view of A (a slice read in place); a non-empty
  /// `scale` is the factor of a fused epilogue.
  LogicalResult lowerMatmul(KernelOp kernel, MatmulOp matmul,
                            std::optional<Operand> lhs = std::nullopt,
                            std::string scale = "", Value addend = Value());
  LogicalResult lowerCast(KernelOp kernel, Operation *cast);
  LogicalResult lowerElementwise(KernelOp kernel, Operation *op);
  LogicalResult lowerAdamW(KernelOp kernel, AdamWOp op);
  LogicalResult lowerTSignSgd(KernelOp kernel, TSignSGDOp op);
  LogicalResult lowerGlobalNorm(KernelOp kernel, GlobalNormOp op);
  LogicalResult lowerLotaMerge(KernelOp kernel, LotaMergeOp merge);
  LogicalResult lowerLotaDeltaGrad(KernelOp kernel, LotaDeltaGradOp grad);
  /// One op of LoTA's merge chain, or dDW, as a kernel of its own.
  LogicalResult lowerLotaStage(KernelOp kernel, Operation *op);
  /// A merged affine weight keeps its base's scales: copied into `out`.
  void copyScales(const SmallVector<Slot> &weight,
                  const SmallVector<Slot> &out) {
    body += "  copy(" + out[1].ptr + ", " + weight[1].ptr + ", " +
            std::to_string(getByteSize(weight[1].type)) + ");\n";
  }
  LogicalResult lowerAffineMatmul(KernelOp kernel, Value x, Value weight,
                                  Value weak, Slot out);

  /// Where a kernel writes the inner result `value`: its kernel result's
  /// slot, or scratch in the step when nothing reads it (a gradient op's
  /// unused output, such as a frozen norm weight's).
  Slot resultSlot(KernelOp kernel, Value value) {
    for (auto [i, yielded] : llvm::enumerate(kernel.getYield().getValues()))
      if (yielded == value)
        return slotsOf(kernel.getResult(i))[0];
    auto type = cast<RankedTensorType>(value.getType());
    std::string name = "scratch" + std::to_string(numScratch++);
    body += "  std::vector<float> " + name + "(" +
            std::to_string(type.getNumElements()) + ");\n";
    return Slot{name + ".data()", type};
  }

  /// The index in `results` of storage tensor `part` of the first return
  /// operand that is `value`; -1 if it is not returned.
  int resultTensorOf(Value value, unsigned part);

  using Args = std::map<std::string, Operand>;
  /// One call of the kernel's ukernel, arguments bound by name. An
  /// optimizer's `step` must lie in [1, `lastStep`] ("-1": no upper end);
  /// the kernels do not check it, so the step does. Fails on arguments the
  /// registry entry does not take, or of the wrong type or rank.
  LogicalResult call(KernelOp kernel, const Args &args,
                     const std::string &step = "",
                     const std::string &lastStep = "-1");
  /// The ukernel's generator, for the lowerings that bind by it.
  StringRef generatorOf(KernelOp kernel) {
    return kernel.getUkernelAttr().getGenerator();
  }
  /// The library (C function) of one kernel and resolved parameters.
  std::string library(const kr::Kernel &entry, const kr::ParamValues &values);
  std::string tensorTable(ArrayRef<std::string> rows);

  func::FuncOp func;
  StepOptions options;
  DenseMap<Value, SmallVector<Slot>> slots;
  DenseMap<Value, std::string> scalars;
  SmallVector<Slot> results;
  std::string body;
  std::vector<KernelLibrary> kernels;
  std::map<std::string, std::string> kernelByKey;
  unsigned numCalls = 0;
  /// The profile's sites (ProfileSite in qtc_kernel_call.h), numbered in
  /// order of first call.
  std::map<std::string, unsigned> profileSites;
  std::vector<std::string> profileNames;
  /// The step's body in parts of at most kCallsPerPart kernel calls, one
  /// function each: g++ takes minutes on one function of a 30-layer model's
  /// thousands of calls, seconds on the parts.
  static constexpr unsigned kCallsPerPart = 32;
  std::vector<std::string> parts;
  unsigned callsInPart = 0;
  void closePart() {
    parts.push_back(std::move(body));
    body.clear();
    callsInPart = 0;
  }
  /// Scalars computed in the step (`sc.<name>` in every part).
  std::vector<std::string> scalarMembers;
  std::string newScalar(StringRef ctype) {
    std::string name = "s" + std::to_string(scalarMembers.size());
    scalarMembers.push_back(ctype.str() + " " + name + ";");
    return "sc." + name;
  }
  unsigned numScratch = 0;
  unsigned numTables = 0;
  std::vector<std::string> argRows, resultRows;
  SmallVector<unsigned> argBase; // first tensor index of each argument
};

std::string StepEmitter::library(const kr::Kernel &entry,
                                 const kr::ParamValues &values) {
  std::string key = entry.generator + " " + values.str();
  auto [it, inserted] = kernelByKey.try_emplace(key, "");
  if (inserted) {
    // Named after what it computes, so that the same kernel has the same
    // C function in every program (the kernel cache shares it).
    std::string name = "qtc_" + entry.generator + "_" +
                       llvm::utohexstr(llvm::xxh3_64bits(key), true, 16);
    while (llvm::any_of(
        kernels, [&](const KernelLibrary &k) { return k.function == name; }))
      name += "_";
    it->second = name;
    kernels.push_back({it->second, entry.generator, values.settings(),
                       entry.targets(values)});
  }
  return it->second;
}

LogicalResult StepEmitter::call(KernelOp kernel, const Args &bound,
                                const std::string &step,
                                const std::string &lastStep) {
  UKernelAttr ukernel = kernel.getUkernelAttr();
  StringRef generator = ukernel.getGenerator();
  const kr::Kernel *entry = kr::lookup(generator.str());
  if (!entry)
    return kernel.emitOpError("has no registry kernel '") << generator << "'";
  std::string error;
  std::optional<kr::ParamValues> values =
      entry->resolve(ukernel.getSettings(), &error);
  if (!values)
    return kernel.emitOpError(error);
  // The host libraries' signature (the VNNI variant's differs only in the
  // element type of a packed operand, which no call here binds).
  std::vector<kr::Arg> signature =
      entry->signature(*values, kr::TargetClass::X86Avx2);
  for (const auto &[name, operand] : bound)
    if (llvm::none_of(signature,
                      [&](const kr::Arg &a) { return a.name == name; }))
      return kernel.emitOpError("binds '")
             << name << "', which kernel " << generator << " does not take";
  std::vector<Operand> args;
  for (const kr::Arg &a : signature) {
    auto it = bound.find(a.name);
    if (it == bound.end()) {
      if (!a.unused)
        return kernel.emitOpError("leaves argument '")
               << a.name << "' of kernel " << generator << " unbound";
      // Declared for a uniform signature, read by no schedule of these
      // parameters.
      args.push_back(a.isScalar()
                         ? scalarOperand("0")
                         : Operand{"view(" + halideType(a.type) +
                                       ", &kUnused, {" +
                                       (a.rank == 1 ? "1" : "1, 1") + "})",
                                   false, a.type, a.rank});
      continue;
    }
    const Operand &o = it->second;
    if (o.largestDimension > std::numeric_limits<int32_t>::max())
      return kernel.emitOpError("passes '")
             << a.name << "' of kernel " << generator
             << " a view with an extent or stride of " << o.largestDimension
             << ", more than a Halide buffer dimension holds (2^31 - 1)";
    if (o.scalar != a.isScalar() ||
        (!o.scalar && (o.type != a.type || o.rank != a.rank)))
      return kernel.emitOpError("binds '")
             << a.name << "' of kernel " << generator << " to "
             << (o.scalar ? std::string("a scalar")
                          : std::string(o.type ? kr::elemTypeName(*o.type)
                                               : "an unknown type") +
                                " rank " + std::to_string(o.rank))
             << ", expected "
             << (a.isScalar() ? std::string("a scalar")
                              : std::string(kr::elemTypeName(a.type)) +
                                    " rank " + std::to_string(a.rank));
    args.push_back(o);
  }
  std::string function = library(*entry, *values);
  // The profile's site: calls of one kernel on the same shapes add up.
  std::string what = kernel.getKind().str() + " " + generator.str();
  if (!values->str().empty())
    what += " (" + values->str() + ")";
  for (const Operand &arg : args)
    if (!arg.scalar && !arg.shape.empty())
      what += " " + arg.shape;
  auto [site, newSite] = profileSites.try_emplace(what, profileSites.size());
  if (newSite)
    profileNames.push_back(what);
  std::string siteRef = "kProfile[" + std::to_string(site->second) + "]";
  ++callsInPart;
  std::string label = std::to_string(numCalls++) + " (" +
                      kernel.getKind().str() + " at " +
                      describe(kernel.getLoc()) + ")";
  body += "  // kernel " + commentText(label) + "\n";
  if (!step.empty())
    body += "  if (int e = checkStep(" + cppString(label) + ", " + step + ", " +
            lastStep + "))\n    return e;\n";
  body += "  {\n    const int64_t start = profileStart();\n";
  if (!options.syncDeviceBuffers) {
    body += "    if (int e = " + function + "(";
    for (auto [i, arg] : llvm::enumerate(args))
      body += (i ? ",\n          " : "\n          ") + arg.expr;
    body += "))\n      return fail(" + cppString(label) + ", e);\n";
    body += "    profileStop(" + siteRef + ", start);\n  }\n";
    return success();
  }
  // Named views, so that each can be brought back to the host afterwards.
  SmallVector<std::string> names;
  for (const Operand &arg : args) {
    if (arg.scalar) {
      names.push_back(arg.expr);
      continue;
    }
    names.push_back("b" + std::to_string(names.size()));
    body += "    View " + names.back() + " = " + arg.expr + ";\n";
  }
  body += "    if (int e = " + function + "(" + llvm::join(names, ", ") +
          "))\n      return fail(" + cppString(label) + ", e);\n";
  for (auto [name, arg] : llvm::zip_equal(names, args))
    if (!arg.scalar)
      body +=
          "    " + name + ".copy_to_host();\n    " + name + ".device_free();\n";
  body += "    profileStop(" + siteRef + ", start);\n  }\n";
  return success();
}

int StepEmitter::resultTensorOf(Value value, unsigned part) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  int index = 0;
  for (Value operand : ret.getOperands()) {
    if (operand == value)
      return index + part;
    index += getStorageTypes(operand.getType()).size();
  }
  return -1;
}

Value StepEmitter::outer(KernelOp kernel, Value inner) const {
  auto arg = dyn_cast<BlockArgument>(inner);
  if (arg && arg.getOwner() == &kernel.getBodyBlock())
    return kernel.getInputs()[arg.getArgNumber()];
  return Value();
}

LogicalResult StepEmitter::bindArguments() {
  unsigned index = 0;
  for (BlockArgument arg : func.getArguments()) {
    unsigned i = arg.getArgNumber();
    argBase.push_back(index);
    auto name = func.getArgAttrOfType<StringAttr>(i, attr::kName);
    std::string base = name ? name.str() : "arg" + std::to_string(i);
    StringRef role = "QTC_ROLE_INPUT";
    if (func.getArgAttr(i, attr::kTrainable))
      role = "QTC_ROLE_PARAM";
    else if (func.getArgAttr(i, attr::kFrozen))
      role = "QTC_ROLE_WEIGHT";
    else if (func.getArgAttr(i, attr::kOptimizerState))
      role = "QTC_ROLE_STATE";
    else if (func.getArgAttr(i, attr::kGradOfResult))
      role = "QTC_ROLE_GRAD";
    else if (func.getArgAttr(i, attr::kStep))
      role = "QTC_ROLE_STEP";
    else if (func.getArgAttr(i, attr::kSeed))
      role = "QTC_ROLE_SEED";
    else if (func.getArgAttr(i, attr::kGradNorm))
      role = "QTC_ROLE_GRAD_NORM";
    else if (func.getArgAttr(i, attr::kLrScale))
      role = "QTC_ROLE_LR_SCALE";
    // How a trainer starts a parameter no checkpoint holds (a storage
    // tensor of a quantized parameter starts the same way).
    std::string init = "QTC_INIT_GIVEN";
    if (auto rule = func.getArgAttrOfType<ParamInitAttr>(i, attr::kInit))
      init = "QTC_INIT_" + stringifyParamInit(rule.getValue()).upper();
    Type type = arg.getType();
    if (type.isInteger(64) || type.isF32()) {
      std::string ctype = type.isF32() ? "float" : "int64_t";
      scalars[arg] = "(*static_cast<const " + ctype + " *>(args[" +
                     std::to_string(index) + "]))";
      argRows.push_back("{" + cppString(base) + ", " +
                        (type.isF32() ? "QTC_F32" : "QTC_I64") + ", 0, {}, " +
                        role.str() + ", -1, " +
                        valuesInit(StorageValues::any()) + ", " + init + "}");
      ++index;
      continue;
    }
    SmallVector<RankedTensorType> storage = getStorageTypes(type);
    if (storage.empty())
      return func.emitError("argument #")
             << i << " has type " << type
             << ", which a compiled step cannot take";
    SmallVector<std::string> parts = getStorageNames(type);
    SmallVector<StorageValues> values = getStorageValues(type);
    for (auto [tensor, part, allowed] :
         llvm::zip_equal(storage, parts, values)) {
      FailureOr<std::string> dtype = dtypeOf(tensor.getElementType());
      if (failed(dtype) || tensor.getRank() > 4)
        return func.emitError("argument #")
               << i << " has storage " << tensor
               << ", which qtc_step.h cannot describe";
      slots[arg].push_back({"args[" + std::to_string(index) + "]", tensor});
      argRows.push_back(
          "{" + cppString(base + (part.empty() ? "" : "." + part)) + ", " +
          *dtype + ", " + std::to_string(tensor.getRank()) + ", " +
          shapeList(tensor.getShape()) + ", " + role.str() + ", -1, " +
          valuesInit(allowed) + ", " + init + "}");
      ++index;
    }
  }
  return success();
}

LogicalResult StepEmitter::bindScalar(Operation *op) {
  if (auto constant = dyn_cast<arith::ConstantIntOp>(op)) {
    scalars[constant] = "int64_t(" + std::to_string(constant.value()) + ")";
    return success();
  }
  if (auto add = dyn_cast<arith::AddIOp>(op)) {
    std::string name = newScalar("int64_t");
    body += "  " + name + " = " + scalar(add.getLhs()) + " + " +
            scalar(add.getRhs()) + ";\n";
    scalars[add] = name;
    return success();
  }
  if (isa<arith::ConstantOp>(op))
    return success(); // splat tensors are read where they are used
  return op->emitOpError("is not a qt.kernel and not scalar arithmetic a "
                         "compiled step computes; run qt-fuse first");
}

LogicalResult StepEmitter::lowerMatmul(KernelOp kernel, MatmulOp matmul,
                                       std::optional<Operand> lhs,
                                       std::string scale, Value addend) {
  const Slot &out = slotsOf(kernel.getResult(0)).front();
  Value oa = outer(kernel, matmul.getA()), ob = outer(kernel, matmul.getB());
  if ((!oa && !lhs) || !ob)
    return matmul.emitOpError("reads a value computed in its own kernel");
  StringRef generator = generatorOf(kernel);
  Args args = {{"c", view(out)}};
  if (!scale.empty())
    args["scale"] = scalarOperand(scale);
  if (addend) {
    Value outerAddend = outer(kernel, addend);
    if (!outerAddend || generator != "f32_matmul")
      return matmul.emitOpError("cannot add a value computed in its own "
                                "kernel, or with ")
             << generator;
    args["addend"] = view(slotsOf(outerAddend)[0]);
  }
  if (generator == "f32_matmul") {
    args["a"] = lhs ? *lhs : view(slotsOf(oa)[0]);
    args["b"] = view(slotsOf(ob)[0]);
    return call(kernel, args);
  }
  if (generator == "gse_matmul") {
    const SmallVector<Slot> &sa = slotsOf(oa), &sb = slotsOf(ob);
    args["a_mantissas"] = view(sa[0]);
    args["a_exponents"] = view(sa[1]);
    args["b_mantissas"] = view(sb[0]);
    args["b_exponents"] = view(sb[1]);
    return call(kernel, args);
  }
  if (generator == "affine_matmul" && scale.empty())
    return lowerAffineMatmul(kernel, oa, ob, Value(), out);
  return kernel.emitOpError("cannot call ") << generator << " for a qt.matmul";
}

LogicalResult StepEmitter::lowerAffineMatmul(KernelOp kernel, Value x,
                                             Value weight, Value weak,
                                             Slot out) {
  const SmallVector<Slot> &w = slotsOf(weight);
  Args args = {{"x", view(slotsOf(x)[0])},
               {"codes", view(w[0])},
               {"scales", view(w[1])},
               {"zeros", view(w[2])},
               {"y", view(out)}};
  if (weak)
    args["weak"] = view(slotsOf(weak)[0], kr::ElemType::U16); // f16 bits
  return call(kernel, args);
}

LogicalResult StepEmitter::lowerCast(KernelOp kernel, Operation *cast) {
  Value input = outer(kernel, cast->getOperand(0));
  Value seed =
      cast->getNumOperands() > 1 ? outer(kernel, cast->getOperand(1)) : Value();
  if (!input || (cast->getNumOperands() > 1 && !seed))
    return cast->emitOpError("reads a value computed in its own kernel");
  const SmallVector<Slot> &out = slotsOf(kernel.getResult(0));
  const SmallVector<Slot> &in = slotsOf(input);
  Operand seedExpr = scalarOperand(
      seed ? "static_cast<uint64_t>(" + scalar(seed) + ")" : "uint64_t(0)");
  Args args = {{"mantissas", view(out[0])}, {"exponents", view(out[1])}};
  StringRef generator = generatorOf(kernel);
  if (generator == "gse_quantize") {
    args["x"] = view(in[0]);
    args["seed"] = seedExpr;
  } else if (generator == "gse_requantize") {
    args["in_mantissas"] = view(in[0]);
    args["in_exponents"] = view(in[1]);
    args["seed"] = seedExpr;
  } else if (generator == "nf4_to_gse") {
    args["codes"] = flat(in[0]);
    args["absmax"] = flat(in[1]);
    args["cols"] = scalarOperand(
        std::to_string(llvm::cast<NF4Type>(input.getType()).getShape()[1]));
  } else {
    return kernel.emitOpError("cannot call ") << generator << " for a cast";
  }
  return call(kernel, args);
}

LogicalResult StepEmitter::lowerElementwise(KernelOp kernel, Operation *op) {
  const Slot &out = slotsOf(kernel.getResult(0)).front();
  auto input = [&](unsigned i) -> std::optional<Operand> {
    Value v = outer(kernel, op->getOperand(i));
    if (!v)
      return std::nullopt;
    return flat(slotsOf(v)[0]);
  };
  std::optional<Operand> a = input(0);
  if (!a)
    return op->emitOpError("has no elementwise kernel");
  Args args = {{"a", *a}, {"out", flat(out)}};
  std::string name = kernel.getUkernelAttr().getSettings()["op"];
  if (name == "scale") {
    SplatElementsAttr splat;
    if (!matchPattern(op->getOperand(1), m_Constant(&splat)))
      return op->emitOpError("has no splat factor");
    args["s"] = scalarOperand(
        floatLiteral(splat.getSplatValue<APFloat>().convertToDouble()));
  } else if (name != "neg") {
    std::optional<Operand> b = input(1);
    if (!b)
      return op->emitOpError("has no elementwise kernel");
    args["b"] = *b;
  }
  return call(kernel, args);
}

LogicalResult StepEmitter::lowerAdamW(KernelOp kernel, AdamWOp op) {
  const SmallVector<Slot> &p = slotsOf(outer(kernel, op.getParam())),
                          &g = slotsOf(outer(kernel, op.getGrad())),
                          &m = slotsOf(outer(kernel, op.getM())),
                          &v = slotsOf(outer(kernel, op.getV()));
  std::string step =
      "static_cast<double>(" + scalar(outer(kernel, op.getStep())) + ")";
  double b1 = op.getBeta1().convertToDouble(),
         b2 = op.getBeta2().convertToDouble();
  // The reference widens the f32 attributes to double and corrects by
  // 1 - beta^t in double; a schedule's f32 factor multiplies lr in double,
  // and clipping's factor is ref::clipCoefficient's expression.
  std::string lr = doubleLiteral(op.getLr().convertToDouble());
  if (Value scale = op.getLrScale())
    lr += " * static_cast<double>(" + scalar(outer(kernel, scale)) + ")";
  std::string gradScale = "1.0";
  if (Value norm = op.getGradNorm())
    gradScale = "std::min(1.0, static_cast<double>(" +
                floatLiteral(op.getMaxGradNormAttr().getValueAsDouble()) +
                ") / (static_cast<double>(" + scalar(outer(kernel, norm)) +
                ") + 1e-6))";
  return call(
      kernel,
      {{"param", flat(p[0])},
       {"grad", flat(g[0])},
       {"m", flat(m[0])},
       {"v", flat(v[0])},
       {"lr", scalarOperand(lr)},
       {"beta1", scalarOperand(doubleLiteral(b1))},
       {"beta2", scalarOperand(doubleLiteral(b2))},
       {"eps", scalarOperand(doubleLiteral(op.getEps().convertToDouble()))},
       {"weight_decay",
        scalarOperand(doubleLiteral(op.getWeightDecay().convertToDouble()))},
       {"grad_scale", scalarOperand(gradScale)},
       {"correction1", scalarOperand("1.0 - std::pow(" + doubleLiteral(b1) +
                                     ", " + step + ")")},
       {"correction2", scalarOperand("1.0 - std::pow(" + doubleLiteral(b2) +
                                     ", " + step + ")")},
       {"new_param", flat(slotsOf(kernel.getResult(0))[0])},
       {"new_m", flat(slotsOf(kernel.getResult(1))[0])},
       {"new_v", flat(slotsOf(kernel.getResult(2))[0])}},
      scalar(outer(kernel, op.getStep())));
}

LogicalResult StepEmitter::lowerTSignSgd(KernelOp kernel, TSignSGDOp op) {
  std::string step = scalar(outer(kernel, op.getStep()));
  return call(
      kernel,
      {{"param", flat(slotsOf(outer(kernel, op.getParam()))[0])},
       {"grad", flat(slotsOf(outer(kernel, op.getGrad()))[0])},
       {"step", scalarOperand(step)},
       {"total_steps", int64Operand(op.getTotalSteps())},
       {"grad_norm", scalarOperand(scalar(outer(kernel, op.getGradNorm())))},
       {"new_param", flat(slotsOf(kernel.getResult(0))[0])}},
      step, std::to_string(op.getTotalSteps()));
}

LogicalResult StepEmitter::lowerGlobalNorm(KernelOp kernel, GlobalNormOp op) {
  // One sum of squares per operand, added in operand order on the host.
  std::string total;
  for (auto [i, input] : llvm::enumerate(op.getInputs())) {
    std::string sum = newScalar("double");
    body += "  " + sum + " = 0;\n";
    if (failed(call(kernel, {{"x", flat(slotsOf(outer(kernel, input))[0])},
                             {"sum", Operand{"view(kF64, &" + sum + ", {})",
                                             false, kr::ElemType::F64, 0}}})))
      return failure();
    total += (i ? " + " : "") + sum;
  }
  std::string name = newScalar("float");
  body += "  " + name + " = static_cast<float>(std::sqrt(" + total + "));\n";
  scalars[kernel.getResult(0)] = name;
  return success();
}

LogicalResult StepEmitter::lowerLotaMerge(KernelOp kernel, LotaMergeOp merge) {
  auto offset = merge.getOffset().getDefiningOp<LotaOffsetOp>();
  auto product = offset.getDelta().getDefiningOp<TernaryProductOp>();
  const SmallVector<Slot> &w = slotsOf(outer(kernel, merge.getWeight()));
  const SmallVector<Slot> &out = slotsOf(kernel.getResult(0));
  Args args = {
      {"codes", view(w[0])},
      {"zeros", view(w[2])},
      {"a", view(slotsOf(outer(kernel, product.getA()))[0])},
      {"b", view(slotsOf(outer(kernel, product.getB()))[0])},
      {"omega",
       scalarOperand(floatLiteral(offset.getOmega().convertToDouble()))},
      {"merged_codes", view(out[0])},
      {"merged_zeros", view(out[2])}};
  if (merge.getWeight().getType().getZero() == ZeroForm::Scaled)
    args["scales"] = view(w[1]);
  if (failed(call(kernel, args)))
    return failure();
  copyScales(w, out);
  return success();
}

LogicalResult StepEmitter::lowerLotaDeltaGrad(KernelOp kernel,
                                              LotaDeltaGradOp grad) {
  auto gw = grad.getWeightGrad().getDefiningOp<MatmulOp>();
  std::string c = offsetScaleOf(grad);
  return call(kernel,
              {{"a", view(slotsOf(outer(kernel, gw.getA()))[0])},
               {"b", view(slotsOf(outer(kernel, gw.getB()))[0])},
               {"scales", view(slotsOf(outer(kernel, grad.getWeight()))[1])},
               {"offset_scale", scalarOperand(c)},
               {"c", view(slotsOf(kernel.getResult(0))[0])}});
}

LogicalResult StepEmitter::lowerLotaStage(KernelOp kernel, Operation *op) {
  auto in = [&](Value v) -> const SmallVector<Slot> & {
    return slotsOf(outer(kernel, v));
  };
  const SmallVector<Slot> &out = slotsOf(kernel.getResult(0));
  auto omegaOf = [](FloatAttr omega) {
    return scalarOperand(floatLiteral(omega.getValue().convertToDouble()));
  };
  if (auto product = dyn_cast<TernaryProductOp>(op))
    return call(kernel, {{"a", view(in(product.getA())[0])},
                         {"b", view(in(product.getB())[0])},
                         {"product", view(out[0])}});
  if (auto threshold = dyn_cast<MaskedThresholdOp>(op))
    return call(kernel, {{"delta", view(in(threshold.getDelta())[0])},
                         {"codes", view(in(threshold.getWeight())[0])},
                         {"omega", omegaOf(threshold.getOmegaAttr())},
                         {"step", view(out[0])}});
  if (auto offset = dyn_cast<LotaOffsetOp>(op))
    return call(kernel, {{"delta", view(in(offset.getDelta())[0])},
                         {"step", view(in(offset.getStep())[0])},
                         {"omega", omegaOf(offset.getOmegaAttr())},
                         {"offset", view(out[0])}});
  if (auto merge = dyn_cast<LotaMergeOp>(op)) {
    const SmallVector<Slot> &w = in(merge.getWeight());
    Args args = {{"codes", view(w[0])},
                 {"zeros", view(w[2])},
                 {"step", view(in(merge.getStep())[0])},
                 {"offset", view(in(merge.getOffset())[0])},
                 {"merged_codes", view(out[0])},
                 {"merged_zeros", view(out[2])}};
    if (merge.getWeight().getType().getZero() == ZeroForm::Scaled)
      args["scales"] = view(w[1]);
    if (failed(call(kernel, args)))
      return failure();
    copyScales(w, out);
    return success();
  }
  auto grad = cast<LotaDeltaGradOp>(op);
  std::string c = offsetScaleOf(grad);
  return call(kernel, {{"gw", view(in(grad.getWeightGrad())[0])},
                       {"scales", view(in(grad.getWeight())[1])},
                       {"offset_scale", scalarOperand(c)},
                       {"ddw", view(out[0])}});
}

LogicalResult StepEmitter::lower(KernelOp kernel) {
  if (!kernel.getUkernelAttr())
    return kernel.emitOpError("calls no registry kernel; run "
                              "qt-select-kernels");
  // The kernel's results live at the arena offsets qt-plan-memory chose, or
  // (offset -1) in the result buffers of the first return operand they are.
  auto offsets = kernel->getAttrOfType<DenseI64ArrayAttr>("qt.arena");
  unsigned slot = 0;
  for (Value result : kernel.getResults()) {
    unsigned part = 0;
    for (RankedTensorType type : getStorageTypes(result.getType())) {
      if (!offsets || slot >= offsets.size())
        return kernel.emitOpError("has no arena offset; run qt-plan-memory");
      int64_t offset = offsets[slot++];
      int index = offset < 0 ? resultTensorOf(result, part) : -1;
      if (offset < 0 && index < 0)
        return kernel.emitOpError("has a result outside the arena that the "
                                  "function does not return");
      slots[result].push_back({offset < 0
                                   ? "results[" + std::to_string(index) + "]"
                                   : "(arena + " + std::to_string(offset) + ")",
                               type});
      ++part;
    }
  }
  SmallVector<Operation *> ops;
  for (Operation &op : kernel.getBodyBlock().without_terminator())
    if (!isa<arith::ConstantOp>(op))
      ops.push_back(&op);
  if (ops.empty())
    return kernel.emitOpError("computes nothing");
  StringRef kind = kernel.getKind();
  Operation *root = ops.back();
  if (kind == "lota_merge" && ops.size() > 1)
    return lowerLotaMerge(kernel, cast<LotaMergeOp>(root));
  if (kind == "lota_delta_grad" && ops.size() > 1)
    return lowerLotaDeltaGrad(kernel, cast<LotaDeltaGradOp>(root));
  if (kind == "qeft_grad_input") {
    auto add = cast<arith::AddFOp>(root);
    auto dense = add.getLhs().getDefiningOp<MatmulOp>();
    // The weak product, padded on the left unless it covers every input.
    Value weakProduct = add.getRhs();
    if (auto pad = weakProduct.getDefiningOp<tensor::PadOp>())
      weakProduct = pad.getSource();
    auto weak = weakProduct.getDefiningOp<MatmulOp>();
    return lowerAffineMatmul(
        kernel, outer(kernel, dense.getA()), outer(kernel, dense.getB()),
        outer(kernel, weak.getB()), slotsOf(kernel.getResult(0))[0]);
  }
  if (kind == "head_loss") {
    auto logits = cast<MatmulOp>(ops.front());
    auto loss = cast<CrossEntropyOp>(root);
    return call(
        kernel,
        {{"h", view(slotsOf(outer(kernel, logits.getA()))[0])},
         {"w", view(slotsOf(outer(kernel, logits.getB()))[0])},
         {"labels", view(slotsOf(outer(kernel, loss.getLabels()))[0])},
         {"ignore_index", int64Operand(loss.getIgnoreIndexAttr().getInt())},
         {"loss", view(slotsOf(kernel.getResult(0))[0])}});
  }
  if (kind == "head_loss_grad" || kind == "head_loss_and_grad") {
    // Ops: the recomputed logits, [the loss,] its gradient, dh; with the
    // loss, the kernel's results are the loss and dh.
    bool withLoss = kind == "head_loss_and_grad";
    auto logits = cast<MatmulOp>(ops.front());
    auto grad = cast<CrossEntropyGradOp>(ops[withLoss ? 2 : 1]);
    if (kernel.getNumResults() != (withLoss ? 2u : 1u))
      return kernel.emitOpError("must return ")
             << (withLoss ? "the loss and dh" : "dh");
    Args args = {
        {"h", view(slotsOf(outer(kernel, logits.getA()))[0])},
        {"w", view(slotsOf(outer(kernel, logits.getB()))[0])},
        {"labels", view(slotsOf(outer(kernel, grad.getLabels()))[0])},
        {"dloss", view(slotsOf(outer(kernel, grad.getDloss()))[0])},
        {"ignore_index", int64Operand(grad.getIgnoreIndexAttr().getInt())},
        {"dh", view(slotsOf(kernel.getResult(withLoss ? 1 : 0))[0])}};
    if (withLoss)
      args["loss"] = view(slotsOf(kernel.getResult(0))[0]);
    return call(kernel, args);
  }
  if (kind == "slice_matmul") {
    // qt-select-kernels checked that the slice is whole rows of columns.
    auto slice = cast<tensor::ExtractSliceOp>(ops.front());
    auto source = cast<RankedTensorType>(slice.getSource().getType());
    const Slot &x = slotsOf(outer(kernel, slice.getSource()))[0];
    Operand columns{"columns(kF32, " + x.ptr + ", " +
                        std::to_string(source.getShape()[0]) + ", " +
                        std::to_string(source.getShape()[1]) + ", " +
                        std::to_string(slice.getStaticOffsets()[1]) + ", " +
                        std::to_string(slice.getStaticSizes()[1]) + ")",
                    false, kr::ElemType::F32, 2,
                    std::max(source.getShape()[0], source.getShape()[1])};
    return lowerMatmul(kernel, cast<MatmulOp>(root), columns);
  }
  if (kind == "matmul_scale" || kind == "matmul_add" ||
      kind == "matmul_scale_add") {
    // The matmul's epilogues: [* splat (ops[1])] [+ the add's other
    // operand].
    std::string scale;
    if (kind != "matmul_add") {
      SplatElementsAttr splat;
      if (!matchPattern(cast<arith::MulFOp>(ops[1]).getRhs(),
                        m_Constant(&splat)))
        return kernel.emitOpError("has no splat scale");
      scale = floatLiteral(splat.getSplatValue<APFloat>().convertToDouble());
    }
    Value addend;
    if (kind != "matmul_scale") {
      auto add = cast<arith::AddFOp>(root);
      Value product = ops[ops.size() - 2]->getResult(0);
      addend = add.getLhs() == product ? add.getRhs() : add.getLhs();
    }
    return lowerMatmul(kernel, cast<MatmulOp>(ops.front()), std::nullopt,
                       scale, addend);
  }
  if (ops.size() != 1)
    return kernel.emitOpError("of kind '") << kind << "' has no kernel";
  if (auto matmul = dyn_cast<MatmulOp>(root))
    return lowerMatmul(kernel, matmul);
  if (isa<QuantizeOp, RequantizeOp>(root))
    return lowerCast(kernel, root);
  if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::NegFOp>(root))
    return lowerElementwise(kernel, root);
  if (auto adamw = dyn_cast<AdamWOp>(root))
    return lowerAdamW(kernel, adamw);
  if (auto tsign = dyn_cast<TSignSGDOp>(root))
    return lowerTSignSgd(kernel, tsign);
  if (auto norm = dyn_cast<GlobalNormOp>(root))
    return lowerGlobalNorm(kernel, norm);
  if (auto qeft = dyn_cast<QeftLinearOp>(root))
    return lowerAffineMatmul(
        kernel, outer(kernel, qeft.getX()), outer(kernel, qeft.getDense()),
        outer(kernel, qeft.getWeak()), slotsOf(kernel.getResult(0))[0]);
  if (isa<TernaryProductOp, MaskedThresholdOp, LotaOffsetOp, LotaMergeOp,
          LotaDeltaGradOp>(root))
    return lowerLotaStage(kernel, root);
  if (auto norm = dyn_cast<RMSNormOp>(root))
    return call(
        kernel,
        {{"x", view(slotsOf(outer(kernel, norm.getX()))[0])},
         {"weight", view(slotsOf(outer(kernel, norm.getWeight()))[0])},
         {"eps", scalarOperand(floatLiteral(norm.getEps().convertToDouble()))},
         {"y", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto grad = dyn_cast<RMSNormGradOp>(root)) {
    // dweight is computed even when only dx is used; a kernel result
    // nobody reads has no slot, so it gets scratch.
    return call(
        kernel,
        {{"x", view(slotsOf(outer(kernel, grad.getX()))[0])},
         {"weight", view(slotsOf(outer(kernel, grad.getWeight()))[0])},
         {"dy", view(slotsOf(outer(kernel, grad.getDy()))[0])},
         {"eps", scalarOperand(floatLiteral(grad.getEps().convertToDouble()))},
         {"dx", view(resultSlot(kernel, grad.getDx()))},
         {"dweight", view(resultSlot(kernel, grad.getDweight()))}});
  }
  if (auto rope = dyn_cast<RopeOp>(root)) {
    // The rotation frequencies (Llama 3 scaling included) come from the
    // reference, computed here once and baked into the step.
    std::vector<double> invFreq =
        ropeInvFreqOf(rope.getHeadDim(), rope.getTheta().convertToDouble(),
                      rope.getScalingAttr());
    std::string table = "inv_freq" + std::to_string(numTables++);
    std::string values;
    for (double f : invFreq)
      values += (values.empty() ? "" : ", ") + doubleLiteral(f);
    body += "  static double " + table + "[] = {" + values + "};\n";
    return call(kernel,
                {{"x", view(slotsOf(outer(kernel, rope.getX()))[0])},
                 {"inv_freq", Operand{"view(kF64, " + table + ", {" +
                                          std::to_string(invFreq.size()) + "})",
                                      false, kr::ElemType::F64, 1,
                                      static_cast<int64_t>(invFreq.size())}},
                 {"heads", int32Operand(rope.getHeads())},
                 {"seq_len", int32Operand(*rope.getSeqLen())},
                 {"sign", scalarOperand(rope.getInverse() ? "-1.0" : "1.0")},
                 {"y", view(slotsOf(kernel.getResult(0))[0])}});
  }
  if (auto attention = dyn_cast<AttentionOp>(root))
    return call(
        kernel,
        {{"q", view(slotsOf(outer(kernel, attention.getQ()))[0])},
         {"k", view(slotsOf(outer(kernel, attention.getK()))[0])},
         {"v", view(slotsOf(outer(kernel, attention.getV()))[0])},
         {"heads", int32Operand(attention.getHeads())},
         {"kv_heads", int32Operand(attention.getKvHeads())},
         {"head_dim", int32Operand(attention.getHeadDim())},
         {"seq_len", int32Operand(attention.getSeqLen())},
         {"scale", scalarOperand(doubleLiteral(attention.getScaleOrDefault()))},
         {"out", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto grad = dyn_cast<AttentionGradOp>(root))
    return call(
        kernel,
        {{"q", view(slotsOf(outer(kernel, grad.getQ()))[0])},
         {"k", view(slotsOf(outer(kernel, grad.getK()))[0])},
         {"v", view(slotsOf(outer(kernel, grad.getV()))[0])},
         {"dout", view(slotsOf(outer(kernel, grad.getDout()))[0])},
         {"heads", int32Operand(grad.getHeads())},
         {"kv_heads", int32Operand(grad.getKvHeads())},
         {"head_dim", int32Operand(grad.getHeadDim())},
         {"seq_len", int32Operand(grad.getSeqLen())},
         {"scale", scalarOperand(doubleLiteral(grad.getScaleOrDefault()))},
         {"dq", view(resultSlot(kernel, grad.getDq()))},
         {"dk", view(resultSlot(kernel, grad.getDk()))},
         {"dv", view(resultSlot(kernel, grad.getDv()))}});
  if (auto bias = dyn_cast<BiasAddOp>(root))
    return call(kernel,
                {{"x", view(slotsOf(outer(kernel, bias.getX()))[0])},
                 {"bias", view(slotsOf(outer(kernel, bias.getBias()))[0])},
                 {"y", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto sum = dyn_cast<RowSumOp>(root))
    return call(kernel, {{"x", view(slotsOf(outer(kernel, sum.getX()))[0])},
                         {"sum", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto embedding = dyn_cast<EmbeddingOp>(root))
    return call(
        kernel,
        {{"table", view(slotsOf(outer(kernel, embedding.getTable()))[0])},
         {"ids", view(slotsOf(outer(kernel, embedding.getIds()))[0])},
         {"out", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto grad = dyn_cast<EmbeddingGradOp>(root))
    return call(kernel,
                {{"ids", view(slotsOf(outer(kernel, grad.getIds()))[0])},
                 {"dy", view(slotsOf(outer(kernel, grad.getDy()))[0])},
                 {"vocab", int32Operand(grad.getType().getDimSize(0))},
                 {"dtable", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto ce = dyn_cast<CrossEntropyOp>(root))
    return call(
        kernel,
        {{"logits", view(slotsOf(outer(kernel, ce.getLogits()))[0])},
         {"labels", view(slotsOf(outer(kernel, ce.getLabels()))[0])},
         {"ignore_index", int64Operand(ce.getIgnoreIndexAttr().getInt())},
         {"loss", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto grad = dyn_cast<CrossEntropyGradOp>(root))
    return call(
        kernel,
        {{"logits", view(slotsOf(outer(kernel, grad.getLogits()))[0])},
         {"labels", view(slotsOf(outer(kernel, grad.getLabels()))[0])},
         {"dloss", view(slotsOf(outer(kernel, grad.getDloss()))[0])},
         {"ignore_index", int64Operand(grad.getIgnoreIndexAttr().getInt())},
         {"dlogits", view(slotsOf(kernel.getResult(0))[0])}});
  if (auto extf = dyn_cast<arith::ExtFOp>(root))
    return call(kernel, {{"in", flat(slotsOf(outer(kernel, extf.getIn()))[0])},
                         {"out", flat(slotsOf(kernel.getResult(0))[0])}});
  if (auto swiglu = dyn_cast<SwiGLUOp>(root))
    return call(kernel,
                {{"gate", flat(slotsOf(outer(kernel, swiglu.getGate()))[0])},
                 {"up", flat(slotsOf(outer(kernel, swiglu.getUp()))[0])},
                 {"out", flat(slotsOf(kernel.getResult(0))[0])}});
  if (auto grad = dyn_cast<SwiGLUGradOp>(root))
    return call(kernel,
                {{"gate", flat(slotsOf(outer(kernel, grad.getGate()))[0])},
                 {"up", flat(slotsOf(outer(kernel, grad.getUp()))[0])},
                 {"dy", flat(slotsOf(outer(kernel, grad.getDy()))[0])},
                 {"dgate", flat(resultSlot(kernel, grad.getDgate()))},
                 {"dup", flat(resultSlot(kernel, grad.getDup()))}});
  if (auto pad = dyn_cast<tensor::PadOp>(root)) {
    // qt-select-kernels checked that the value is a constant.
    Attribute value;
    matchPattern(pad.getConstantPaddingValue(), m_Constant(&value));
    std::string literal;
    if (auto f = dyn_cast<FloatAttr>(value))
      literal = floatLiteral(f.getValue().convertToDouble());
    else if (auto i = dyn_cast<IntegerAttr>(value))
      literal = i.getType().isInteger(64) ? int64Operand(i.getInt()).expr
                                          : int32Operand(i.getInt()).expr;
    else
      return pad.emitOpError("pads with a value that is not a constant");
    ArrayRef<int64_t> low = pad.getStaticLow();
    return call(kernel,
                {{"in", view(slotsOf(outer(kernel, pad.getSource()))[0])},
                 {"value", scalarOperand(literal)},
                 {"low0", scalarOperand(std::to_string(low[0]))},
                 {"low1", scalarOperand(std::to_string(low[1]))},
                 {"out", view(slotsOf(kernel.getResult(0))[0])}});
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(root)) {
    ArrayRef<int64_t> offsets = slice.getStaticOffsets(),
                      strides = slice.getStaticStrides();
    return call(kernel,
                {{"in", view(slotsOf(outer(kernel, slice.getSource()))[0])},
                 {"offset0", scalarOperand(std::to_string(offsets[0]))},
                 {"offset1", scalarOperand(std::to_string(offsets[1]))},
                 {"stride0", scalarOperand(std::to_string(strides[0]))},
                 {"stride1", scalarOperand(std::to_string(strides[1]))},
                 {"out", view(slotsOf(kernel.getResult(0))[0])}});
  }
  return root->emitOpError("has no generated kernel yet");
}

std::string StepEmitter::tensorTable(ArrayRef<std::string> rows) {
  std::string s;
  for (const std::string &row : rows)
    s += "    " + row + ",\n";
  return s;
}

FailureOr<StepProgram> StepEmitter::emit() {
  if (!func.getBody().hasOneBlock())
    return func.emitError("a compiled step must be a single block");
  auto arenaSize = func->getAttrOfType<IntegerAttr>("qt.arena_size");
  if (!arenaSize)
    return func.emitError("has no qt.arena_size; run qt-plan-memory first");
  if (failed(bindArguments()))
    return failure();
  Block &block = func.getBody().front();
  for (Operation &op : block.without_terminator()) {
    if (callsInPart >= kCallsPerPart)
      closePart();
    if (auto kernel = dyn_cast<KernelOp>(op)) {
      if (failed(lower(kernel)))
        return failure();
    } else if (Value source = viewSource(&op)) {
      // The same bytes under the view's shape (qt-plan-memory kept them).
      SmallVector<Slot> from = slotsOf(source); // a copy: slots may grow
      if (from.size() != 1)
        return op.emitOpError("views a value that is not one dense tensor");
      slots[op.getResult(0)].push_back(
          {from[0].ptr, cast<RankedTensorType>(op.getResult(0).getType())});
    } else if (failed(bindScalar(&op))) {
      return failure();
    }
  }
  // Results: copied out of the arena (or the arguments) once all kernels ran.
  auto ret = cast<func::ReturnOp>(block.getTerminator());
  unsigned index = 0;
  for (auto [j, value] : llvm::enumerate(ret.getOperands())) {
    // A scalar the step computed (the clipped gradient norm): stored.
    if (value.getType().isF32() || value.getType().isInteger(64)) {
      bool f32 = value.getType().isF32();
      if (scalar(value).empty())
        return func.emitError("result #")
               << j << " is a scalar the step does not compute";
      body += "  *static_cast<" + std::string(f32 ? "float" : "int64_t") +
              " *>(results[" + std::to_string(index) + "]) = " +
              scalar(value) + ";\n";
      std::string role = func.getResultAttr(j, attr::kGradNorm)
                             ? "QTC_ROLE_GRAD_NORM"
                             : "QTC_ROLE_RESULT";
      resultRows.push_back("{\"result" + std::to_string(j) + "\", " +
                           (f32 ? "QTC_F32" : "QTC_I64") + ", 0, {}, " + role +
                           ", -1, " + valuesInit(StorageValues::any()) +
                           ", QTC_INIT_GIVEN}");
      ++index;
      continue;
    }
    SmallVector<std::string> parts = getStorageNames(value.getType());
    SmallVector<StorageValues> values = getStorageValues(value.getType());
    auto updates = func.getResultAttrOfType<IntegerAttr>(j, attr::kUpdates);
    const SmallVector<Slot> &from = slotsOf(value);
    if (from.empty())
      return func.emitError("result #")
             << j << " is not a tensor a compiled step can return";
    for (auto [k, slot] : llvm::enumerate(from)) {
      int64_t bytes = getByteSize(slot.type);
      std::string buffer = "results[" + std::to_string(index) + "]";
      // Kernels wrote the rest in place; arguments returned as they are and
      // a value returned twice are copied.
      if (slot.ptr != buffer)
        body += "  copy(" + buffer + ", " + slot.ptr + ", " +
                std::to_string(bytes) + ");\n";
      int target =
          updates ? static_cast<int>(argBase[updates.getInt()] + k) : -1;
      resultRows.push_back("{\"result" + std::to_string(j) +
                           (parts[k].empty() ? "" : "." + parts[k]) + "\", " +
                           *dtypeOf(slot.type.getElementType()) + ", " +
                           std::to_string(slot.type.getRank()) + ", " +
                           shapeList(slot.type.getShape()) +
                           ", QTC_ROLE_RESULT, " + std::to_string(target) +
                           ", " + valuesInit(values[k]) + ", QTC_INIT_GIVEN}");
      ++index;
    }
  }

  StepProgram program;
  program.kernels = kernels;
  std::string &s = program.source;
  s += "// Generated by qtc: one training step of @" +
       commentText(func.getSymName()) + ". Do not edit.\n";
  s += "#include \"runtime/qtc_cpu_check.h\"\n"
       "#include \"runtime/qtc_kernel_call.h\"\n\n#include <algorithm>\n#include <cmath>\n";
  if (numScratch)
    s += "#include <vector>\n";
  for (const KernelLibrary &k : kernels)
    s += "#include \"" + k.function + ".h\"\n";
  s += "\nusing namespace qtc::step;\n\nnamespace {\n\n";
  s += "// Read by no kernel: the buffer behind inputs a generator declares "
       "but\n"
       "// the chosen variant ignores.\ndouble kUnused[1] = {0.0};\n\n";
  closePart();
  s += "// Seconds and calls by kernel and shape, kept under QTC_PROFILE.\n"
       "ProfileSite kProfile[] = {\n";
  for (const std::string &name : profileNames)
    s += "    {" + cppString(name) + ", 0, 0},\n";
  if (profileNames.empty())
    s += "    {\"\", 0, 0},\n";
  s += "};\nProfileReport kProfileReport(kProfile, " +
       std::to_string(profileNames.size()) + ");\n\n";
  s += "// The scalars the step computes, shared by its parts.\nstruct "
       "Scalars {\n";
  for (const std::string &member : scalarMembers)
    s += "  " + member + "\n";
  s += "};\n\n";
  for (auto [i, part] : llvm::enumerate(parts))
    s += "int part" + std::to_string(i) +
         "(void *const *args, void *const *results, char *arena, Scalars "
         "&sc) {\n  (void)args;\n  (void)results;\n  (void)arena;\n  "
         "(void)sc;\n" +
         part + "  return 0;\n}\n\n";
  s +=
      "int step(void *const *args, void *const *results, void *arenaBytes) {\n";
  s += "  char *arena = static_cast<char *>(arenaBytes);\n";
  s += "  Scalars sc{};\n";
  for (size_t i = 0; i < parts.size(); ++i)
    s += "  if (int e = part" + std::to_string(i) +
         "(args, results, arena, sc))\n    return e;\n";
  s += "  return 0;\n}\n\n";
  s += "const qtc_tensor_info kArgs[] = {\n" + tensorTable(argRows) + "};\n\n";
  s += "const qtc_tensor_info kResults[] = {\n" + tensorTable(resultRows) +
       "};\n\n";
  s += "} // namespace\n\n";
  s += "extern \"C\" const qtc_program *qtc_program_get(void) {\n";
  s += "  // The kernels choose their CPU variant with qtc's check.\n";
  s += "  static const bool cpuCheck = qtc::cpu::installCpuCheck();\n";
  s += "  (void)cpuCheck;\n";
  s += "  static const qtc_program program = {" + cppString(func.getSymName()) +
       ", " + std::to_string(argRows.size()) + ", kArgs, " +
       std::to_string(resultRows.size()) + ", kResults, " +
       std::to_string(arenaSize.getInt()) + ", step};\n";
  s += "  return &program;\n}\n";
  return program;
}

} // namespace

FailureOr<StepProgram> mlir::qt::emitStepProgram(func::FuncOp func,
                                                 const StepOptions &options) {
  return StepEmitter(func, options).emit();
}
