//===- RuntimeValue.cpp - Values of the qt IR interpreter -----------------===//
#include "codegen/reference/interpreter/RuntimeValue.h"
#include "codegen/ElementDType.h"
#include "codegen/reference/Lota.h"
#include "codegen/reference/Model.h"
#include "dialect/QtTypes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

namespace mlir::qt {

using qtc::DType;
using qtc::HostTensor;
using qtc::Status;

namespace {

template <typename T>
Array<T> fromBytes(qtc::Shape shape, const std::vector<uint8_t> &bytes) {
  Array<T> array(std::move(shape));
  // memcpy needs non-null pointers even for 0 bytes: an empty tensor has
  // none (UBSan, from the IR fuzzer).
  if (!bytes.empty())
    std::memcpy(array.data.data(), bytes.data(), bytes.size());
  return array;
}

template <typename T>
DType dtypeOfElement() {
  if constexpr (std::is_same_v<T, float>)
    return DType::F32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::F64;
  else if constexpr (std::is_same_v<T, qtc::Half>)
    return DType::F16;
  else if constexpr (std::is_same_v<T, qtc::BFloat16>)
    return DType::BF16;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return DType::Bool;
  else if constexpr (std::is_same_v<T, int8_t>)
    return DType::I8;
  else if constexpr (std::is_same_v<T, int16_t>)
    return DType::I16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return DType::I32;
  else
    return DType::I64;
}

Status expectShape(const char *what, const qtc::Shape &found,
                   const qtc::Shape &expected) {
  if (found != expected)
    return Status::error(std::string(what) + " has shape " +
                         qtc::formatShape(found) + ", expected " +
                         qtc::formatShape(expected));
  return Status::success();
}

template <typename To, typename From>
Array<To> reinterpretArray(const Array<From> &from) {
  Array<To> to(from.shape);
  if (!from.data.empty())
    std::memcpy(to.data.data(), from.data.data(), from.data.size());
  return to;
}

} // namespace

std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

qtc::Shape staticShapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return qtc::Shape(tensor.getShape().begin(), tensor.getShape().end());
  return {};
}

Type elementTypeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getElementType();
  return type;
}

qtc::ref::Rounding referenceRounding(Rounding rounding) {
  switch (rounding) {
  case Rounding::RNA:
    return qtc::ref::Rounding::RNA;
  case Rounding::Stochastic:
    return qtc::ref::Rounding::Stochastic;
  default:
    return qtc::ref::Rounding::RNE;
  }
}

qtc::ref::ExpRule referenceExpRule(ExpRule rule) {
  return rule == ExpRule::Ceil ? qtc::ref::ExpRule::Ceil
                               : qtc::ref::ExpRule::Floor;
}

qtc::ref::GseFormat gseFormatOf(GSEType type) {
  qtc::ref::GseFormat format;
  format.bits = type.getBits();
  format.group = type.getGroup();
  format.expBits = type.getExpBits();
  format.expRule = referenceExpRule(type.getExpRule());
  format.rounding = referenceRounding(type.getRounding());
  return format;
}

std::vector<double> ropeInvFreqOf(int64_t headDim, double theta,
                                  RopeLlama3Attr scaling) {
  if (!scaling)
    return qtc::ref::ropeInvFreq(headDim, theta, nullptr);
  qtc::ref::RopeLlama3 llama3{scaling.getFactor().convertToDouble(),
                              scaling.getLowFreqFactor().convertToDouble(),
                              scaling.getHighFreqFactor().convertToDouble(),
                              scaling.getOriginalMaxPosition()};
  return qtc::ref::ropeInvFreq(headDim, theta, &llama3);
}

Status denseFromHost(Type type, const HostTensor &host, RuntimeValue &out) {
  std::optional<DType> dtype = qtc::dtypeOfElement(elementTypeOf(type));
  if (!dtype)
    return Status::error("values of type " + typeToString(type) +
                         " cannot be read from a file");
  bool bf16Bits = *dtype == DType::BF16 && host.dtype == DType::U16;
  if (host.dtype != *dtype && !bf16Bits)
    return Status::error(std::string("has dtype ") +
                         qtc::dtypeName(host.dtype) + ", expected " +
                         qtc::dtypeName(*dtype) + " for " + typeToString(type));
  qtc::Shape shape = staticShapeOf(type);
  QTC_RETURN_IF_ERROR(expectShape("the tensor", host.shape, shape)
                          .withContext("for " + typeToString(type)));
  switch (*dtype) {
  case DType::F32:
    out = fromBytes<float>(shape, host.bytes);
    break;
  case DType::F64:
    out = fromBytes<double>(shape, host.bytes);
    break;
  case DType::F16:
    out = fromBytes<qtc::Half>(shape, host.bytes);
    break;
  case DType::BF16:
    out = fromBytes<qtc::BFloat16>(shape, host.bytes);
    break;
  case DType::Bool:
    out = fromBytes<uint8_t>(shape, host.bytes);
    break;
  case DType::I8:
    out = fromBytes<int8_t>(shape, host.bytes);
    break;
  case DType::I16:
    out = fromBytes<int16_t>(shape, host.bytes);
    break;
  case DType::I32:
    out = fromBytes<int32_t>(shape, host.bytes);
    break;
  default:
    out = fromBytes<int64_t>(shape, host.bytes);
    break;
  }
  return Status::success();
}

