//===- Qeft.cpp - QEFT outlier split (NUMERICS.md 5) ----------------------===//
#include "codegen/reference/Qeft.h"
#include "codegen/reference/AffineMseGrid.h"
#include "codegen/reference/Matmul.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qtc::ref {

Array<float> hessianAccumulate(const Array<float> &h, int64_t count,
                               const Array<float> &x, int64_t &newCount) {
  int64_t T = x.dim(0), K = x.dim(1);
  newCount = count + T;
  double keep = static_cast<double>(count) / static_cast<double>(newCount);
  double add = 2.0 / static_cast<double>(newCount);
  Array<float> out({K, K});
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j) {
      double sum = 0;
      for (int64_t t = 0; t < T; ++t)
        sum += static_cast<double>(x.at(t, i)) * x.at(t, j);
      out.at(i, j) = static_cast<float>(h.at(i, j) * keep + add * sum);
    }
  return out;
}

namespace {

/// Indices of the `count` largest scores (ties to the lower index), ascending.
Status topIndices(const std::vector<double> &scores, int64_t count,
                  std::vector<int64_t> &out) {
  int64_t K = static_cast<int64_t>(scores.size());
  if (count > K)
    return Status::error("cannot choose " + std::to_string(count) +
                         " weak columns out of " + std::to_string(K));
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return scores[a] > scores[b];
  });
  order.resize(count);
  std::sort(order.begin(), order.end());
  out = std::move(order);
  return Status::success();
}

} // namespace

Status weakColumnsLocal(const Array<float> &h, const Array<float> &w,
                        int64_t count, LocalQuantizer quantizer, int bits,
                        int64_t gridPoints, std::vector<int64_t> &out) {
  int64_t K = w.dim(0), N = w.dim(1);
  AffineTensor q;
  if (quantizer == LocalQuantizer::Mse)
    QTC_RETURN_IF_ERROR(quantizeAffineMseGrid(w, bits, gridPoints, q));
  else
    QTC_RETURN_IF_ERROR(quantizeAffine(w, bits, /*group=*/K, q));
  Array<float> wq = dequantizeAffine(q);
  std::vector<double> scores(K);
  for (int64_t j = 0; j < K; ++j) {
    double err = 0;
    for (int64_t n = 0; n < N; ++n) {
      double d = static_cast<double>(w.at(j, n)) - wq.at(j, n);
      err += d * d;
    }
    scores[j] = h.at(j, j) * err;
  }
  return topIndices(scores, count, out);
}

Status weakColumnsGlobal(const std::vector<Array<float>> &hessians,
                         int64_t count, std::vector<int64_t> &out) {
  int64_t K = hessians.front().dim(0);
  std::vector<double> scores(K, 0.0);
  for (const Array<float> &h : hessians) {
    double mean = 0;
    for (int64_t j = 0; j < K; ++j)
      mean += h.at(j, j);
    mean /= static_cast<double>(K);
    if (!(mean > 0))
      return Status::error("a Hessian has a non-positive mean diagonal (" +
                           std::to_string(mean) + "): no calibration data?");
    for (int64_t j = 0; j < K; ++j)
      scores[j] += h.at(j, j) / mean;
  }
  return topIndices(scores, count, out);
}

Status validatePermutation(const std::vector<int64_t> &perm, int64_t n) {
  if (static_cast<int64_t>(perm.size()) != n)
    return Status::error("permutation has " + std::to_string(perm.size()) +
                         " entries for an axis of " + std::to_string(n));
  std::vector<bool> seen(n, false);
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] < 0 || perm[i] >= n || seen[perm[i]])
      return Status::error("entry " + std::to_string(i) + " (" +
                           std::to_string(perm[i]) +
                           ") makes this not a permutation of [0, " +
                           std::to_string(n) + ")");
    seen[perm[i]] = true;
  }
  return Status::success();
}

Status outlierSplit(const Array<float> &w, int64_t weakRows, int bits,
                    int64_t group, AffineTensor &dense, Array<Half> &weak) {
  int64_t K = w.dim(0), N = w.dim(1);
  if (weakRows > K)
    return Status::error("more weak rows than rows");
  // Zeroed weak rows quantize to the zero code and leave the group ranges to
  // the dense rows (0 is always inside GPTQ's range).
  Array<float> masked = w;
  Array<Half> tail({weakRows, N});
  for (int64_t k = K - weakRows; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      tail.at(k - (K - weakRows), n) = floatToHalf(w.at(k, n));
      masked.at(k, n) = 0;
    }
  QTC_RETURN_IF_ERROR(quantizeAffine(masked, bits, group, dense));
  weak = std::move(tail);
  return Status::success();
}

template <typename T>
Array<T> qeftForward(const Array<T> &x, const Array<T> &dense,
                     const Array<T> &weak) {
  int64_t M = x.dim(0), K = x.dim(1), N = dense.dim(1), n = weak.dim(0);
  Array<T> y({M, N});
  for (int64_t m = 0; m < M; ++m)
    for (int64_t j = 0; j < N; ++j) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += static_cast<double>(x.at(m, k)) * dense.at(k, j);
      for (int64_t k = 0; k < n; ++k)
        sum += static_cast<double>(x.at(m, K - n + k)) * weak.at(k, j);
      y.at(m, j) = static_cast<T>(sum);
    }
  return y;
}

template <typename T>
QeftGrads<T> qeftBackward(const Array<T> &x, const Array<T> &dy,
                          const Array<T> &dense, const Array<T> &weak) {
  int64_t M = x.dim(0), K = x.dim(1), N = dense.dim(1), n = weak.dim(0);
  QeftGrads<T> grads;
  grads.dx = Array<T>({M, K});
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K; ++k) {
      double sum = 0;
      for (int64_t j = 0; j < N; ++j) {
        sum += static_cast<double>(dy.at(m, j)) * dense.at(k, j);
        if (k >= K - n)
          sum += static_cast<double>(dy.at(m, j)) * weak.at(k - (K - n), j);
      }
      grads.dx.at(m, k) = static_cast<T>(sum);
    }
  std::vector<int64_t> tail(n);
  std::iota(tail.begin(), tail.end(), K - n);
  grads.dweak = matmul(gather(x, tail, 1), true, dy, false);
  return grads;
}

#define QTC_INSTANTIATE(T)                                                     \
  template Array<T> qeftForward(const Array<T> &, const Array<T> &,            \
                                const Array<T> &);                             \
  template QeftGrads<T> qeftBackward(const Array<T> &, const Array<T> &,       \
                                     const Array<T> &, const Array<T> &);
QTC_INSTANTIATE(float)
QTC_INSTANTIATE(double)
#undef QTC_INSTANTIATE

} // namespace qtc::ref
