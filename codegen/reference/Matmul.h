//===- Matmul.h - Plain matrix products -------------------------*- C++ -*-===//
#ifndef QTC_REFERENCE_MATMUL_H
#define QTC_REFERENCE_MATMUL_H

#include "codegen/reference/Array.h"

namespace qtc::ref {

/// op(a) [M, K] times op(b) [K, N], each dot product summed in double and
/// rounded once: the most accurate f32 result, which kernels are compared
/// against with a tolerance.
template <typename T>
Array<T> matmul(const Array<T> &a, bool transposeA, const Array<T> &b,
                bool transposeB);

template <typename T>
Array<T> transpose(const Array<T> &a);

/// Elementwise a + b and s * a.
template <typename T>
Array<T> add(const Array<T> &a, const Array<T> &b);
template <typename T>
Array<T> scale(const Array<T> &a, T s);

} // namespace qtc::ref

#endif // QTC_REFERENCE_MATMUL_H
