//===- Safetensors.h - Hugging Face .safetensors files ----------*- C++ -*-===//
//
// An 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the data. A file is memory-mapped and
// its header checked when opened (every range against the file, the dtype
// and the shape, with overflow-checked sizes); tensors are then copied out
// one at a time, so binding one tensor of a large checkpoint reads only its
// bytes.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_SAFETENSORS_H
#define QTC_RUNTIME_SAFETENSORS_H

#include "runtime/HostTensor.h"
#include "runtime/MappedFile.h"
#include "runtime/Status.h"

#include <map>
#include <memory>
#include <string>

namespace qtc {

using TensorMap = std::map<std::string, HostTensor>;

/// One tensor of a .safetensors header.
struct SafetensorsEntry {
  DType dtype = DType::F32;
  Shape shape;
  /// Byte range within the data section.
  size_t begin = 0, size = 0;
};

/// What a .safetensors header says, every range checked against the data.
struct SafetensorsHeader {
  /// Where the data section starts in the file.
  size_t dataStart = 0;
  std::map<std::string, SafetensorsEntry> entries;
  /// The `__metadata__` string map, if any.
  std::map<std::string, std::string> metadata;
};

/// Parses and checks the header of a whole .safetensors file in memory
/// (what SafetensorsFile::open does with its mapping; the fuzz target's
/// entry).
Status parseSafetensorsHeader(const uint8_t *bytes, size_t size,
                              SafetensorsHeader &out);

/// A memory-mapped .safetensors file (a regular file; the mapping lives as
/// long as the object).
class SafetensorsFile {
public:
  static Status open(const std::string &path,
                     std::unique_ptr<SafetensorsFile> &out);
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return filePath; }
  const std::map<std::string, SafetensorsEntry> &entries() const {
    return header.entries;
  }
  /// The `__metadata__` string map of the header, if any.
  const std::map<std::string, std::string> &metadata() const {
    return header.metadata;
  }
  /// Copies one tensor out; an unknown name is an error.
  Status read(const std::string &name, HostTensor &out) const;

private:
  SafetensorsFile() = default;

  std::string filePath;
  MappedFile mapping;
  SafetensorsHeader header;
};

/// Every tensor of a file.
Status readSafetensors(const std::string &path, TensorMap &out);
/// Writes `tensors` to a temporary file beside `path`, then renames it over
/// `path`: a failure or a kill mid-write leaves any previous file intact.
/// `metadata` becomes the header's `__metadata__` string map.
Status
writeSafetensors(const std::string &path, const TensorMap &tensors,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace qtc

#endif // QTC_RUNTIME_SAFETENSORS_H
