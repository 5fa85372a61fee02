//===- ValueChecks.cpp - What a tensor's values may be --------------------===//
#include "runtime/ValueChecks.h"

#include <cmath>
#include <cstdio>

namespace qtc {
namespace {

/// An f16 or bf16 bit pattern as a double, by its fields: Half.h's
/// _Float16 is not C++ in the AArch64 cross compiler (GCC 12), which builds
/// this file into the trainers.
double halfBitsToDouble(uint16_t bits, int exponentBits) {
  int mantissaBits = 15 - exponentBits;
  int bias = (1 << (exponentBits - 1)) - 1;
  int exponent = (bits >> mantissaBits) & ((1 << exponentBits) - 1);
  int mantissa = bits & ((1 << mantissaBits) - 1);
  double sign = (bits & 0x8000) ? -1.0 : 1.0;
  if (exponent == (1 << exponentBits) - 1)
    return mantissa ? NAN : sign * INFINITY;
  if (exponent == 0) // subnormal
    return sign * std::ldexp(mantissa, 1 - bias - mantissaBits);
  return sign * std::ldexp(mantissa + (1 << mantissaBits),
                           exponent - bias - mantissaBits);
}

/// Element `i` as a double (exact for every dtype but i64 beyond 2^53,
/// which no storage rule reaches).
double elementAt(const HostTensor &t, int64_t i) {
  switch (t.dtype) {
  case DType::F32:
    return t.data<float>()[i];
  case DType::F64:
    return t.data<double>()[i];
  case DType::F16:
    return halfBitsToDouble(t.data<uint16_t>()[i], 5);
  case DType::BF16:
    return halfBitsToDouble(t.data<uint16_t>()[i], 8);
  case DType::I8:
    return t.data<int8_t>()[i];
  case DType::U8:
  case DType::Bool:
    return t.data<uint8_t>()[i];
  case DType::I16:
    return t.data<int16_t>()[i];
  case DType::U16:
    return t.data<uint16_t>()[i];
  case DType::I32:
    return t.data<int32_t>()[i];
  case DType::I64:
    return static_cast<double>(t.data<int64_t>()[i]);
  }
  return 0;
}

bool isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F64 || dtype == DType::F16 ||
         dtype == DType::BF16;
}

std::string formatValue(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return std::to_string(static_cast<int64_t>(value));
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

} // namespace

Status checkValues(const HostTensor &tensor, const qtc_values &rule) {
  const int64_t count = tensor.numel();
  switch (rule.kind) {
  case QTC_VALUES_ANY:
    return Status::success();
  case QTC_VALUES_FINITE:
    if (int64_t i = firstNonFinite(tensor); i >= 0)
      return Status::error("value " + formatValue(elementAt(tensor, i)) +
                           " at flat index " + std::to_string(i) +
                           " is not finite");
    return Status::success();
  case QTC_VALUES_RANGE:
    if (isFloat(tensor.dtype))
      return Status::error(std::string("holds ") + dtypeName(tensor.dtype) +
                           " values where integers are expected");
    for (int64_t i = 0; i < count; ++i) {
      double value = elementAt(tensor, i);
      if (value < static_cast<double>(rule.min) ||
          value > static_cast<double>(rule.max))
        return Status::error("value " + formatValue(value) + " at flat index " +
                             std::to_string(i) + " is outside [" +
                             std::to_string(rule.min) + ", " +
                             std::to_string(rule.max) + "]");
    }
    return Status::success();
  }
  return Status::error("unknown value rule " +
                       std::to_string(static_cast<int>(rule.kind)));
}

int64_t firstNonFinite(const HostTensor &tensor) {
  if (!isFloat(tensor.dtype))
    return -1;
  const int64_t count = tensor.numel();
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(elementAt(tensor, i)))
      return i;
  return -1;
}

Status checkFiniteResult(const HostTensor &tensor, const std::string &what) {
  int64_t i = firstNonFinite(tensor);
  if (i < 0)
    return Status::success();
  return Status::error(what + " has a non-finite value " +
                       formatValue(elementAt(tensor, i)) + " at flat index " +
                       std::to_string(i) +
                       "; nothing was written (--allow-non-finite writes it)");
}

} // namespace qtc
