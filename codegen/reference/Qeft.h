//===- Qeft.h - QEFT outlier split (NUMERICS.md 5) --------------*- C++ -*-===//
#ifndef QTC_REFERENCE_QEFT_H
#define QTC_REFERENCE_QEFT_H

#include "codegen/reference/Affine.h"
#include "runtime/Half.h"

namespace qtc::ref {

/// H' = H n / (n + T) + (2 / (n + T)) x^T x for a batch x [T, K], computed in
/// double per element and rounded once; returns n + T in newCount.
Array<float> hessianAccumulate(const Array<float> &h, int64_t count,
                               const Array<float> &x, int64_t &newCount);

/// The quantizer the layer-local sensitivity rounds with; both have one
/// scale and zero per output column over all K rows.
enum class LocalQuantizer {
  Mse,    // the authors' grid search (AffineMseGrid.h), the default
  MinMax, // the column's range widened to include 0 (quantizeAffine)
};

/// OWQ's layer-local choice: the `count` input columns (rows j of w [K, N])
/// with the largest H[j, j] ||w[j, :] - Q(w)[j, :]||^2; ties go to the lower
/// index; ascending result. `gridPoints` is the mse search's (NUMERICS.md 5).
Status weakColumnsLocal(const Array<float> &h, const Array<float> &w,
                        int64_t count, LocalQuantizer quantizer, int bits,
                        int64_t gridPoints, std::vector<int64_t> &out);

/// The global choice: the `count` largest S_j = sum_l H_l[j, j] / mean(diag
/// H_l); ties to the lower index; ascending result.
Status weakColumnsGlobal(const std::vector<Array<float>> &hessians,
                         int64_t count, std::vector<int64_t> &out);

/// Checks that `perm` is a permutation of [0, n).
Status validatePermutation(const std::vector<int64_t> &perm, int64_t n);

/// result[..., i, ...] = x[..., perm[i], ...] (or the inverse scatter).
template <typename T>
Array<T> permute(const Array<T> &x, const std::vector<int64_t> &perm,
                 int64_t axis, bool inverse) {
  AxisSplit split(x.shape, axis);
  Array<T> y(x.shape);
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t i = 0; i < split.length; ++i)
      for (int64_t n = 0; n < split.inner; ++n) {
        if (inverse)
          y[split.index(o, perm[i], n)] = x[split.index(o, i, n)];
        else
          y[split.index(o, i, n)] = x[split.index(o, perm[i], n)];
      }
  return y;
}

/// result[..., i, ...] = x[..., indices[i], ...]; indices must be in range.
template <typename T>
Array<T> gather(const Array<T> &x, const std::vector<int64_t> &indices,
                int64_t axis) {
  AxisSplit split(x.shape, axis);
  Shape shape = x.shape;
  shape[axis] = static_cast<int64_t>(indices.size());
  AxisSplit outSplit(shape, axis);
  Array<T> y(shape);
  for (int64_t o = 0; o < split.outer; ++o)
    for (size_t i = 0; i < indices.size(); ++i)
      for (int64_t n = 0; n < split.inner; ++n)
        y[outSplit.index(o, i, n)] = x[split.index(o, indices[i], n)];
  return y;
}

/// The dense part (round-to-nearest with the last `weakRows` rows at the
/// zero code) and those rows in f16.
Status outlierSplit(const Array<float> &w, int64_t weakRows, int bits,
                    int64_t group, AffineTensor &dense, Array<Half> &weak);

/// Y = x dense + x[:, K-n:] weak, one sum per output in double.
template <typename T>
Array<T> qeftForward(const Array<T> &x, const Array<T> &dense,
                     const Array<T> &weak);

/// dX = dY dense^T + pad(dY weak^T) and dWeak = x[:, K-n:]^T dY.
template <typename T>
struct QeftGrads {
  Array<T> dx, dweak;
};
template <typename T>
QeftGrads<T> qeftBackward(const Array<T> &x, const Array<T> &dy,
                          const Array<T> &dense, const Array<T> &weak);

} // namespace qtc::ref

#endif // QTC_REFERENCE_QEFT_H
