//===- KernelRegistry.cpp - the table of qtc's kernels --------------------===//
//
// To add a kernel: its algorithm and schedules in codegen/halide/, its
// generator in KernelGenerators.cpp (a RegisteredGenerator, which declares
// the arguments listed here), and one entry below.
//
//===----------------------------------------------------------------------===//
#include "codegen/registry/KernelRegistry.h"

#include <cstdio>
#include <cstdlib>

namespace qtc::kernels {

template <>
const std::vector<std::pair<std::string, Accumulate>> &enumNames() {
  static const std::vector<std::pair<std::string, Accumulate>> names = {
      {"f32", Accumulate::F32}, {"wide_int", Accumulate::WideInt}};
  return names;
}
template <>
const std::vector<std::pair<std::string, MatmulShape>> &enumNames() {
  static const std::vector<std::pair<std::string, MatmulShape>> names = {
      {"gemm", MatmulShape::Gemm}, {"gemv", MatmulShape::Gemv}};
  return names;
}
template <>
const std::vector<std::pair<std::string, Rounding>> &enumNames() {
  static const std::vector<std::pair<std::string, Rounding>> names = {
      {"rne", Rounding::RNE},
      {"rna", Rounding::RNA},
      {"stochastic", Rounding::Stochastic}};
  return names;
}
template <>
const std::vector<std::pair<std::string, ExpRule>> &enumNames() {
  static const std::vector<std::pair<std::string, ExpRule>> names = {
      {"floor", ExpRule::Floor}, {"ceil", ExpRule::Ceil}};
  return names;
}
template <>
const std::vector<std::pair<std::string, ZeroForm>> &enumNames() {
  static const std::vector<std::pair<std::string, ZeroForm>> names = {
      {"int", ZeroForm::Int},
      {"float", ZeroForm::Float},
      {"scaled", ZeroForm::Scaled}};
  return names;
}
template <>
const std::vector<std::pair<std::string, OffsetScale>> &enumNames() {
  static const std::vector<std::pair<std::string, OffsetScale>> names = {
      {"inv_omega", OffsetScale::InvOmega}, {"one", OffsetScale::One}};
  return names;
}
template <>
const std::vector<std::pair<std::string, ElementwiseOp>> &enumNames() {
  static const std::vector<std::pair<std::string, ElementwiseOp>> names = {
      {"add", ElementwiseOp::Add},
      {"sub", ElementwiseOp::Sub},
      {"mul", ElementwiseOp::Mul},
      {"scale", ElementwiseOp::Scale},
      {"neg", ElementwiseOp::Neg}};
  return names;
}
template <>
const std::vector<std::pair<std::string, FloatType>> &enumNames() {
  static const std::vector<std::pair<std::string, FloatType>> names = {
      {"f32", FloatType::F32}, {"f16", FloatType::F16}};
  return names;
}
template <>
const std::vector<std::pair<std::string, StorageFloat>> &enumNames() {
  static const std::vector<std::pair<std::string, StorageFloat>> names = {
      {"f32", StorageFloat::F32},
      {"f16", StorageFloat::F16},
      {"bf16", StorageFloat::BF16}};
  return names;
}
template <>
const std::vector<std::pair<std::string, LayoutType>> &enumNames() {
  static const std::vector<std::pair<std::string, LayoutType>> names = {
      {"f32", LayoutType::F32}, {"i32", LayoutType::I32}, {"i64", LayoutType::I64}};
  return names;
}
template <>
const std::vector<std::pair<std::string, IdType>> &enumNames() {
  static const std::vector<std::pair<std::string, IdType>> names = {
      {"i32", IdType::I32}, {"i64", IdType::I64}};
  return names;
}

const char *elemTypeName(ElemType type) {
  switch (type) {
  case ElemType::F16:
    return "f16";
  case ElemType::BF16:
    return "bf16";
  case ElemType::F32:
    return "f32";
  case ElemType::F64:
    return "f64";
  case ElemType::I8:
    return "i8";
  case ElemType::U8:
    return "u8";
  case ElemType::U16:
    return "u16";
  case ElemType::I32:
    return "i32";
  case ElemType::I64:
    return "i64";
  case ElemType::U64:
    return "u64";
  }
  return "?";
}

int64_t elemTypeBytes(ElemType type) {
  switch (type) {
  case ElemType::I8:
  case ElemType::U8:
    return 1;
  case ElemType::F16:
  case ElemType::BF16:
  case ElemType::U16:
    return 2;
  case ElemType::F32:
  case ElemType::I32:
    return 4;
  case ElemType::F64:
  case ElemType::I64:
  case ElemType::U64:
    return 8;
  }
  return 0;
}

const char *targetClassName(TargetClass t) {
  switch (t) {
  case TargetClass::X86Avx512Vnni:
    return "x86-avx512-vnni";
  case TargetClass::X86Avx2:
    return "x86-avx2";
  case TargetClass::Arm64DotProd:
    return "arm64-dotprod";
  case TargetClass::Cuda:
    return "cuda";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// ParamValues and Kernel.
//===----------------------------------------------------------------------===//

const std::string &ParamValues::raw(const std::string &name) const {
  for (const auto &[n, v] : values)
    if (n == name)
      return v;
  // A generator or caller asking for a parameter its entry lacks is a bug
  // in qtc, not in the user's input: named, then abort.
  std::fprintf(stderr,
               "qtc: internal error: kernel parameter '%s' is not among the "
               "resolved values (%s)\n",
               name.c_str(), str().c_str());
  std::abort();
}

bool ParamValues::getBool(const std::string &name) const {
  return raw(name) == "true";
}

int64_t ParamValues::getInt(const std::string &name) const {
  return std::strtoll(raw(name).c_str(), nullptr, 10);
}

std::vector<std::string> ParamValues::settings() const {
  std::vector<std::string> out;
  for (const auto &[n, v] : values)
    out.push_back(n + "=" + v);
  return out;
}

std::string ParamValues::str() const {
  std::string s;
  for (const std::string &setting : settings())
    s += (s.empty() ? "" : " ") + setting;
  return s;
}

const Param *Kernel::param(const std::string &name) const {
  for (const Param &p : params)
    if (p.name == name)
      return &p;
  return nullptr;
}

namespace {

std::string joined(const std::vector<std::string> &values) {
  std::string s;
  for (const std::string &v : values)
    s += (s.empty() ? "" : ", ") + v;
  return s;
}

bool isDecimal(const std::string &s) {
  if (s.empty() || s.size() > 9)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

} // namespace

std::optional<ParamValues>
Kernel::resolve(const std::map<std::string, std::string> &settings,
                std::string *error) const {
  for (const auto &[name, value] : settings)
    if (!param(name)) {
      std::vector<std::string> names;
      for (const Param &p : params)
        names.push_back(p.name);
      *error = "kernel " + generator + " has no parameter '" + name + "'" +
               (names.empty() ? " (it takes none)"
                              : " (its parameters: " + joined(names) + ")");
      return std::nullopt;
    }
  ParamValues values;
  for (const Param &p : params) {
    auto it = settings.find(p.name);
    std::string value = it == settings.end() ? p.defaultValue : it->second;
    bool ok = true;
    std::string expected;
    switch (p.kind) {
    case ParamKind::Bool:
      ok = value == "true" || value == "false";
      expected = "true, false";
      break;
    case ParamKind::Int:
      if (p.allowed.empty()) {
        ok = isDecimal(value) && std::atoi(value.c_str()) >= 1;
        expected = "an integer >= 1";
      } else {
        ok = false;
        for (const std::string &a : p.allowed)
          ok |= a == value;
        expected = joined(p.allowed);
      }
      break;
    case ParamKind::Enum:
      ok = false;
      for (const std::string &a : p.allowed)
        ok |= a == value;
      expected = joined(p.allowed);
      break;
    }
    if (!ok) {
      *error = "kernel " + generator + ": " + p.name + "=" + value +
               " is not allowed (expected " + expected + ")";
      return std::nullopt;
    }
    values.values.emplace_back(p.name, value);
  }
  return values;
}

std::optional<ParamValues>
Kernel::resolve(const std::vector<std::string> &settings,
                std::string *error) const {
  std::map<std::string, std::string> map;
  for (const std::string &s : settings) {
    size_t eq = s.find('=');
    if (eq == std::string::npos) {
      *error = "kernel " + generator + ": setting '" + s +
               "' is not of the form name=value";
      return std::nullopt;
    }
    map[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return resolve(map, error);
}

std::optional<Arg> Kernel::arg(const ParamValues &values, TargetClass target,
                               const std::string &name) const {
  for (const Arg &a : signature(values, target))
    if (a.name == name)
      return a;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The table.
//===----------------------------------------------------------------------===//

namespace {

using T = ElemType;

Param boolParam(std::string name, bool value, std::string doc) {
  return {std::move(name),
          ParamKind::Bool,
          value ? "true" : "false",
          {},
          std::move(doc)};
}

Param intParam(std::string name, int value, std::string doc,
               std::vector<std::string> allowed = {}) {
  return {std::move(name), ParamKind::Int, std::to_string(value),
          std::move(allowed), std::move(doc)};
}

template <typename E>
Param enumParam(std::string name, E value, std::string doc) {
  std::vector<std::string> allowed;
  for (const auto &[n, v] : enumNames<E>())
    allowed.push_back(n);
  return {std::move(name), ParamKind::Enum, enumName(value), std::move(allowed),
          std::move(doc)};
}

Arg in(std::string name, int rank, ElemType type) {
  return {std::move(name), false, rank, type};
}
Arg scalar(std::string name, ElemType type) {
  return {std::move(name), false, -1, type};
}
Arg out(std::string name, int rank, ElemType type) {
  return {std::move(name), true, rank, type};
}
Arg unusedIf(bool unused, Arg arg) {
  arg.unused = unused;
  return arg;
}

constexpr TargetSet kX86 =
    unsigned(TargetClass::X86Avx512Vnni) | unsigned(TargetClass::X86Avx2);
constexpr TargetSet kAvx512Vnni = unsigned(TargetClass::X86Avx512Vnni);

/// The zero form of the base a LoTA merge reads (the merged zeros are f32:
/// z - U, or zs + s U for scaled zeros).
Param lotaBaseZero() {
  return enumParam("zero", ZeroForm::Int,
                   "the base's zero form (scaled: ggml's Q4_1)");
}
Arg lotaZeros(const ParamValues &v) {
  return in("zeros", 2,
            v.get<ZeroForm>("zero") == ZeroForm::Int ? T::I8 : T::F32);
}
Arg lotaScales(const ParamValues &v) {
  return unusedIf(v.get<ZeroForm>("zero") != ZeroForm::Scaled,
                  in("scales", 2, T::F32));
}

/// The packed GSE operand is u8 (+128) where the dot product is VNNI's
/// unsigned-by-signed one, i8 elsewhere.
ElemType packedGseType(TargetClass target) {
  return target == TargetClass::X86Avx512Vnni ? T::U8 : T::I8;
}

/// The element type of a float operand stored as `storage`.
ElemType storageType(StorageFloat storage) {
  switch (storage) {
  case StorageFloat::F16:
    return T::F16;
  case StorageFloat::BF16:
    return T::BF16;
  case StorageFloat::F32:
    break;
  }
  return T::F32;
}

/// The element type of a layout copy's tensors (and of pad's value).
ElemType layoutElemType(LayoutType type) {
  switch (type) {
  case LayoutType::I32:
    return T::I32;
  case LayoutType::I64:
    return T::I64;
  case LayoutType::F32:
    break;
  }
  return T::F32;
}

/// The element type of token ids or labels.
ElemType idElemType(IdType type) {
  return type == IdType::I32 ? T::I32 : T::I64;
}

std::vector<Param> gseFormatParams() {
  return {
      intParam("axis", 1, "axis the groups run along", {"0", "1"}),
      intParam("bits", 8, "mantissa bits, sign included"),
      intParam("group", 32, "elements sharing one exponent"),
      intParam("exp_bits", 8, "exponent bits"),
      enumParam("exp_rule", ExpRule::Floor, "the shared exponent's rule"),
      enumParam("rounding", Rounding::RNE, "mantissa rounding"),
  };
}

std::vector<Kernel> makeRegistry() {
  std::vector<Kernel> k;

  k.push_back(
      {"gse_matmul",
       "qt.matmul of two GSE operands",
       {intParam("group", 32, "GSE group size of both operands"),
        enumParam("accumulate", Accumulate::F32,
                  "f32 sums of group products, or one exact integer sum"),
        boolParam("transpose_a", false, "A is stored [K, M]"),
        boolParam("transpose_b", false, "B is stored [N, K]"),
        enumParam("shape", MatmulShape::Gemm,
                  "gemv: 1..8 rows of A, f32 accumulation, X W^T only"),
        boolParam("prepacked_b", false,
                  "B's mantissas come packed by gse_pack_rhs (3-D)"),
        boolParam("epilogue_scale", false,
                  "C times the scalar input 'scale' (a fused arith.mulf)")},
       [](const ParamValues &v, TargetClass target) {
         bool packed = v.getBool("prepacked_b");
         std::vector<Arg> args = {in("a_mantissas", 2, T::I8),
                                  in("a_exponents", 2, T::I8),
                                  in("b_mantissas", packed ? 3 : 2,
                                     packed ? packedGseType(target) : T::I8),
                                  in("b_exponents", 2, T::I8)};
         if (v.getBool("epilogue_scale"))
           args.push_back(scalar("scale", T::F32));
         args.push_back(out("c", 2, T::F32));
         return args;
       },
       [](const ParamValues &v) -> TargetSet {
         if (v.getBool("prepacked_b"))
           return kAvx512Vnni; // the packed layout is VNNI's
         if (v.get<MatmulShape>("shape") == MatmulShape::Gemv) {
           // The GEMV form is X W^T with f32 sums and no epilogue only.
           bool form = !v.getBool("transpose_a") && v.getBool("transpose_b") &&
                       v.get<Accumulate>("accumulate") == Accumulate::F32 &&
                       !v.getBool("epilogue_scale");
           return form ? kCpu : 0;
         }
         return kAllTargets;
       }});

  k.push_back({"gse_pack_rhs",
               "packs a frozen GSE matmul operand B once for prepacked_b",
               {boolParam("transpose_b", true, "B is stored [N, K]")},
               [](const ParamValues &, TargetClass target) {
                 return std::vector<Arg>{
                     in("b_mantissas", 2, T::I8),
                     out("packed", 3, packedGseType(target))};
               },
               [](const ParamValues &) { return kAvx512Vnni; }});

  k.push_back(
      {"f32_matmul",
       "qt.matmul of f32 or ternary operands, optionally LoTA's dDW epilogue",
       {boolParam("transpose_a", false, "A is stored [K, M]"),
        boolParam("transpose_b", false, "B is stored [N, K]"),
        boolParam("lota_delta_grad", false,
                  "followed by qt.lota_delta_grad (then op(A) op(B) = x^T dY)"),
        intParam("group", 128, "the affine weight's group (lota_delta_grad)"),
        boolParam("ternary_a", false, "A is a ternary adapter read as i8"),
        boolParam("ternary_b", false, "B is a ternary adapter read as i8"),
        enumParam("b_type", StorageFloat::F32,
                  "B's storage: f16 or bf16 is widened exactly on load (a "
                  "checkpoint's half-precision weights, QEFT's weak rows)"),
        boolParam("epilogue_scale", false,
                  "C times the scalar input 'scale' (a fused arith.mulf)"),
        boolParam("epilogue_add", false,
                  "the input 'addend' plus C (a fused arith.addf)")},
       [](const ParamValues &v, TargetClass) {
         bool delta = v.getBool("lota_delta_grad");
         std::vector<Arg> args = {
             in("a", 2, v.getBool("ternary_a") ? T::I8 : T::F32),
             in("b", 2,
                v.getBool("ternary_b") ? T::I8
                                       : storageType(v.get<StorageFloat>(
                                             "b_type"))),
             unusedIf(!delta, in("scales", 2, T::F32)),
             unusedIf(!delta, scalar("offset_scale", T::F64))};
         if (v.getBool("epilogue_scale"))
           args.push_back(scalar("scale", T::F32));
         if (v.getBool("epilogue_add"))
           args.push_back(in("addend", 2, T::F32));
         args.push_back(out("c", 2, T::F32));
         return args;
       },
       [](const ParamValues &) { return kCpu; }});

  k.push_back({"tsign_sgd",
               "qt.tsign_sgd over a flat view of a ternary adapter",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("param", 1, T::I8),       in("grad", 1, T::F32),
                     scalar("step", T::I64),      scalar("total_steps", T::I64),
                     scalar("grad_norm", T::F32), out("new_param", 1, T::I8)};
               },
               [](const ParamValues &) { return kCpu; }});

  k.push_back(
      {"adamw",
       "qt.adamw over a flat view; the caller passes 1 - beta^t and the "
       "gradient's clipping factor",
       {enumParam("param_type", FloatType::F32, "the parameter's type")},
       [](const ParamValues &v, TargetClass) {
         T p =
             v.get<FloatType>("param_type") == FloatType::F16 ? T::F16 : T::F32;
         return std::vector<Arg>{in("param", 1, p),
                                 in("grad", 1, T::F32),
                                 in("m", 1, T::F32),
                                 in("v", 1, T::F32),
                                 scalar("lr", T::F64),
                                 scalar("beta1", T::F64),
                                 scalar("beta2", T::F64),
                                 scalar("eps", T::F64),
                                 scalar("weight_decay", T::F64),
                                 scalar("grad_scale", T::F64),
                                 scalar("correction1", T::F64),
                                 scalar("correction2", T::F64),
                                 out("new_param", 1, p),
                                 out("new_m", 1, T::F32),
                                 out("new_v", 1, T::F32)};
       },
       [](const ParamValues &) { return kCpu; }});

  k.push_back({"lota_merge",
               "LoTA-QAF's merge: ternary product, threshold, offset and merge",
               {intParam("bits", 4, "the base weight's code bits",
                         {"2", "3", "4", "5", "6", "7", "8"}),
                intParam("group", 128, "the base weight's group"),
                enumParam("offset_scale", OffsetScale::InvOmega,
                          "the zero offset's factor"),
                lotaBaseZero()},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{in("codes", 2, T::I8),
                                         lotaZeros(v), lotaScales(v),
                                         in("a", 2, T::I8),
                                         in("b", 2, T::I8),
                                         scalar("omega", T::F32),
                                         out("merged_codes", 2, T::I8),
                                         out("merged_zeros", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});

  k.push_back(
      {"affine_matmul",
       "x times an affine-int weight dequantized on load (LoTA), optionally "
       "plus QEFT's f16 weak rows",
       {intParam("group", 128, "the weight's group along K"),
        enumParam("zero", ZeroForm::Int, "the zero points' form"),
        boolParam("weak_rows", false, "QEFT's f16 rows for the last inputs"),
        enumParam("shape", MatmulShape::Gemm,
                  "gemv: the schedule for a few rows"),
        boolParam("transposed", false, "y = x W^T (the backward dX)"),
        intParam("packed_bits", 0,
                 "0: one code per byte; 2, 4, 8: GPTQ qweight words",
                 {"0", "2", "4", "8"}),
        boolParam("clamp_columns", false,
                  "reads the weight clamped along N, so that N need not be a "
                  "multiple of kAffineColumnQuantum (ScheduleThresholds.h)")},
       [](const ParamValues &v, TargetClass) {
         bool packed = v.getInt("packed_bits") != 0;
         T zeros = v.get<ZeroForm>("zero") == ZeroForm::Int ? T::I8 : T::F32;
         return std::vector<Arg>{
             in("x", 2, T::F32),
             in("codes", 2, packed ? T::I32 : T::I8),
             in("scales", 2, T::F32),
             in("zeros", 2, zeros),
             unusedIf(!v.getBool("weak_rows"), in("weak", 2, T::U16)),
             out("y", 2, T::F32)};
       },
       [](const ParamValues &v) -> TargetSet {
         // The GPU schedules read one code per byte.
         return v.getInt("packed_bits") == 0 ? kAllTargets : kCpu;
       }});

  k.push_back({"nf4_to_gse",
               "qt.requantize of an NF4 base weight to GSE, on load",
               {intParam("block", 64, "NF4 block size"),
                intParam("axis", 0, "axis of the GSE groups", {"0", "1"}),
                intParam("group", 32, "GSE group size")},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("codes", 1, T::I8), in("absmax", 1, T::F32),
                     scalar("cols", T::I32), out("mantissas", 2, T::I8),
                     out("exponents", 2, T::I8)};
               },
               [](const ParamValues &) { return kCpu; }});

  k.push_back({"gse_quantize", "qt.quantize of a 2-D f32 tensor to GSE",
               gseFormatParams(),
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("x", 2, T::F32), scalar("seed", T::U64),
                     out("mantissas", 2, T::I8), out("exponents", 2, T::I8)};
               },
               [](const ParamValues &) { return kAllTargets; }});

  std::vector<Param> requantize = {
      intParam("from_axis", 1, "the input's group axis", {"0", "1"}),
      intParam("from_group", 32, "the input's group size")};
  for (Param &p : gseFormatParams())
    requantize.push_back(p);
  requantize[2].defaultValue = "0"; // axis: GSQ's backward regroups along K
  k.push_back({"gse_requantize",
               "qt.requantize of GSE to GSE grouped along another axis",
               requantize,
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("in_mantissas", 2, T::I8), in("in_exponents", 2, T::I8),
                     scalar("seed", T::U64), out("mantissas", 2, T::I8),
                     out("exponents", 2, T::I8)};
               },
               [](const ParamValues &) { return kCpu; }});

  k.push_back(
      {"elementwise",
       "arith.addf / subf / mulf / negf and products with a splat, flat f32",
       {enumParam("op", ElementwiseOp::Add, "the operation")},
       [](const ParamValues &v, TargetClass) {
         auto op = v.get<ElementwiseOp>("op");
         bool unary = op == ElementwiseOp::Scale || op == ElementwiseOp::Neg;
         return std::vector<Arg>{
             in("a", 1, T::F32), unusedIf(unary, in("b", 1, T::F32)),
             unusedIf(op != ElementwiseOp::Scale, scalar("s", T::F32)),
             out("out", 1, T::F32)};
       },
       [](const ParamValues &) { return kCpu; }});

  // LoTA-QAF's merge chain and dDW one op at a time, for a step whose
  // fusion missed them (the fused lota_merge and f32_matmul with
  // lota_delta_grad compute the same values).
  k.push_back({"ternary_product",
               "dW = A B of two ternary adapters, as i32",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{in("a", 2, T::I8), in("b", 2, T::I8),
                                         out("product", 2, T::I32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"masked_threshold",
               "LoTA's step What from dW and the base codes",
               {intParam("bits", 4, "the base weight's code bits",
                         {"2", "3", "4", "8"})},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("delta", 2, T::I32), in("codes", 2, T::I8),
                     scalar("omega", T::F32), out("step", 2, T::I8)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"lota_offset",
               "LoTA's zero offset U: group means of dW - omega What",
               {intParam("group", 128, "the base weight's group"),
                enumParam("offset_scale", OffsetScale::InvOmega,
                          "the zero offset's factor")},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("delta", 2, T::I32), in("step", 2, T::I8),
                     scalar("omega", T::F32), out("offset", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"lota_apply",
               "qt.lota_merge alone: q' = q + What, z' = z - U or "
               "zs' = zs + s U",
               {lotaBaseZero()},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{in("codes", 2, T::I8),
                                         lotaZeros(v), lotaScales(v),
                                         in("step", 2, T::I8),
                                         in("offset", 2, T::F32),
                                         out("merged_codes", 2, T::I8),
                                         out("merged_zeros", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"lota_delta_grad",
               "qt.lota_delta_grad alone: dDW = S Gw + c P(S Gw) from Gw",
               {intParam("group", 128, "the affine weight's group")},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("gw", 2, T::F32), in("scales", 2, T::F32),
                     scalar("offset_scale", T::F64), out("ddw", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});

  // Generic layout kernels: what a missed fusion leaves behind computes,
  // slower, instead of failing the compile.
  k.push_back({"pad",
               "tensor.pad of a 2-D tensor with a constant (static lows)",
               {enumParam("type", LayoutType::F32, "the element type")},
               [](const ParamValues &v, TargetClass) {
                 T e = layoutElemType(v.get<LayoutType>("type"));
                 return std::vector<Arg>{
                     in("in", 2, e), scalar("value", e),
                     scalar("low0", T::I32), scalar("low1", T::I32),
                     out("out", 2, e)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"slice",
               "tensor.extract_slice of a 2-D tensor (static offsets, "
               "strides)",
               {enumParam("type", LayoutType::F32, "the element type")},
               [](const ParamValues &v, TargetClass) {
                 T e = layoutElemType(v.get<LayoutType>("type"));
                 return std::vector<Arg>{
                     in("in", 2, e),            scalar("offset0", T::I32),
                     scalar("offset1", T::I32), scalar("stride0", T::I32),
                     scalar("stride1", T::I32), out("out", 2, e)};
               },
               [](const ParamValues &) { return kCpu; }});

  k.push_back(
      {"sum_of_squares",
       "one operand's sum of squares in f64 (qt.global_norm)",
       {},
       [](const ParamValues &, TargetClass) {
         return std::vector<Arg>{in("x", 1, T::F32), out("sum", 0, T::F64)};
       },
       [](const ParamValues &) { return kCpu; }});

  // Model ops (NUMERICS.md 6), token-major [tokens, width].
  k.push_back({"rmsnorm",
               "qt.rmsnorm over the rows of x [T, D], sums in f64",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("x", 2, T::F32), in("weight", 1, T::F32),
                     scalar("eps", T::F32), out("y", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"rmsnorm_grad",
               "qt.rmsnorm_grad: dx [T, D] and dweight [D]",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("x", 2, T::F32),       in("weight", 1, T::F32),
                     in("dy", 2, T::F32),      scalar("eps", T::F32),
                     out("dx", 2, T::F32),     out("dweight", 1, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"widen",
               "arith.extf of f16 or bf16 storage to f32 over a flat view "
               "(exact)",
               {enumParam("from", StorageFloat::BF16,
                          "the storage type (f16 or bf16)")},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{
                     in("in", 1, storageType(v.get<StorageFloat>("from"))),
                     out("out", 1, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"swiglu",
               "qt.swiglu, silu(gate) * up over flat f32",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{in("gate", 1, T::F32),
                                         in("up", 1, T::F32),
                                         out("out", 1, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"rope",
               "qt.rope over [T, heads * D], positions t mod seq_len; sign -1 "
               "rotates back (its VJP)",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("x", 2, T::F32),        in("inv_freq", 1, T::F64),
                     scalar("heads", T::I32),   scalar("seq_len", T::I32),
                     scalar("sign", T::F64),    out("y", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"attention",
               "qt.attention: causal GQA over seq_len sequences, f32, one "
               "query token's rows of scores at a time",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("q", 2, T::F32),         in("k", 2, T::F32),
                     in("v", 2, T::F32),         scalar("heads", T::I32),
                     scalar("kv_heads", T::I32), scalar("head_dim", T::I32),
                     scalar("seq_len", T::I32),  scalar("scale", T::F64),
                     out("out", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"attention_grad",
               "qt.attention_grad: dq, dk and dv in three passes (stats, "
               "query rows, key columns), scores recomputed in each",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("q", 2, T::F32),         in("k", 2, T::F32),
                     in("v", 2, T::F32),         in("dout", 2, T::F32),
                     scalar("heads", T::I32),    scalar("kv_heads", T::I32),
                     scalar("head_dim", T::I32), scalar("seq_len", T::I32),
                     scalar("scale", T::F64),    out("dq", 2, T::F32),
                     out("dk", 2, T::F32),       out("dv", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"bias_add",
               "qt.bias_add, x [T, N] plus bias [N]",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{in("x", 2, T::F32),
                                         in("bias", 1, T::F32),
                                         out("y", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"row_sum",
               "qt.row_sum, the column sums of x [T, N] in f64",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{in("x", 2, T::F32),
                                         out("sum", 1, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"embedding",
               "qt.embedding, rows of table [V, D] at ids [T]",
               {enumParam("ids", IdType::I64, "the ids' element type")},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{
                     in("table", 2, T::F32),
                     in("ids", 1, idElemType(v.get<IdType>("ids"))),
                     out("out", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"embedding_grad",
               "qt.embedding_grad, dy rows scatter-added at their ids",
               {enumParam("ids", IdType::I64, "the ids' element type")},
               [](const ParamValues &v, TargetClass) {
                 // The vocabulary as a scalar: an algorithm cannot read
                 // its output's extents.
                 return std::vector<Arg>{
                     in("ids", 1, idElemType(v.get<IdType>("ids"))),
                     in("dy", 2, T::F32), scalar("vocab", T::I32),
                     out("dtable", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"cross_entropy",
               "qt.cross_entropy over logits [T, V] and labels [T]",
               {enumParam("labels", IdType::I64, "the labels' element type")},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{
                     in("logits", 2, T::F32),
                     in("labels", 1, idElemType(v.get<IdType>("labels"))),
                     scalar("ignore_index", T::I64), out("loss", 0, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"cross_entropy_grad",
               "qt.cross_entropy_grad, dlogits [T, V]",
               {enumParam("labels", IdType::I64, "the labels' element type")},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{
                     in("logits", 2, T::F32),
                     in("labels", 1, idElemType(v.get<IdType>("labels"))),
                     in("dloss", 0, T::F32), scalar("ignore_index", T::I64),
                     out("dlogits", 2, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"head_loss",
               "qt-fuse's head_loss: cross_entropy(h W^T) over the "
               "vocabulary in chunks, the logits never whole",
               {enumParam("b_type", StorageFloat::F32,
                          "how the [out, in] head W is stored"),
                enumParam("labels", IdType::I64, "the labels' element type")},
               [](const ParamValues &v, TargetClass) {
                 return std::vector<Arg>{
                     in("h", 2, T::F32),
                     in("w", 2, storageType(v.get<StorageFloat>("b_type"))),
                     in("labels", 1, idElemType(v.get<IdType>("labels"))),
                     scalar("ignore_index", T::I64), out("loss", 0, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"head_loss_grad",
               "qt-fuse's head_loss_grad: dh = cross_entropy_grad(h W^T) W, "
               "the vocabulary in chunks; with_loss, head_loss_and_grad: "
               "the loss too, from the same log-sum-exp",
               {enumParam("b_type", StorageFloat::F32,
                          "how the [out, in] head W is stored"),
                enumParam("labels", IdType::I64, "the labels' element type"),
                boolParam("with_loss", false,
                          "also the loss (cross_entropy of the same logits)")},
               [](const ParamValues &v, TargetClass) {
                 std::vector<Arg> args = {
                     in("h", 2, T::F32),
                     in("w", 2, storageType(v.get<StorageFloat>("b_type"))),
                     in("labels", 1, idElemType(v.get<IdType>("labels"))),
                     in("dloss", 0, T::F32), scalar("ignore_index", T::I64)};
                 if (v.getBool("with_loss"))
                   args.push_back(out("loss", 0, T::F32));
                 args.push_back(out("dh", 2, T::F32));
                 return args;
               },
               [](const ParamValues &) { return kCpu; }});
  k.push_back({"swiglu_grad",
               "qt.swiglu_grad: dgate and dup over flat f32",
               {},
               [](const ParamValues &, TargetClass) {
                 return std::vector<Arg>{
                     in("gate", 1, T::F32), in("up", 1, T::F32),
                     in("dy", 1, T::F32), out("dgate", 1, T::F32),
                     out("dup", 1, T::F32)};
               },
               [](const ParamValues &) { return kCpu; }});
  return k;
}

} // namespace

const std::vector<Kernel> &registry() {
  static const std::vector<Kernel> kernels = makeRegistry();
  return kernels;
}

const Kernel *lookup(const std::string &generator) {
  for (const Kernel &k : registry())
    if (k.generator == generator)
      return &k;
  return nullptr;
}

} // namespace qtc::kernels
