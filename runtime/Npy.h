//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Format versions 1.0 to 3.0, C order, little-endian: f32, f64, f16, i8, u8,
// i16, u16 (also bf16 bit patterns), i32, i64 and bool. Anything else
// (Fortran order, big-endian, object arrays) is a clear error, as is a file
// whose data is shorter or longer than its header says, and a header that
// is not the dictionary numpy writes (a repeated or unknown key).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_NPY_H
#define QTC_RUNTIME_NPY_H

#include "runtime/HostTensor.h"
#include "runtime/Status.h"

#include <cstdint>
#include <string>

namespace qtc {

/// The largest .npy read (it is read whole): 16 GiB.
constexpr uint64_t kMaxNpyBytes = 16ull << 30;
Status readNpy(const std::string &path, HostTensor &out);
/// The same for a whole file already in memory (the fuzz target's entry).
Status parseNpy(const uint8_t *bytes, size_t size, HostTensor &out);
/// bf16 tensors are written as uint16 ('<u2').
Status writeNpy(const std::string &path, const HostTensor &tensor);

} // namespace qtc

#endif // QTC_RUNTIME_NPY_H
