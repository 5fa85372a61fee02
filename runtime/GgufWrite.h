//===- GgufWrite.h - Writing GGUF files -------------------------*- C++ -*-===//
//
// A GGUF v3 file as ggml reads it (Gguf.h has the layout): metadata in the
// order added, then the tensor infos, then each tensor's bytes at a multiple
// of `general.alignment` (32). The file is written through a temporary
// beside it and renamed (FileWrite.h).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_GGUFWRITE_H
#define QTC_RUNTIME_GGUFWRITE_H

#include "runtime/Gguf.h"

#include <string>
#include <vector>

namespace qtc {

class GgufWriter {
public:
  void addString(const std::string &key, const std::string &value);
  void addU32(const std::string &key, uint32_t value);
  void addF32(const std::string &key, float value);
  /// A tensor of `type` (F32 or F16 here; `bytes` as ggml stores them) in
  /// its row-major shape (`ne` is its reverse).
  Status addTensor(const std::string &name, GgmlType type, const Shape &shape,
                   std::vector<uint8_t> bytes);
  /// An f32 tensor as stored.
  Status addTensor(const std::string &name, const HostTensor &f32);

  /// The whole file.
  std::vector<uint8_t> bytes() const;
  Status write(const std::string &path) const;

private:
  struct Tensor {
    std::string name;
    GgmlType type;
    Shape shape;
    std::vector<uint8_t> bytes;
  };
  std::vector<uint8_t> metadata; // the key-value pairs, encoded
  uint64_t keys = 0;
  std::vector<Tensor> tensors;
};

} // namespace qtc

#endif // QTC_RUNTIME_GGUFWRITE_H