HostTensor denseToHost(const RuntimeValue &value) {
  return visitDense(value, [](const auto &v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    HostTensor host(dtypeOfElement<T>(), v.shape);
    if (!host.bytes.empty())
      std::memcpy(host.bytes.data(), v.data.data(), host.bytes.size());
    return host;
  });
}

Status packStorage(Type type, ArrayRef<RuntimeValue> storage,
                   RuntimeValue &out) {
  auto quantized = cast<QuantizedTypeInterface>(type);
  SmallVector<RankedTensorType> storageTypes = quantized.getStorageTypes();
  SmallVector<StringRef> names = quantized.getStorageNames();
  if (storage.size() != storageTypes.size())
    return Status::error(
        typeToString(type) + " has " + std::to_string(storageTypes.size()) +
        " storage tensors, got " + std::to_string(storage.size()));
  for (size_t i = 0; i < storage.size(); ++i) {
    // Element type and shape only: no copy of the data.
    auto [found, shape] = visitDense(storage[i], [](const auto &v) {
      using T = typename std::decay_t<decltype(v)>::value_type;
      return std::make_pair(dtypeOfElement<T>(), v.shape);
    });
    std::optional<DType> dtype =
        qtc::dtypeOfElement(storageTypes[i].getElementType());
    std::string what = names[i].str();
    if (found != *dtype)
      return Status::error(what + " has dtype " + qtc::dtypeName(found) +
                           ", expected " + qtc::dtypeName(*dtype));
    QTC_RETURN_IF_ERROR(
        expectShape(what.c_str(), shape, staticShapeOf(storageTypes[i])));
  }
  return llvm::TypeSwitch<Type, Status>(type)
      .Case([&](GSEType gse) -> Status {
        qtc::ref::GseTensor q;
        q.axis = gse.getAxis();
        q.format = gseFormatOf(gse);
        q.mantissas = std::get<Array<int8_t>>(storage[0]);
        q.exponents = std::get<Array<int8_t>>(storage[1]);
        for (int64_t i = 0; i < q.mantissas.numel(); ++i)
          if (std::abs(q.mantissas[i]) > q.format.maxMantissa())
            return Status::error("mantissa " + std::to_string(q.mantissas[i]) +
                                 " at flat index " + std::to_string(i) +
                                 " is outside +-" +
                                 std::to_string(q.format.maxMantissa()));
        for (int64_t i = 0; i < q.exponents.numel(); ++i)
          if (q.exponents[i] < q.format.minExponent() ||
              q.exponents[i] > q.format.maxExponent())
            return Status::error(
                "exponent " + std::to_string(q.exponents[i]) +
                " at flat index " + std::to_string(i) + " is outside the " +
                std::to_string(q.format.expBits) + "-bit exponent range");
        out = std::move(q);
        return Status::success();
      })
      .Case([&](NF4Type nf4) -> Status {
        qtc::ref::Nf4Tensor q;
        q.shape = qtc::Shape(nf4.getShape().begin(), nf4.getShape().end());
        q.block = nf4.getBlock();
        q.packed =
            reinterpretArray<uint8_t>(std::get<Array<int8_t>>(storage[0]));
        q.absmax = std::get<Array<float>>(storage[1]);
        for (int64_t i = 0; i < q.absmax.numel(); ++i)
          if (!std::isfinite(q.absmax[i]))
            return Status::error("absmax " + std::to_string(q.absmax[i]) +
                                 " of block " + std::to_string(i) +
                                 " is not finite");
        out = std::move(q);
        return Status::success();
      })
      .Case([&](AffineType affine) -> Status {
        qtc::ref::AffineTensor q;
        q.bits = affine.getBits();
        q.group = affine.getGroup();
        q.codes =
            reinterpretArray<uint8_t>(std::get<Array<int8_t>>(storage[0]));
        q.scales = std::get<Array<float>>(storage[1]);
        switch (affine.getZero()) {
        case ZeroForm::Int:
          q.zeroForm = qtc::ref::ZeroForm::Int;
          q.intZeros =
              reinterpretArray<uint8_t>(std::get<Array<int8_t>>(storage[2]));
          break;
        case ZeroForm::Float:
          q.zeroForm = qtc::ref::ZeroForm::Float;
          q.floatZeros = std::get<Array<float>>(storage[2]);
          break;
        case ZeroForm::Scaled:
          q.zeroForm = qtc::ref::ZeroForm::Scaled;
          q.floatZeros = std::get<Array<float>>(storage[2]);
          break;
        }
        if (affine.getGIdx())
          q.gIdx = std::get<Array<int32_t>>(storage[3]).data;
        QTC_RETURN_IF_ERROR(qtc::ref::validateAffine(q));
        out = std::move(q);
        return Status::success();
      })
      .Case([&](TernaryType) -> Status {
        const Array<int8_t> &values = std::get<Array<int8_t>>(storage[0]);
        QTC_RETURN_IF_ERROR(qtc::ref::validateTernary(values));
        out = values;
        return Status::success();
      })
      .Default([&](Type) {
        return Status::error("not a quantized type: " + typeToString(type));
      });
}

