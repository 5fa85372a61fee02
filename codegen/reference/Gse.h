//===- Gse.h - Group-shared-exponent integers (NUMERICS.md 1) ---*- C++ -*-===//
#ifndef QTC_REFERENCE_GSE_H
#define QTC_REFERENCE_GSE_H

#include "codegen/reference/Array.h"
#include "runtime/Status.h"

namespace qtc::ref {

enum class ExpRule { Floor, Ceil };
enum class Rounding { RNE, RNA, Stochastic };
enum class Accumulation { F32, WideInt };

struct GseFormat {
  int bits = 8;
  int group = 32;
  int expBits = 8;
  ExpRule expRule = ExpRule::Floor;
  Rounding rounding = Rounding::RNE;

  int maxMantissa() const { return (1 << (bits - 1)) - 1; }
  int minExponent() const { return -(1 << (expBits - 1)); }
  int maxExponent() const { return (1 << (expBits - 1)) - 1; }
};

/// `shape` grouped along `axis`: mantissas have the shape, exponents the
/// shape with that axis divided by the group size.
struct GseTensor {
  int64_t axis = 0;
  GseFormat format;
  Array<int8_t> mantissas;
  Array<int8_t> exponents;

  const Shape &shape() const { return mantissas.shape; }
};

/// The shared exponent of one group whose largest magnitude is `amax`
/// (finite), after clamping to the exponent range.
int gseExponent(float amax, const GseFormat &format);

/// The mantissa of `x` at exponent `s`; `randomBits` (see
/// StochasticRounding.h) is read only for stochastic rounding.
int8_t gseMantissa(float x, int s, const GseFormat &format,
                   uint32_t randomBits);

/// Quantizes `x` along `axis`. Fails on non-finite input or a group size that
/// does not divide the axis. `seed` is read only for stochastic rounding.
Status quantizeGse(const Array<float> &x, int64_t axis,
                   const GseFormat &format, uint64_t seed, GseTensor &out);

/// The exact f32 values m * 2^s (NaN-free: every value is representable
/// unless s is near the ends of an 8-bit exponent range, where ldexp rounds).
Array<float> dequantizeGse(const GseTensor &q);

/// op(a) [M, K] times op(b) [K, N], both grouped along K with one group size
/// (checked by the caller: the dialect verifier). f32 accumulation scales
/// each group's i32 partial by 2^(sA + sB) and sums in f32 in group order;
/// wide_int shifts the partials to a common exponent and sums in i64.
Array<float> gseMatmul(const GseTensor &a, bool transposeA, const GseTensor &b,
                       bool transposeB, Accumulation accumulation);

} // namespace qtc::ref

#endif // QTC_REFERENCE_GSE_H
