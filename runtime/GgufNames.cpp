//===- GgufNames.cpp - GGUF model tensors in Hugging Face terms -----------===//
#include "runtime/GgufNames.h"

#include <cstring>

namespace qtc {
namespace {

struct NamePair {
  const char *gguf, *hf;
};

// Whole-model tensors.
constexpr NamePair kModelTensors[] = {
    {"token_embd.weight", "model.embed_tokens.weight"},
    {"output_norm.weight", "model.norm.weight"},
    {"output.weight", "lm_head.weight"},
};

// A block's tensors, after `blk.N.` and `model.layers.N.`.
constexpr NamePair kBlockTensors[] = {
    {"attn_norm.weight", "input_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},
    {"attn_q.bias", "self_attn.q_proj.bias"},
    {"attn_k.weight", "self_attn.k_proj.weight"},
    {"attn_k.bias", "self_attn.k_proj.bias"},
    {"attn_v.weight", "self_attn.v_proj.weight"},
    {"attn_v.bias", "self_attn.v_proj.bias"},
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"ffn_norm.weight", "post_attention_layernorm.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
};

/// Splits `<prefix><N>.<rest>` with N a canonical decimal (no sign, no
/// leading zero), so that the map is one-to-one.
bool splitBlock(const std::string &name, const char *prefix,
                std::string &index, std::string &rest) {
  size_t prefixLength = std::strlen(prefix);
  if (name.compare(0, prefixLength, prefix) != 0)
    return false;
  size_t dot = name.find('.', prefixLength);
  if (dot == std::string::npos || dot == prefixLength || dot - prefixLength > 9)
    return false;
  index = name.substr(prefixLength, dot - prefixLength);
  for (char c : index)
    if (c < '0' || c > '9')
      return false;
  if (index.size() > 1 && index[0] == '0')
    return false;
  rest = name.substr(dot + 1);
  return true;
}

} // namespace

bool ggufArchitectureHasHfNames(const std::string &architecture) {
  return architecture == "llama" || architecture == "qwen2";
}

std::optional<GgufHfTensor> hfTensorOfGguf(const std::string &ggufName,
                                           const std::string &architecture,
                                           int64_t heads, int64_t kvHeads) {
  if (!ggufArchitectureHasHfNames(architecture))
    return std::nullopt;
  for (const NamePair &pair : kModelTensors)
    if (ggufName == pair.gguf)
      return GgufHfTensor{pair.hf, 0};
  std::string index, rest;
  if (!splitBlock(ggufName, "blk.", index, rest))
    return std::nullopt;
  for (const NamePair &pair : kBlockTensors) {
    if (rest != pair.gguf)
      continue;
    GgufHfTensor tensor{"model.layers." + index + "." + pair.hf, 0};
    // llama.cpp's converter permutes llama's Q and K (weights and biases),
    // not qwen2's.
    if (architecture == "llama" && rest.compare(0, 7, "attn_q.") == 0)
      tensor.ropeHeads = heads;
    if (architecture == "llama" && rest.compare(0, 7, "attn_k.") == 0)
      tensor.ropeHeads = kvHeads;
    return tensor;
  }
  return std::nullopt;
}

std::optional<std::string> ggufNameOfHf(const std::string &hfName) {
  for (const NamePair &pair : kModelTensors)
    if (hfName == pair.hf)
      return std::string(pair.gguf);
  std::string index, rest;
  if (!splitBlock(hfName, "model.layers.", index, rest))
    return std::nullopt;
  for (const NamePair &pair : kBlockTensors)
    if (rest == pair.hf)
      return "blk." + index + "." + pair.gguf;
  return std::nullopt;
}

Status permuteRopeRows(HostTensor &tensor, int64_t heads, bool toHf) {
  if (tensor.shape.empty() || heads <= 0 ||
      tensor.shape[0] % (2 * heads) != 0)
    return Status::error("a tensor of shape " + formatShape(tensor.shape) +
                         " cannot hold the rope rows of " +
                         std::to_string(heads) +
                         " heads (its first axis is no multiple of 2 x heads)");
  if (tensor.bytes.empty()) // rows of no elements: nothing moves
    return Status::success();
  const int64_t rows = tensor.shape[0];
  const int64_t half = rows / heads / 2;
  const size_t rowBytes = tensor.bytes.size() / static_cast<size_t>(rows);
  std::vector<uint8_t> permuted(tensor.bytes.size());
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < half; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        int64_t gguf = h * 2 * half + 2 * i + j;
        int64_t hf = h * 2 * half + j * half + i;
        int64_t to = toHf ? hf : gguf, from = toHf ? gguf : hf;
        std::memcpy(permuted.data() + to * rowBytes,
                    tensor.bytes.data() + from * rowBytes, rowBytes);
      }
  tensor.bytes = std::move(permuted);
  return Status::success();
}

} // namespace qtc