SmallVector<RuntimeValue> unpackStorage(Type type, const RuntimeValue &value) {
  return llvm::TypeSwitch<Type, SmallVector<RuntimeValue>>(type)
      .Case([&](GSEType) -> SmallVector<RuntimeValue> {
        const auto &q = std::get<qtc::ref::GseTensor>(value);
        return {q.mantissas, q.exponents};
      })
      .Case([&](NF4Type) -> SmallVector<RuntimeValue> {
        const auto &q = std::get<qtc::ref::Nf4Tensor>(value);
        return {reinterpretArray<int8_t>(q.packed), q.absmax};
      })
      .Case([&](AffineType affine) -> SmallVector<RuntimeValue> {
        const auto &q = std::get<qtc::ref::AffineTensor>(value);
        SmallVector<RuntimeValue> storage = {reinterpretArray<int8_t>(q.codes),
                                             q.scales};
        if (q.zeroForm == qtc::ref::ZeroForm::Int)
          storage.push_back(reinterpretArray<int8_t>(q.intZeros));
        else
          storage.push_back(q.floatZeros);
        if (affine.getGIdx()) {
          Array<int32_t> gIdx({q.inFeatures()});
          for (int64_t k = 0; k < q.inFeatures(); ++k)
            gIdx[k] = static_cast<int32_t>(q.groupOf(k));
          storage.push_back(gIdx);
        }
        return storage;
      })
      .Default([&](Type) -> SmallVector<RuntimeValue> { return {value}; });
}

Array<float> toF32(Type type, const RuntimeValue &value) {
  return std::visit(
      [&](const auto &v) -> Array<float> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, qtc::ref::GseTensor>)
          return qtc::ref::dequantizeGse(v);
        else if constexpr (std::is_same_v<V, qtc::ref::Nf4Tensor>)
          return qtc::ref::dequantizeNf4(v);
        else if constexpr (std::is_same_v<V, qtc::ref::AffineTensor>)
          return qtc::ref::dequantizeAffine(v);
        else {
          Array<float> out(v.shape);
          for (int64_t i = 0; i < v.numel(); ++i)
            out[i] = static_cast<float>(elementToDouble(v[i]));
          return out;
        }
      },
      value);
}

std::string summarize(const HostTensor &tensor) {
  RuntimeValue value;
  std::string text = std::string(qtc::dtypeName(tensor.dtype)) + " " +
                     qtc::formatShape(tensor.shape);
  if (tensor.numel() == 0)
    return text;
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  auto visitAll = [&](auto tag) {
    using T = decltype(tag);
    const T *data = tensor.data<T>();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      double x = elementToDouble(data[i]);
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      sum += x;
    }
  };
  switch (tensor.dtype) {
  case DType::F32:
    visitAll(float());
    break;
  case DType::F64:
    visitAll(double());
    break;
  case DType::F16:
    visitAll(qtc::Half());
    break;
  case DType::BF16:
    visitAll(qtc::BFloat16());
    break;
  case DType::I8:
    visitAll(int8_t());
    break;
  case DType::U8:
  case DType::Bool:
    visitAll(uint8_t());
    break;
  case DType::I16:
    visitAll(int16_t());
    break;
  case DType::U16:
    visitAll(uint16_t());
    break;
  case DType::I32:
    visitAll(int32_t());
    break;
  case DType::I64:
    visitAll(int64_t());
    break;
  }
  char buffer[128];
  std::snprintf(buffer, sizeof(buffer), " min %.6g max %.6g mean %.6g", lo, hi,
                sum / static_cast<double>(tensor.numel()));
  return text + buffer;
}

} // namespace mlir::qt
