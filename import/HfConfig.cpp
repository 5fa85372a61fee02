//===- HfConfig.cpp - A Hugging Face causal LM's config.json --------------===//
#include "import/HfConfig.h"
#include "runtime/FileRead.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace qtc {
namespace {

using nlohmann::json;

/// Reads one field, checking its JSON type; `required` fields must exist
/// and not be null.
class Fields {
public:
  Fields(const json &object, std::string where)
      : object(object), where(std::move(where)) {}

  Status integer(const char *name, int64_t &out, bool required = true,
                 int64_t min = 1) const {
    const json *value = find(name);
    if (!value)
      return required ? missing(name) : Status::success();
    if (!value->is_number_integer())
      return wrong(name, "an integer");
    int64_t v = value->get<int64_t>();
    if (v < min || v > (int64_t(1) << 31))
      return Status::error(where + " \"" + name + "\" is " +
                           std::to_string(v) + ", outside [" +
                           std::to_string(min) + ", 2^31]");
    out = v;
    return Status::success();
  }

  Status number(const char *name, double &out, bool required = true) const {
    const json *value = find(name);
    if (!value)
      return required ? missing(name) : Status::success();
    if (!value->is_number())
      return wrong(name, "a number");
    double v = value->get<double>();
    if (!std::isfinite(v) || v <= 0)
      return Status::error(where + " \"" + name + "\" must be a positive "
                                                  "finite number");
    out = v;
    return Status::success();
  }

  Status boolean(const char *name, bool &out) const {
    const json *value = find(name);
    if (!value)
      return Status::success();
    if (!value->is_boolean())
      return wrong(name, "true or false");
    out = value->get<bool>();
    return Status::success();
  }

  Status string(const char *name, std::string &out) const {
    const json *value = find(name);
    if (!value)
      return Status::success();
    if (!value->is_string())
      return wrong(name, "a string");
    out = value->get<std::string>();
    return Status::success();
  }

