//===- HostTensor.cpp - A dense tensor in host memory ---------------------===//
#include "runtime/HostTensor.h"

namespace qtc {

int64_t numElements(const Shape &shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

bool checkedNumElements(const Shape &shape, uint64_t &count) {
  count = 1;
  for (int64_t dim : shape)
    if (dim < 0 ||
        __builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count))
      return false;
  return true;
}

bool checkedByteSize(DType dtype, const Shape &shape, uint64_t &bytes) {
  uint64_t count = 0;
  return checkedNumElements(shape, count) &&
         !__builtin_mul_overflow(count, static_cast<uint64_t>(dtypeSize(dtype)),
                                 &bytes);
}

std::string formatShape(const Shape &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

} // namespace qtc
