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

#include "runtime/AffineStorage.h"
#include "runtime/Gguf.h"
#include "runtime/Gptq.h"
#include "runtime/Safetensors.h"

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

namespace qtc {

class Checkpoint {
public:
  /// Adds a `.safetensors` file, a `*.safetensors.index.json` (every shard
  /// it lists, which must hold exactly the tensors the index names), a
  /// directory holding `model.safetensors` or
  /// `model.safetensors.index.json`, or a `.gguf` file: its tensors in
  /// row-major shape, Q8_0, Q4_0 and Q4_1 dequantized to f32; a llama or
  /// qwen2 model's by their HF names (runtime/GgufNames.h), llama's Q and K
  /// rows put back in HF's order, other files' by their GGUF names. A
  /// folder with a GPTQ quantization config (quantize_config.json, or
  /// config.json's quantization_config) presents each quantized linear's
  /// qweight, qzeros, scales and g_idx as one f32 `<module>.weight`
  /// [out, in], dequantized when read (Gptq.h).
  Status add(const std::string &path);

  /// The affine form (AffineStorage.h) in which the linear weight `name`
  /// can also be bound as an `!qt.affine` base, its storage read as
  /// "<name>.codes", "<name>.scales" and "<name>.zeros"; null when it has
  /// none. GGUF Q4_0, Q4_1 and Q8_0 tensors of a model (GgmlAffine.h) and
  /// GPTQ linears with contiguous groups (Gptq.h) have one; names() lists
  /// the weight, not its storage.
  const AffineForm *affineForm(const std::string &name) const;

  /// The tensor's header entry (for a GGUF tensor: the dtype and shape
  /// read() gives, no byte range), or null.
  const SafetensorsEntry *find(const std::string &name) const;
  Status read(const std::string &name, HostTensor &out) const;
  /// Every tensor name, sorted.
  std::vector<std::string> names() const;
  /// The files added: safetensors in order, then GGUF files in order.
  std::vector<std::string> files() const;

private:
  Status addFile(const std::string &path);
  Status addIndex(const std::string &path);
  Status addGguf(const std::string &path);
  /// The GPTQ view of the folder `dir`'s tensors, if it has a GPTQ config.
  Status addGptq(const std::string &dir);
  /// Claims `name` for `path`; a name in two files is an error.
  Status claim(const std::string &name, const std::string &path);

  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  std::map<std::string, const SafetensorsFile *> owner;
  /// A tensor of a GGUF file, by the name the checkpoint gives it.
  struct GgufTensor {
    const GgufFile *file;
    std::string ggufName;
    int64_t ropeHeads; // rows in llama.cpp's rope order, in this many heads
    SafetensorsEntry entry; // dtype and shape as read() gives them
  };
  std::vector<std::unique_ptr<GgufFile>> ggufFiles;
  std::map<std::string, GgufTensor> ggufTensors;
  /// A GGUF linear's affine storage tensor, by "<weight>.<part>".
  struct AffinePart {
    std::string weight;
    int part; // index into kAffineParts
    SafetensorsEntry entry;
  };
  std::map<std::string, AffineForm> affineForms; // by weight name
  std::map<std::string, AffinePart> affineParts;
  /// Lists `weight`'s affine storage tensors (claimed for `path`).
  Status addAffineParts(const std::string &weight, const AffineForm &form,
                        const std::string &path);
  Status readAffine(const std::string &weight, AffineStorage &out) const;
  /// A GPTQ linear's tensors as stored.
  struct GptqParts {
    HostTensor qweight, qzeros, scales, gIdx;
    bool hasGIdx = false;
    GptqTensors tensors() const {
      return {&qweight, &qzeros, &scales, hasGIdx ? &gIdx : nullptr};
    }
  };
  Status readGptqParts(const std::string &module, GptqParts &parts) const;
  std::map<std::string, std::string> fileOf; // every name, for collisions
  /// A quantized linear's dequantized weight, by `<module>.weight`.
  struct GptqWeight {
    std::string module;
    SafetensorsEntry entry; // f32 [out, in]
  };
  GptqConfig gptqConfig;
  std::map<std::string, GptqWeight> gptqWeights;
  std::set<std::string> gptqParts; // qweight, qzeros, ...: not listed
};

} // namespace qtc

#endif // QTC_RUNTIME_CHECKPOINT_H
