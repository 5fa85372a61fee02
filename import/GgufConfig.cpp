//===- GgufConfig.cpp - A GGUF model's metadata as a model config ---------===//
#include "import/GgufConfig.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace qtc {
namespace {

/// Reads GGUF metadata keys with their types and ranges checked; messages
/// name the key.
class Metadata {
public:
  Metadata(const GgufHeader &header, std::string where)
      : header(header), where(std::move(where)) {}

  const GgufValue *find(const std::string &key) const {
    auto it = header.metadata.find(key);
    return it == header.metadata.end() ? nullptr : &it->second;
  }

  Status string(const std::string &key, std::string &out) const {
    if (!find(key))
      return Status::success();
    const std::string *value = ggufString(header, key);
    if (!value)
      return Status::error(where + " " + key + " must be a string");
    out = *value;
    return Status::success();
  }

  /// An integer in [1, 2^31]; `required` keys must be there.
  Status count(const std::string &key, int64_t &out, bool required) const {
    if (!required && !find(key))
      return Status::success();
    Status status = ggufCount(header, key, 0, out);
    return status.ok() ? status
                       : Status::error(where + " " + status.message());
  }

  /// A positive finite number.
  Status number(const std::string &key, double &out, bool required) const {
    const GgufValue *value = find(key);
    if (!value)
      return required ? Status::error(where + " has no " + key)
                      : Status::success();
    std::optional<double> v = value->asFloat();
    if (!v || !std::isfinite(*v) || *v <= 0)
      return Status::error(where + " " + key +
                           " must be a positive finite f32 or f64");
    out = *v;
    return Status::success();
  }

private:
  const GgufHeader &header;
  std::string where;
};

} // namespace

Status ggufModelConfig(const GgufHeader &header, const std::string &where,
                       HfModelConfig &out) {
  Metadata metadata(header, where);
  std::string type, architecture;
  QTC_RETURN_IF_ERROR(metadata.string("general.type", type));
  if (type == "adapter")
    return Status::error(where + " is an adapter (general.type \"adapter\"), "
                                 "not a model");
  QTC_RETURN_IF_ERROR(metadata.string("general.architecture", architecture));
  if (architecture.empty())
    return Status::error(where + " has no general.architecture");
  std::string hfArchitecture = architecture == "llama"   ? "LlamaForCausalLM"
                               : architecture == "qwen2" ? "Qwen2ForCausalLM"
                                                         : "";
  if (hfArchitecture.empty())
    return Status::error(where + " architecture \"" + architecture +
                         "\" is not supported (qtc imports llama and qwen2)");
  const std::string a = architecture + ".";

  int64_t layers = 0, hidden = 0, ffn = 0, heads = 0;
  QTC_RETURN_IF_ERROR(metadata.count(a + "block_count", layers, true));
  QTC_RETURN_IF_ERROR(metadata.count(a + "embedding_length", hidden, true));
  QTC_RETURN_IF_ERROR(metadata.count(a + "feed_forward_length", ffn, true));
  QTC_RETURN_IF_ERROR(metadata.count(a + "attention.head_count", heads, true));
  int64_t kvHeads = heads;
  QTC_RETURN_IF_ERROR(
      metadata.count(a + "attention.head_count_kv", kvHeads, false));
  if (hidden % heads != 0 && !metadata.find(a + "attention.key_length"))
    return Status::error(where + " " + a + "embedding_length " +
                         std::to_string(hidden) + " is no multiple of " + a +
                         "attention.head_count " + std::to_string(heads) +
                         " and there is no " + a + "attention.key_length");
  int64_t headDim = hidden / heads, valueDim = 0, ropeDim = 0;
  QTC_RETURN_IF_ERROR(
      metadata.count(a + "attention.key_length", headDim, false));
  valueDim = headDim;
  QTC_RETURN_IF_ERROR(
      metadata.count(a + "attention.value_length", valueDim, false));
  if (valueDim != headDim)
    return Status::error(where + " " + a + "attention.value_length " +
                         std::to_string(valueDim) + " differs from the key "
                         "length " + std::to_string(headDim));
  ropeDim = headDim;
  QTC_RETURN_IF_ERROR(metadata.count(a + "rope.dimension_count", ropeDim,
                                     false));
  if (ropeDim != headDim)
    return Status::error(where + " " + a + "rope.dimension_count " +
                         std::to_string(ropeDim) + " rotates part of a head "
                         "of " + std::to_string(headDim) +
                         "; qtc's rope rotates whole heads");
  std::string scaling;
  QTC_RETURN_IF_ERROR(metadata.string(a + "rope.scaling.type", scaling));
  if (!scaling.empty() && scaling != "none")
    return Status::error(where + " " + a + "rope.scaling.type is \"" +
                         scaling + "\"; qtc reads GGUF models without rope "
                         "scaling");
  if (header.tensors.count("rope_freqs.weight"))
    return Status::error(where + " has rope_freqs.weight (llama 3.1 rope "
                                 "scaling, stored as frequency factors); "
                                 "qtc reads GGUF models without rope "
                                 "scaling");
  double eps = 0, theta = 10000.0;
  QTC_RETURN_IF_ERROR(
      metadata.number(a + "attention.layer_norm_rms_epsilon", eps, true));
  QTC_RETURN_IF_ERROR(metadata.number(a + "rope.freq_base", theta, false));

  // The vocabulary: stated, else the tokenizer's, else the embedding's rows.
  int64_t vocab = 0;
  QTC_RETURN_IF_ERROR(metadata.count(a + "vocab_size", vocab, false));
  if (!vocab)
    if (const GgufValue *tokens = metadata.find("tokenizer.ggml.tokens"))
      if (tokens->type == GgufValueType::Array &&
          tokens->elementType == GgufValueType::String)
        vocab = static_cast<int64_t>(tokens->count);
  auto embedding = header.tensors.find("token_embd.weight");
  if (!vocab && embedding != header.tensors.end() &&
      embedding->second.shape.size() == 2)
    vocab = embedding->second.shape[0];
  if (!vocab)
    return Status::error(where + " states no vocabulary size (" + a +
                         "vocab_size, tokenizer.ggml.tokens or "
                         "token_embd.weight)");

  // Checked as a config.json is: one set of rules for both.
  nlohmann::json config = {
      {"architectures", {hfArchitecture}},
      {"hidden_size", hidden},
      {"intermediate_size", ffn},
      {"num_hidden_layers", layers},
      {"num_attention_heads", heads},
      {"num_key_value_heads", kvHeads},
      {"head_dim", headDim},
      {"vocab_size", vocab},
      {"rms_norm_eps", eps},
      {"rope_theta", theta},
      {"tie_word_embeddings", !header.tensors.count("output.weight")},
  };
  return parseHfConfig(config, where, out);
}

} // namespace qtc
