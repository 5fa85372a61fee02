//===- GgufConfig.h - A GGUF model's metadata as a model config -*- C++ -*-===//
//
// `qtc import MODEL.gguf`: the config a llama or qwen2 GGUF file states in
// its metadata (`{arch}.block_count`, `.embedding_length`, ...; FORMATS.md
// "GGUF") and its tensor infos (tied embeddings: no `output.weight`), read
// into the HfModelConfig the graph builder takes and checked by the same
// rules as a config.json. Any other architecture, an adapter file, rope
// scaling (a `rope.scaling.type` or llama 3.1's `rope_freqs.weight`) or a
// partial rotary dimension is refused with a message naming what was found.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_IMPORT_GGUFCONFIG_H
#define QTC_IMPORT_GGUFCONFIG_H

#include "import/HfConfig.h"
#include "runtime/Gguf.h"

namespace qtc {

/// Reads `header`'s model config; messages start with `where` (the file).
Status ggufModelConfig(const GgufHeader &header, const std::string &where,
                       HfModelConfig &out);

} // namespace qtc

#endif // QTC_IMPORT_GGUFCONFIG_H
