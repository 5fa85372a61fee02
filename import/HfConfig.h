//===- HfConfig.h - A Hugging Face causal LM's config.json ------*- C++ -*-===//
//
// What `qtc import` needs of a Llama-family or Qwen2 `config.json`, read
// from either schema found in the wild: transformers 5 writes `dtype` and
// `rope_parameters`, 4.x wrote `torch_dtype`, `rope_theta` and
// `rope_scaling`. Qwen2 configs carry no `head_dim`. Any other architecture,
// activation or rope type is refused with a message naming what was found.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_IMPORT_HFCONFIG_H
#define QTC_IMPORT_HFCONFIG_H

#include "runtime/Status.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace qtc {

struct HfRopeLlama3 {
  double factor, lowFreqFactor, highFreqFactor;
  int64_t originalMaxPosition;
};

struct HfModelConfig {
  /// "LlamaForCausalLM" or "Qwen2ForCausalLM".
  std::string architecture;
  int64_t hiddenSize = 0, intermediateSize = 0, numLayers = 0, numHeads = 0,
          numKvHeads = 0, headDim = 0, vocabSize = 0;
  double rmsNormEps = 1e-6, ropeTheta = 10000.0;
  std::optional<HfRopeLlama3> llama3;
  bool tieWordEmbeddings = false;
  /// The checkpoint's dtype as the config says ("float32", "bfloat16", ...;
  /// empty when absent): informational, the tensors' own dtypes rule.
  std::string dtype;
};

/// Reads and checks `path` (a config.json).
Status readHfConfig(const std::string &path, HfModelConfig &out);

/// Checks a parsed config; messages start with `where` (the file's name).
Status parseHfConfig(const nlohmann::json &root, const std::string &where,
                     HfModelConfig &out);

} // namespace qtc

#endif // QTC_IMPORT_HFCONFIG_H
