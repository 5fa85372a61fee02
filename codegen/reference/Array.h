//===- Array.h - Typed dense arrays of the reference numerics ---*- C++ -*-===//
//
// The reference backend computes on plain row-major std::vectors with a
// shape: no MLIR types, no views, no cleverness. Functions are written for
// float and instantiated for double as well where a gradient is checked
// against finite differences in f64.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_ARRAY_H
#define QTC_REFERENCE_ARRAY_H

#include "runtime/HostTensor.h"

#include <cassert>
#include <cstdint>
#include <vector>

namespace qtc::ref {

template <typename T>
struct Array {
  using value_type = T;

  Shape shape;
  std::vector<T> data;

  Array() = default;
  explicit Array(Shape shape, T fill = T())
      : shape(std::move(shape)), data(numElements(this->shape), fill) {}
  Array(Shape shape, std::vector<T> values)
      : shape(std::move(shape)), data(std::move(values)) {
    assert(static_cast<int64_t>(data.size()) == numElements(this->shape));
  }

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t dim(int64_t i) const { return shape[i]; }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }

  T &operator[](int64_t i) { return data[i]; }
  const T &operator[](int64_t i) const { return data[i]; }
  /// Element (i, j) of a matrix.
  T &at(int64_t i, int64_t j) { return data[i * shape[1] + j]; }
  const T &at(int64_t i, int64_t j) const { return data[i * shape[1] + j]; }
};

/// Elementwise conversion, e.g. float -> double for gradient checks.
template <typename To, typename From>
Array<To> convert(const Array<From> &from) {
  Array<To> to(from.shape);
  for (int64_t i = 0; i < from.numel(); ++i)
    to[i] = static_cast<To>(from[i]);
  return to;
}

/// The strides of a tensor grouped along `axis`: `outer` slices before it,
/// `length` along it and `inner` elements after it; element (o, a, n) is at
/// (o * length + a) * inner + n.
struct AxisSplit {
  int64_t outer = 1, length = 1, inner = 1;
  AxisSplit(const Shape &shape, int64_t axis) {
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
      (d < axis ? outer : d == axis ? length : inner) *= shape[d];
  }
  int64_t index(int64_t o, int64_t a, int64_t n) const {
    return (o * length + a) * inner + n;
  }
};

} // namespace qtc::ref

#endif // QTC_REFERENCE_ARRAY_H