  /// The field, or null when absent or JSON null.
  const json *find(const char *name) const {
    auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

private:
  Status missing(const char *name) const {
    return Status::error(where + " has no \"" + name + "\"");
  }
  Status wrong(const char *name, const char *expected) const {
    return Status::error(where + " \"" + name + "\" must be " + expected);
  }

  const json &object;
  std::string where;
};

/// The rope settings of either schema: `rope_parameters` (transformers 5)
/// or `rope_theta` plus `rope_scaling` (4.x).
Status readRope(const Fields &config, const std::string &where,
                HfModelConfig &out) {
  const json *scaling = config.find("rope_parameters");
  std::string scalingName = "\"rope_parameters\"";
  if (!scaling) {
    scaling = config.find("rope_scaling");
    scalingName = "\"rope_scaling\"";
  }
  QTC_RETURN_IF_ERROR(config.number("rope_theta", out.ropeTheta, false));
  if (!scaling)
    return Status::success();
  if (!scaling->is_object())
    return Status::error(where + " " + scalingName + " must be an object");
  Fields rope(*scaling, where + " " + scalingName);
  QTC_RETURN_IF_ERROR(rope.number("rope_theta", out.ropeTheta, false));
  std::string type;
  QTC_RETURN_IF_ERROR(rope.string("rope_type", type));
  if (type.empty())
    QTC_RETURN_IF_ERROR(rope.string("type", type)); // the oldest spelling
  if (type.empty() || type == "default")
    return Status::success();
  if (type != "llama3")
    return Status::error(where + " " + scalingName + " has rope_type \"" +
                         type +
                         "\"; qtc supports \"default\" and \"llama3\"");
  HfRopeLlama3 llama3;
  QTC_RETURN_IF_ERROR(rope.number("factor", llama3.factor));
  QTC_RETURN_IF_ERROR(rope.number("low_freq_factor", llama3.lowFreqFactor));
  QTC_RETURN_IF_ERROR(rope.number("high_freq_factor", llama3.highFreqFactor));
  QTC_RETURN_IF_ERROR(rope.integer("original_max_position_embeddings",
                                   llama3.originalMaxPosition));
  if (!(llama3.highFreqFactor > llama3.lowFreqFactor))
    return Status::error(where + " " + scalingName +
                         " needs low_freq_factor < high_freq_factor");
  out.llama3 = llama3;
  return Status::success();
}

} // namespace

Status readHfConfig(const std::string &path, HfModelConfig &out) {
  json root;
  QTC_RETURN_IF_ERROR(readJsonObject(path, "config", root));
  return parseHfConfig(root, "'" + path + "':", out);
}

Status parseHfConfig(const nlohmann::json &root, const std::string &where,
                     HfModelConfig &out) {
  if (!root.is_object())
    return Status::error(where + " must be a JSON object");
  Fields config(root, where);

  HfModelConfig c;
  const json *architectures = config.find("architectures");
  if (!architectures || !architectures->is_array() ||
      architectures->size() != 1 || !(*architectures)[0].is_string())
    return Status::error(where + " \"architectures\" must list one "
                                 "architecture");
  c.architecture = (*architectures)[0].get<std::string>();
  if (c.architecture != "LlamaForCausalLM" &&
      c.architecture != "Qwen2ForCausalLM")
    return Status::error(where + " architecture \"" + c.architecture +
                         "\" is not supported (qtc imports LlamaForCausalLM "
                         "and Qwen2ForCausalLM)");

  QTC_RETURN_IF_ERROR(config.integer("hidden_size", c.hiddenSize));
  QTC_RETURN_IF_ERROR(config.integer("intermediate_size", c.intermediateSize));
  QTC_RETURN_IF_ERROR(config.integer("num_hidden_layers", c.numLayers));
  QTC_RETURN_IF_ERROR(config.integer("num_attention_heads", c.numHeads));
  c.numKvHeads = c.numHeads;
  QTC_RETURN_IF_ERROR(
      config.integer("num_key_value_heads", c.numKvHeads, false));
  QTC_RETURN_IF_ERROR(config.integer("vocab_size", c.vocabSize));
  if (c.hiddenSize % c.numHeads != 0 && !config.find("head_dim"))
    return Status::error(where + " hidden_size " +
                         std::to_string(c.hiddenSize) +
                         " is not a multiple of num_attention_heads " +
                         std::to_string(c.numHeads) + " and no head_dim");
  c.headDim = c.hiddenSize / c.numHeads;
  QTC_RETURN_IF_ERROR(config.integer("head_dim", c.headDim, false));
  if (c.headDim % 2 != 0)
    return Status::error(where + " head_dim " + std::to_string(c.headDim) +
                         " is odd (rope rotates pairs)");
  if (c.numHeads % c.numKvHeads != 0)
    return Status::error(where + " num_key_value_heads " +
                         std::to_string(c.numKvHeads) +
                         " does not divide num_attention_heads " +
                         std::to_string(c.numHeads));
  QTC_RETURN_IF_ERROR(config.number("rms_norm_eps", c.rmsNormEps, false));
  // qt.rmsnorm's eps is f32, as transformers adds it to an f32 variance.
  if (!(static_cast<float>(c.rmsNormEps) > 0) ||
      !std::isfinite(static_cast<float>(c.rmsNormEps)))
    return Status::error(where + " \"rms_norm_eps\" " +
                         std::to_string(c.rmsNormEps) +
                         " is not a positive finite f32");
  QTC_RETURN_IF_ERROR(
      config.boolean("tie_word_embeddings", c.tieWordEmbeddings));
  QTC_RETURN_IF_ERROR(config.string("dtype", c.dtype));
  if (c.dtype.empty())
    QTC_RETURN_IF_ERROR(config.string("torch_dtype", c.dtype));

  std::string act = "silu";
  QTC_RETURN_IF_ERROR(config.string("hidden_act", act));
  if (act != "silu")
    return Status::error(where + " hidden_act \"" + act +
                         "\" is not supported (qtc's MLP is SwiGLU, silu)");
  bool slidingWindow = false;
  QTC_RETURN_IF_ERROR(config.boolean("use_sliding_window", slidingWindow));
  if (slidingWindow)
    return Status::error(where + " use_sliding_window is true; qtc's "
                                 "attention is full causal");
  if (const json *types = config.find("layer_types")) {
    if (!types->is_array())
      return Status::error(where + " \"layer_types\" must be a list");
    for (const json &type : *types)
      if (!type.is_string() || type.get<std::string>() != "full_attention")
        // Named, not dumped: dump() recurses, and a hostile file nests deep.
        return Status::error(where + " layer_types has " +
                             (type.is_string()
                                  ? "\"" + type.get<std::string>() + "\""
                                  : std::string("a JSON ") + type.type_name()) +
                             "; qtc's attention is full causal "
                             "(\"full_attention\")");
  }
  QTC_RETURN_IF_ERROR(readRope(config, where, c));
  out = std::move(c);
  return Status::success();
}

} // namespace qtc
