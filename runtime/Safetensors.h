//===- Safetensors.h - Hugging Face .safetensors files ----------*- C++ -*-===//
//
// An 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the data. Every range is checked against
// the file and the dtype and shape before anything is returned.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_SAFETENSORS_H
#define QTC_RUNTIME_SAFETENSORS_H

#include "runtime/HostTensor.h"
#include "runtime/Status.h"

#include <map>
#include <string>

namespace qtc {

using TensorMap = std::map<std::string, HostTensor>;

Status readSafetensors(const std::string &path, TensorMap &out);
Status writeSafetensors(const std::string &path, const TensorMap &tensors);

} // namespace qtc

#endif // QTC_RUNTIME_SAFETENSORS_H
