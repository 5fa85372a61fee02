//===- Lota.h - LoTA-QAF ternary adaptation (NUMERICS.md 4) -----*- C++ -*-===//
#ifndef QTC_REFERENCE_LOTA_H
#define QTC_REFERENCE_LOTA_H

#include "codegen/reference/Affine.h"

namespace qtc::ref {

enum class OffsetScale { InvOmega, One };

/// Ternary values {-1, 0, 1}: sign(x) where |x| > 0.75 mean|x|, else 0
/// (the adapter initialization). Fails on non-finite input.
Status ternarize(const Array<float> &x, Array<int8_t> &out);
/// Checks that every value is -1, 0 or 1.
Status validateTernary(const Array<int8_t> &t);

/// dW = a b, exact: a [K, r], b [r, N].
Array<int32_t> ternaryProduct(const Array<int8_t> &a, const Array<int8_t> &b);

/// What = +1 where dW > omega and q != maxq, -1 where dW < -omega and q != 0.
Array<int8_t> maskedThreshold(const Array<int32_t> &dw, const AffineTensor &w,
                              double omega);

/// U[g, n] = c * mean over the rows i of group g of (dW - omega What), summed
/// exactly in double, divided by the row count, then by omega for inv_omega,
/// and rounded once to f32.
Array<float> lotaOffset(const Array<int32_t> &dw, const Array<int8_t> &what,
                        const AffineTensor &w, double omega,
                        OffsetScale offsetScale);

/// q' = q + What, and z' = z - U (float zeros) or zs' = s (U - z) (scaled
/// zeros), each rounded once to f32. Fails for a scaled-zero input or a code
/// leaving the range.
Status lotaMerge(const AffineTensor &w, const Array<int8_t> &what,
                 const Array<float> &offset, ZeroForm resultForm,
                 AffineTensor &out);

/// The training-time W_eff = s (q - z + What + U), defined as the
/// dequantization of the float-zero merge so that the deployed layer's
/// output equals the training-time output bit for bit.
Status lotaEffectiveWeight(const AffineTensor &w, const Array<int8_t> &a,
                           const Array<int8_t> &b, double omega,
                           OffsetScale offsetScale, Array<float> &out);

/// dDW = S Gw + c P(S Gw): S the scales broadcast to rows, P the group mean
/// (double) broadcast back over the group's rows, c = 1/omega or 1.
template <typename T>
Array<T> lotaDeltaGrad(const Array<T> &weightGrad, const AffineTensor &w,
                       double omega, OffsetScale offsetScale);

/// The whole straight-through backward for x [T, K], dY [T, N]:
/// Gw = x^T dY, dDW, dA = dDW b^T, dB = a^T dDW, dX = dY W_eff^T.
struct LotaGrads {
  Array<float> da, db, dx;
};
Status lotaBackward(const Array<float> &x, const Array<float> &dy,
                    const AffineTensor &w, const Array<int8_t> &a,
                    const Array<int8_t> &b, double omega,
                    OffsetScale offsetScale, LotaGrads &out);

} // namespace qtc::ref

#endif // QTC_REFERENCE_LOTA_H
