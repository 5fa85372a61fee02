//===- MappedFile.h - Tensor files mapped, not read -------------*- C++ -*-===//
//
// Large tensor files (safetensors shards, GGUF models) are memory-mapped:
// only the tensors bound are ever touched. The file must be a regular file
// (FileRead.h's openRegularFile); its readers check every range against
// size() before use.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_MAPPEDFILE_H
#define QTC_RUNTIME_MAPPEDFILE_H

#include "runtime/Status.h"

#include <cstdint>
#include <string>

namespace qtc {

/// A regular file mapped read-only, unmapped when destroyed; the readers
/// of large tensor files check every range against size() before use.
class MappedFile {
public:
  MappedFile() = default;
  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  /// Maps the regular file at `path` (an empty file maps to no bytes).
  static Status map(const std::string &path, MappedFile &out);
  const uint8_t *data() const { return bytes; }
  size_t size() const { return length; }

private:
  const uint8_t *bytes = nullptr;
  size_t length = 0;
};

} // namespace qtc

#endif // QTC_RUNTIME_MAPPEDFILE_H
