//===- RuntimeValue.h - Values of the qt IR interpreter ---------*- C++ -*-===//
//
// What an SSA value holds while the reference backend runs a function: a
// dense array (tensors and scalars alike; a scalar is rank 0) or one of the
// quantized formats of the reference numerics. Ternary tensors are i8 arrays.
// The MLIR type of the value always says which alternative to expect.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_INTERPRETER_RUNTIMEVALUE_H
#define QTC_REFERENCE_INTERPRETER_RUNTIMEVALUE_H

#include "codegen/reference/Affine.h"
#include "codegen/reference/Gse.h"
#include "codegen/reference/Nf4.h"
#include "runtime/Half.h"
#include "runtime/HostTensor.h"
#include "dialect/QtTypes.h"

#include "mlir/IR/Types.h"
#include "llvm/Support/ErrorHandling.h"

#include <variant>

namespace mlir::qt {

template <typename T>
using Array = qtc::ref::Array<T>;

/// i1 is stored as uint8_t; index as int64_t.
using RuntimeValue =
    std::variant<Array<float>, Array<double>, Array<qtc::Half>,
                 Array<qtc::BFloat16>, Array<uint8_t>, Array<int8_t>,
                 Array<int16_t>, Array<int32_t>, Array<int64_t>,
                 qtc::ref::GseTensor, qtc::ref::Nf4Tensor,
                 qtc::ref::AffineTensor>;

/// An element of any dense array as a double (exact for every type held).
template <typename T>
double elementToDouble(T value) {
  if constexpr (std::is_same_v<T, qtc::Half>)
    return qtc::halfToFloat(value);
  else if constexpr (std::is_same_v<T, qtc::BFloat16>)
    return qtc::bf16ToFloat(value.bits);
  else
    return static_cast<double>(value);
}

/// A type as the IR spells it, for messages.
std::string typeToString(Type type);

/// The reference library's spelling of the dialect's enums.
qtc::ref::Rounding referenceRounding(Rounding rounding);
qtc::ref::ExpRule referenceExpRule(ExpRule rule);
/// The reference format of a GSE type.
qtc::ref::GseFormat gseFormatOf(GSEType type);
/// A qt.rope's rotation frequencies: ref::ropeInvFreq with its scaling
/// attribute (null: none). The interpreter and the step code generator,
/// which bakes them into a step, both take them from here.
std::vector<double> ropeInvFreqOf(int64_t headDim, double theta,
                                  RopeLlama3Attr scaling);
/// The static shape of a ranked tensor type; [] for a scalar.
qtc::Shape staticShapeOf(Type type);
/// The element type of a tensor type; a scalar type itself.
Type elementTypeOf(Type type);

/// Calls fn(array) on the dense alternative of `value`, which must not be a
/// quantized one (the MLIR type says which it is).
template <typename Fn>
auto visitDense(const RuntimeValue &value, Fn fn) {
  return std::visit(
      [&](const auto &v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, qtc::ref::GseTensor> ||
                      std::is_same_v<V, qtc::ref::Nf4Tensor> ||
                      std::is_same_v<V, qtc::ref::AffineTensor>) {
          llvm_unreachable("a quantized value where a dense one was expected");
          return fn(Array<float>());
        } else {
          return fn(v);
        }
      },
      value);
}

/// The dense value of a tensor or scalar type from a host tensor whose dtype
/// and shape must match it (bf16 also accepts u16 bit patterns).
qtc::Status denseFromHost(Type type, const qtc::HostTensor &host,
                          RuntimeValue &out);
/// The host tensor of a dense value (bf16 keeps its dtype).
qtc::HostTensor denseToHost(const RuntimeValue &value);

/// A quantized value of `type` (any QuantizedTypeInterface type) from its
/// storage values, checked against the type's storage layout and value
/// ranges (codes within the bit width, mantissas and exponents within the
/// format, ternary values in {-1, 0, 1}).
qtc::Status packStorage(Type type, ArrayRef<RuntimeValue> storage,
                        RuntimeValue &out);
/// The storage values of a quantized value, in the order of packStorage.
SmallVector<RuntimeValue> unpackStorage(Type type, const RuntimeValue &value);

/// Any float tensor or quantized value as f32 (dequantized, exact).
Array<float> toF32(Type type, const RuntimeValue &value);

/// "f32 [8, 64] min -1.5 max 2.25 mean 0.0123" (min/max/mean for numbers).
std::string summarize(const qtc::HostTensor &tensor);

} // namespace mlir::qt

#endif // QTC_REFERENCE_INTERPRETER_RUNTIMEVALUE_H
