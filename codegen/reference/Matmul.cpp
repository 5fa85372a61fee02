//===- Matmul.cpp - Plain matrix products ---------------------------------===//
#include "codegen/reference/Matmul.h"

namespace qtc::ref {

template <typename T>
Array<T> matmul(const Array<T> &a, bool transposeA, const Array<T> &b,
                bool transposeB) {
  int64_t M = transposeA ? a.dim(1) : a.dim(0);
  int64_t K = transposeA ? a.dim(0) : a.dim(1);
  int64_t N = transposeB ? b.dim(0) : b.dim(1);
  Array<T> c({M, N});
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += static_cast<double>(transposeA ? a.at(k, m) : a.at(m, k)) *
               static_cast<double>(transposeB ? b.at(n, k) : b.at(k, n));
      c.at(m, n) = static_cast<T>(sum);
    }
  return c;
}

template <typename T>
Array<T> transpose(const Array<T> &a) {
  Array<T> t({a.dim(1), a.dim(0)});
  for (int64_t i = 0; i < a.dim(0); ++i)
    for (int64_t j = 0; j < a.dim(1); ++j)
      t.at(j, i) = a.at(i, j);
  return t;
}

template <typename T>
Array<T> add(const Array<T> &a, const Array<T> &b) {
  Array<T> c(a.shape);
  for (int64_t i = 0; i < a.numel(); ++i)
    c[i] = a[i] + b[i];
  return c;
}

template <typename T>
Array<T> scale(const Array<T> &a, T s) {
  Array<T> c(a.shape);
  for (int64_t i = 0; i < a.numel(); ++i)
    c[i] = s * a[i];
  return c;
}

#define QTC_INSTANTIATE(T)                                                     \
  template Array<T> matmul(const Array<T> &, bool, const Array<T> &, bool);   \
  template Array<T> transpose(const Array<T> &);                               \
  template Array<T> add(const Array<T> &, const Array<T> &);                   \
  template Array<T> scale(const Array<T> &, T);
QTC_INSTANTIATE(float)
QTC_INSTANTIATE(double)
#undef QTC_INSTANTIATE

} // namespace qtc::ref
