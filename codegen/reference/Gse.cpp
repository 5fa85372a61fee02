//===- Gse.cpp - Group-shared-exponent integers (NUMERICS.md 1) -----------===//
#include "codegen/reference/Gse.h"
#include "codegen/reference/StochasticRounding.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace qtc::ref {

int gseExponent(float amax, const GseFormat &format) {
  if (amax == 0.0f)
    return format.minExponent();
  int e = 0;
  std::frexp(amax, &e); // amax = f * 2^e, f in [0.5, 1): floor(log2) = e - 1
  int s = (e - 1) - (format.bits - 2);
  // Ceil rule: the smallest s with maxMantissa * 2^s >= amax, which is the
  // floor rule's s or one more (both products are exact in double).
  if (format.expRule == ExpRule::Ceil &&
      std::ldexp(static_cast<double>(format.maxMantissa()), s) < amax)
    ++s;
  return std::clamp(s, format.minExponent(), format.maxExponent());
}

int8_t gseMantissa(float x, int s, const GseFormat &format,
                   uint32_t randomBits) {
  double v = std::ldexp(static_cast<double>(x), -s); // exact in double
  double m = 0;
  switch (format.rounding) {
  case Rounding::RNE:
    m = std::nearbyint(v); // the default rounding mode: ties to even
    break;
  case Rounding::RNA:
    m = std::round(v); // ties away from zero
    break;
  case Rounding::Stochastic: {
    // floor(v + u) with u = k / 2^24, written so every step is exact in f32
    // as well: round up when frac(v) >= 1 - u.
    double whole = std::floor(v);
    double scaledFraction = (v - whole) * 16777216.0;
    double k = static_cast<double>(randomBits >> 8);
    m = whole + (scaledFraction >= 16777216.0 - k ? 1.0 : 0.0);
    break;
  }
  }
  // Saturate at FLT_MAX (NUMERICS.md 1, overflow): the ceil rule reaches
  // s = 127, where 2 * 2^127 = 2^128 would dequantize to inf.
  double limit = std::min(static_cast<double>(format.maxMantissa()),
                          std::floor(std::ldexp(double(FLT_MAX), -s)));
  return static_cast<int8_t>(std::clamp(m, -limit, limit));
}

Status quantizeGse(const Array<float> &x, int64_t axis,
                   const GseFormat &format, uint64_t seed, GseTensor &out) {
  if (axis < 0 || axis >= x.rank())
    return Status::error("axis " + std::to_string(axis) +
                         " is out of range for shape " + formatShape(x.shape));
  AxisSplit split(x.shape, axis);
  if (split.length % format.group != 0)
    return Status::error("group " + std::to_string(format.group) +
                         " does not divide axis " + std::to_string(axis) +
                         " of shape " + formatShape(x.shape));
  for (int64_t i = 0; i < x.numel(); ++i)
    if (!std::isfinite(x[i]))
      return Status::error("non-finite value " + std::to_string(x[i]) +
                           " at flat index " + std::to_string(i) +
                           " reaches a GSE quantize");
  GseTensor q;
  q.axis = axis;
  q.format = format;
  q.mantissas = Array<int8_t>(x.shape);
  Shape exponentShape = x.shape;
  exponentShape[axis] /= format.group;
  q.exponents = Array<int8_t>(exponentShape);
  int64_t groups = split.length / format.group;
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t n = 0; n < split.inner; ++n) {
        float amax = 0;
        for (int64_t k = 0; k < format.group; ++k)
          amax = std::max(amax,
                          std::fabs(x[split.index(o, g * format.group + k, n)]));
        int s = gseExponent(amax, format);
        q.exponents[(o * groups + g) * split.inner + n] = static_cast<int8_t>(s);
        for (int64_t k = 0; k < format.group; ++k) {
          int64_t i = split.index(o, g * format.group + k, n);
          uint32_t bits = format.rounding == Rounding::Stochastic
                              ? stochasticBits(seed, static_cast<uint64_t>(i))
                              : 0;
          q.mantissas[i] = gseMantissa(x[i], s, format, bits);
        }
      }
  out = std::move(q);
  return Status::success();
}

Array<float> dequantizeGse(const GseTensor &q) {
  AxisSplit split(q.shape(), q.axis);
  int64_t groups = split.length / q.format.group;
  Array<float> x(q.shape());
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t a = 0; a < split.length; ++a)
      for (int64_t n = 0; n < split.inner; ++n) {
        int64_t i = split.index(o, a, n);
        int s = q.exponents[(o * groups + a / q.format.group) * split.inner + n];
        x[i] = std::ldexp(static_cast<float>(q.mantissas[i]), s);
      }
  return x;
}

namespace {

/// Mantissa and exponent of op(t)[row, k] for a matrix grouped along k.
struct GseOperand {
  const GseTensor &t;
  bool transposed;
  int64_t mantissa(int64_t row, int64_t k) const {
    return transposed ? t.mantissas.at(k, row) : t.mantissas.at(row, k);
  }
  int exponent(int64_t row, int64_t group) const {
    return transposed ? t.exponents.at(group, row) : t.exponents.at(row, group);
  }
};

} // namespace

Array<float> gseMatmul(const GseTensor &a, bool transposeA, const GseTensor &b,
                       bool transposeB, Accumulation accumulation) {
  int64_t M = transposeA ? a.shape()[1] : a.shape()[0];
  int64_t K = transposeA ? a.shape()[0] : a.shape()[1];
  int64_t N = transposeB ? b.shape()[0] : b.shape()[1];
  int64_t G = a.format.group;
  int64_t groups = K / G;
  // op(b) is [K, N]; read it as rows n of op(b)^T grouped along k.
  GseOperand lhs{a, transposeA}, rhs{b, !transposeB};
  Array<float> c({M, N});
  std::vector<int64_t> partials(groups);
  std::vector<int> exponents(groups);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t g = 0; g < groups; ++g) {
        int32_t partial = 0; // exact: |partial| <= G * 127^2 < 2^31
        for (int64_t k = g * G; k < (g + 1) * G; ++k)
          partial += static_cast<int32_t>(lhs.mantissa(m, k) *
                                          rhs.mantissa(n, k));
        partials[g] = partial;
        exponents[g] = lhs.exponent(m, g) + rhs.exponent(n, g);
      }
      if (accumulation == Accumulation::F32) {
        float sum = 0;
        for (int64_t g = 0; g < groups; ++g)
          sum += std::ldexp(static_cast<float>(partials[g]), exponents[g]);
        c.at(m, n) = sum;
        continue;
      }
      // wide_int: the common exponent is the smallest one, raised where the
      // shifted sum could overflow i64 (|partial| < 2^31 and at most 2^31
      // groups leave 62 - 31 - ceil(log2(groups)) bits of shift headroom);
      // groups below it are shifted right (floor), losing only those bits.
      int headroom = 31;
      for (int64_t count = groups; count > 1; count = (count + 1) / 2)
        --headroom;
      int maxExp = *std::max_element(exponents.begin(), exponents.end());
      int common = std::max(*std::min_element(exponents.begin(), exponents.end()),
                            maxExp - headroom);
      int64_t sum = 0;
      for (int64_t g = 0; g < groups; ++g) {
        int shift = exponents[g] - common;
        sum += shift >= 0 ? partials[g] * (int64_t(1) << shift)
                          : (shift > -63 ? partials[g] >> -shift
                                         : (partials[g] < 0 ? -1 : 0));
      }
      c.at(m, n) = std::ldexp(static_cast<float>(sum), common);
    }
  return c;
}

} // namespace qtc::ref
