//===- KernelRegistry.h - Every kernel qtc can call, one table -*- C++ -*-===//
//
// The one description of qtc's Halide kernels: each entry names a generator
// of codegen/halide/KernelGenerators.cpp, its generator parameters with
// their types, defaults and allowed values, the arguments of the C function
// it compiles to (in order, with element types and ranks, for given
// parameter values) and the targets it has schedules for. The generators
// declare their inputs and outputs from it, the step code generator binds
// arguments by name against it, and the driver picks each kernel's target
// from it. No MLIR or Halide dependency: the generators (Halide's LLVM 14)
// and the compiler (LLVM 19) both link it.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_REGISTRY_KERNELREGISTRY_H
#define QTC_CODEGEN_REGISTRY_KERNELREGISTRY_H

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qtc::kernels {

//===----------------------------------------------------------------------===//
// Enum-valued generator parameters. Each has one spelling table (enumNames)
// that the registry, the generators' GeneratorParam maps and the parser of
// "name=value" settings all read.
//===----------------------------------------------------------------------===//

enum class Accumulate { F32, WideInt };
/// GEMV: a schedule for few rows; GEMM: the tiled one. The step code
/// generator picks by row count (codegen/halide/ScheduleThresholds.h).
enum class MatmulShape { Gemm, Gemv };
enum class Rounding { RNE, RNA, Stochastic };
enum class ExpRule { Floor, Ceil };
/// How an affine weight's zero points are stored and applied (NUMERICS.md).
enum class ZeroForm { Int, Float, Scaled };
enum class OffsetScale { InvOmega, One };
enum class ElementwiseOp { Add, Sub, Mul, Scale, Neg };
enum class FloatType { F32, F16 };
/// How a float operand is stored: f32, or f16/bf16 widened exactly on load
/// (a checkpoint's half-precision weights, QEFT's weak rows).
enum class StorageFloat { F32, F16, BF16 };
/// The elements a layout copy (pad, slice) moves: activations, or token ids
/// and labels (the loss's label shift).
enum class LayoutType { F32, I32, I64 };
/// The element type of token ids and labels (`qtc import --ids`).
enum class IdType { I32, I64 };

template <typename E>
const std::vector<std::pair<std::string, E>> &enumNames();

/// The spelling of an enumerator (as in generator parameters).
template <typename E>
std::string enumName(E value) {
  for (const auto &[name, v] : enumNames<E>())
    if (v == value)
      return name;
  return "?";
}

/// The enumerator spelled `name`, if any.
template <typename E>
std::optional<E> enumValue(const std::string &name) {
  for (const auto &[n, v] : enumNames<E>())
    if (n == name)
      return v;
  return std::nullopt;
}

/// The same table as the std::map a Halide GeneratorParam<E> takes.
template <typename E>
std::map<std::string, E> enumMap() {
  const auto &names = enumNames<E>();
  return {names.begin(), names.end()};
}

//===----------------------------------------------------------------------===//
// Kernels.
//===----------------------------------------------------------------------===//

enum class ParamKind { Bool, Int, Enum };

struct Param {
  std::string name;
  ParamKind kind;
  std::string defaultValue;
  /// Enum: its spellings. Int: the allowed values (empty: any value >= 1).
  std::vector<std::string> allowed;
  std::string doc;
};

/// Element types of kernel arguments (Halide's types; u64 for seeds).
enum class ElemType { F16, BF16, F32, F64, I8, U8, U16, I32, I64, U64 };
const char *elemTypeName(ElemType type);
int64_t elemTypeBytes(ElemType type);

/// One argument of a kernel's C function. Halide passes the inputs in
/// declaration order, then the outputs.
struct Arg {
  std::string name;
  bool output = false;
  /// A buffer of `rank` dimensions, or (rank -1) a scalar.
  int rank = -1;
  ElemType type = ElemType::F32;
  /// Declared for a uniform signature but read by no schedule of these
  /// parameter values (bound to a one-element dummy buffer).
  bool unused = false;
  bool isScalar() const { return rank < 0; }
};

/// The classes of target the kernels have schedules for. The x86 classes
/// are the two variants of a multi-target host library.
enum class TargetClass : unsigned {
  X86Avx512Vnni = 1u << 0,
  X86Avx2 = 1u << 1,
  Arm64DotProd = 1u << 2,
  Cuda = 1u << 3,
};
using TargetSet = unsigned;
constexpr TargetSet kCpu = unsigned(TargetClass::X86Avx512Vnni) |
                           unsigned(TargetClass::X86Avx2) |
                           unsigned(TargetClass::Arm64DotProd);
constexpr TargetSet kAllTargets = kCpu | unsigned(TargetClass::Cuda);
inline bool has(TargetSet set, TargetClass t) { return set & unsigned(t); }
const char *targetClassName(TargetClass t);

/// Resolved parameter values of one kernel: every parameter, canonical
/// spelling, in the registry's order.
class ParamValues {
public:
  bool getBool(const std::string &name) const;
  int64_t getInt(const std::string &name) const;
  template <typename E>
  E get(const std::string &name) const {
    return *enumValue<E>(raw(name));
  }
  const std::string &raw(const std::string &name) const;
  /// "name=value" for each parameter, as the generator takes them.
  std::vector<std::string> settings() const;
  /// "name=value ..." (settings() joined), for messages and cache keys.
  std::string str() const;
  const std::vector<std::pair<std::string, std::string>> &entries() const {
    return values;
  }

private:
  friend struct Kernel;
  std::vector<std::pair<std::string, std::string>> values;
};

struct Kernel {
  /// The generator's registered name (HALIDE_REGISTER_GENERATOR).
  std::string generator;
  std::string summary;
  std::vector<Param> params;
  /// The C function's arguments for resolved values on a target (a packed
  /// operand's element type can depend on the target's dot product).
  std::function<std::vector<Arg>(const ParamValues &, TargetClass)> signature;
  /// The targets with a schedule for these values.
  std::function<TargetSet(const ParamValues &)> targets;

  /// Checks `settings` ("name" -> "value") and fills in the defaults.
  /// Fails (with `error` set) on an unknown name or a value the parameter
  /// does not allow, naming the allowed ones.
  std::optional<ParamValues>
  resolve(const std::map<std::string, std::string> &settings,
          std::string *error) const;
  /// resolve() that reports through `error` on the "name=value" forms.
  std::optional<ParamValues> resolve(const std::vector<std::string> &settings,
                                     std::string *error) const;
  const Param *param(const std::string &name) const;
  /// The argument named `name` of the signature, if any.
  std::optional<Arg> arg(const ParamValues &values, TargetClass target,
                         const std::string &name) const;
};

/// Every kernel, in a fixed order.
const std::vector<Kernel> &registry();

/// A kernel library built with the project (`add_halide_library`), for the
/// kernel tests and qtc-bench, which call it directly; `qtc compile` builds
/// its own. codegen/halide/CMakeLists.txt takes the list from
/// shippedLibraries() at configure time (PrintShippedLibraries.cpp).
struct ShippedLibrary {
  enum class Targets {
    Host,          ///< x86 AVX-512 VNNI and AVX2, dispatched at run time
    X86Avx512Vnni, ///< the VNNI variant alone (a layout only it reads)
    Arm64DotProd,  ///< cross-built object, checked by disassembly
    Cuda,          ///< cross-built object, PTX checked by ptxas
  };
  /// The C function and CMake target: qtc_<...>.
  std::string name;
  std::string generator;
  std::vector<std::string> settings;
  Targets targets = Targets::Host;
  /// Also writes the assembly (NAME.s) for a test to read.
  bool assembly = false;
};
const std::vector<ShippedLibrary> &shippedLibraries();
/// The kernel whose generator is `generator`, or null.
const Kernel *lookup(const std::string &generator);

} // namespace qtc::kernels

#endif // QTC_CODEGEN_REGISTRY_KERNELREGISTRY_H
