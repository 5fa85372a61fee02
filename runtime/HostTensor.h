//===- HostTensor.h - A dense tensor in host memory -------------*- C++ -*-===//
//
// Element type, static shape and row-major bytes: what .npy and .safetensors
// files hold and what a compiled step reads and writes.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_HOSTTENSOR_H
#define QTC_RUNTIME_HOSTTENSOR_H

#include "runtime/DType.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qtc {

using Shape = std::vector<int64_t>;

/// Number of elements of a shape (1 for rank 0).
int64_t numElements(const Shape &shape);
/// The same, for shapes read from files or IR that may claim anything:
/// false when a dimension is negative or the count overflows 64 bits.
bool checkedNumElements(const Shape &shape, uint64_t &count);
/// The bytes of `shape` elements of `dtype`, checked the same way.
bool checkedByteSize(DType dtype, const Shape &shape, uint64_t &bytes);
/// "[8, 64]" for errors and summaries.
std::string formatShape(const Shape &shape);

struct HostTensor {
  DType dtype = DType::F32;
  Shape shape;
  /// Row-major element bytes, little-endian (operator new aligns them for
  /// any element type).
  std::vector<uint8_t> bytes;

  HostTensor() = default;
  HostTensor(DType dtype, Shape shape)
      : dtype(dtype), shape(std::move(shape)),
        bytes(numElements(this->shape) * dtypeSize(dtype)) {}

  int64_t numel() const { return numElements(shape); }

  template <typename T>
  T *data() {
    return reinterpret_cast<T *>(bytes.data());
  }
  template <typename T>
  const T *data() const {
    return reinterpret_cast<const T *>(bytes.data());
  }
};

} // namespace qtc

#endif // QTC_RUNTIME_HOSTTENSOR_H
