//===- Checkpoint.h - The tensors of a Hugging Face checkpoint --*- C++ -*-===//
//
// A model's weights as `save_pretrained` writes them: one `.safetensors`
// file, or shards listed by `model.safetensors.index.json`. Every file is
// memory-mapped and its header checked when added; a tensor's bytes are
// copied only when it is read. A tensor name found in two files is an
// error, never a silent choice.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_CHECKPOINT_H
#define QTC_RUNTIME_CHECKPOINT_H

#include "runtime/Safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qtc {

class Checkpoint {
public:
  /// Adds a `.safetensors` file, a `*.safetensors.index.json` (every shard
  /// it lists, which must hold exactly the tensors the index names), or a
  /// directory holding `model.safetensors` or
  /// `model.safetensors.index.json`.
  Status add(const std::string &path);

  /// The tensor's header entry, or null.
  const SafetensorsEntry *find(const std::string &name) const;
  Status read(const std::string &name, HostTensor &out) const;
  /// Every tensor name, sorted.
  std::vector<std::string> names() const;
  /// The files added, in order.
  std::vector<std::string> files() const;

private:
  Status addFile(const std::string &path);
  Status addIndex(const std::string &path);

  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  std::map<std::string, const SafetensorsFile *> owner;
};

} // namespace qtc

#endif // QTC_RUNTIME_CHECKPOINT_H
