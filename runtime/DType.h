//===- DType.h - Element types of host tensors ------------------*- C++ -*-===//
//
// The element types that cross the runtime's boundary (.npy, .safetensors,
// arguments of a compiled step). bf16 has no NumPy dtype: .npy files carry it
// as uint16 bit patterns.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_DTYPE_H
#define QTC_RUNTIME_DTYPE_H

#include <cstdint>
#include <string>

namespace qtc {

enum class DType { F32, F64, F16, BF16, I8, U8, I16, U16, I32, I64, Bool };

/// Bytes per element.
int64_t dtypeSize(DType dtype);
/// Lower-case name as printed in summaries and errors: "f32", "i64", ...
const char *dtypeName(DType dtype);

} // namespace qtc

#endif // QTC_RUNTIME_DTYPE_H
