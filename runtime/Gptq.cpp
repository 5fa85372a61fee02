//===- Gptq.cpp - GPTQ checkpoints (GPTQModel / AutoGPTQ format) ----------===//
#include "runtime/Gptq.h"
#include "runtime/Half.h"

#include <nlohmann/json.hpp>

namespace qtc {
namespace {

/// A JSON value in a message, never dumped whole (hostile files nest deep
/// or hold invalid UTF-8, and exceptions are off).
std::string describe(const nlohmann::json &value) {
  if (value.is_string())
    return "\"" + value.get<std::string>() + "\"";
  return std::string("a JSON ") + value.type_name();
}

} // namespace

Status parseGptqConfig(const nlohmann::json &object, const std::string &where,
                       GptqConfig &out) {
  if (!object.is_object())
    return Status::error(where + " the quantization config is no object");
  auto field = [&](const char *name) -> const nlohmann::json * {
    auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  };
  GptqConfig config;
  if (const auto *method = field("quant_method"))
    if (!method->is_string() || method->get<std::string>() != "gptq")
      return Status::error(where + " quant_method is " + describe(*method) +
                           "; qtc reads \"gptq\"");
  const auto *bits = field("bits");
  if (!bits || !bits->is_number_integer())
    return Status::error(where + " \"bits\" must be an integer");
  int64_t b = bits->get<int64_t>();
  if (b != 2 && b != 4 && b != 8)
    return Status::error(where + " bits " + std::to_string(b) +
                         "; qtc reads 2-, 4- and 8-bit GPTQ (3-bit's codes "
                         "span words)");
  config.bits = static_cast<int>(b);
  if (const auto *group = field("group_size")) {
    if (!group->is_number_integer())
      return Status::error(where + " \"group_size\" must be an integer");
    config.groupSize = group->get<int64_t>();
    if (config.groupSize != -1 &&
        (config.groupSize < 1 || config.groupSize > (int64_t(1) << 31)))
      return Status::error(where + " group_size " +
                           std::to_string(config.groupSize) +
                           " (expected -1 or a positive size)");
  }
  for (auto [name, flag] : {std::pair<const char *, bool *>{"sym", &config.sym},
                            {"desc_act", &config.descAct}})
    if (const auto *value = field(name)) {
      if (!value->is_boolean())
        return Status::error(where + " \"" + name + "\" must be true or false");
      *flag = value->get<bool>();
    }
  if (const auto *format = field("checkpoint_format")) {
    std::string f = format->is_string() ? format->get<std::string>() : "";
    if (f != "gptq" && f != "gptq_v2")
      return Status::error(where + " checkpoint_format " + describe(*format) +
                           "; qtc reads \"gptq\" and \"gptq_v2\"");
    config.v2 = f == "gptq_v2";
  }
  out = config;
  return Status::success();
}

Status checkGptqShapes(const GptqConfig &config, const std::string &module,
                       DType qweightType, const Shape &qweight,
                       DType qzerosType, const Shape &qzeros,
                       DType scalesType, const Shape &scales,
                       DType gIdxType, const Shape *gIdx, int64_t &in,
                       int64_t &out) {
  const int64_t pack = 32 / config.bits;
  auto wrong = [&](const std::string &what) {
    return Status::error("GPTQ module '" + module + "': " + what +
                         " (quantization config: " +
                         std::to_string(config.bits) + " bits, group " +
                         std::to_string(config.groupSize) + ")");
  };
  if (qweightType != DType::I32 || qweight.size() != 2 || qweight[0] < 1 ||
      qweight[1] < 1 || qweight[0] > INT64_MAX / pack)
    return wrong("qweight is " + std::string(dtypeName(qweightType)) + " " +
                 formatShape(qweight) + ", not i32 [in*bits/32, out]");
  in = qweight[0] * pack;
  out = qweight[1];
  const int64_t group = config.groupSize == -1 ? in : config.groupSize;
  const int64_t groups = (in + group - 1) / group;
  if (out % pack != 0)
    return wrong(std::to_string(out) + " outputs are no multiple of the " +
                 std::to_string(pack) + " zeros a word packs");
  if (qzerosType != DType::I32 || qzeros != Shape{groups, out / pack})
    return wrong("qzeros is " + std::string(dtypeName(qzerosType)) + " " +
                 formatShape(qzeros) + ", expected i32 " +
                 formatShape({groups, out / pack}) + " for the " +
                 std::to_string(in) + " inputs qweight " +
                 formatShape(qweight) + " packs");
  if (scalesType != DType::F16 || scales != Shape{groups, out})
    return wrong("scales is " + std::string(dtypeName(scalesType)) + " " +
                 formatShape(scales) + ", expected f16 " +
                 formatShape({groups, out}));
  if (gIdx && (gIdxType != DType::I32 || *gIdx != Shape{in}))
    return wrong("g_idx is " + std::string(dtypeName(gIdxType)) + " " +
                 formatShape(*gIdx) + ", expected i32 " + formatShape({in}));
  return Status::success();
}

namespace {

/// checkGptqShapes on tensors in memory.
Status checkGptqTensors(const GptqConfig &config, const std::string &module,
                        const GptqTensors &t, int64_t &in, int64_t &out) {
  return checkGptqShapes(
      config, module, t.qweight->dtype, t.qweight->shape, t.qzeros->dtype,
      t.qzeros->shape, t.scales->dtype, t.scales->shape,
      t.gIdx ? t.gIdx->dtype : DType::I32, t.gIdx ? &t.gIdx->shape : nullptr,
      in, out);
}

/// Reads codes and zeros out of GPTQ's packed words.
struct GptqUnpacker {
  int bits;
  int64_t pack, out;
  uint32_t maxq, wordConstant = 0;
  const uint32_t *qweight, *qzeros;

  GptqUnpacker(const GptqConfig &config, const GptqTensors &t, int64_t out)
      : bits(config.bits), pack(32 / config.bits), out(out),
        maxq((1u << config.bits) - 1),
        qweight(t.qweight->data<uint32_t>()),
        qzeros(t.qzeros->data<uint32_t>()) {
    // v1 stored zero - 1 subtracted from the whole word: add the word's
    // constant back (0x11111111 at 4 bits), wrapping as GPTQModel's int32
    // add.
    if (!config.v2)
      for (int64_t k = 0; k < pack; ++k)
        wordConstant |= 1u << (bits * k);
  }
  uint32_t code(int64_t i, int64_t o) const {
    return (qweight[(i / pack) * out + o] >> (bits * (i % pack))) & maxq;
  }
  uint32_t zero(int64_t g, int64_t o) const {
    uint32_t word = qzeros[g * (out / pack) + o / pack] + wordConstant;
    return (word >> (bits * (o % pack))) & maxq;
  }
};

} // namespace

bool gptqAffineForm(const GptqConfig &config, int64_t in, int64_t out,
                    AffineForm &form) {
  const int64_t group = config.groupSize == -1 ? in : config.groupSize;
  if (config.descAct || group <= 0 || in % group != 0)
    return false;
  form.bits = static_cast<unsigned>(config.bits);
  form.group = group;
  form.scaledZero = false;
  form.in = in;
  form.out = out;
  return true;
}

Status gptqToAffine(const GptqConfig &config, const std::string &module,
                    const GptqTensors &t, AffineStorage &storage) {
  int64_t in = 0, out = 0;
  QTC_RETURN_IF_ERROR(checkGptqTensors(config, module, t, in, out));
  AffineForm form;
  if (!gptqAffineForm(config, in, out, form))
    return Status::error("GPTQ module '" + module +
                         "' has no affine form with contiguous groups "
                         "(desc_act, or a group that does not divide its " +
                         std::to_string(in) + " inputs)");
  const int64_t groups = in / form.group;
  const int32_t *gIdx = t.gIdx ? t.gIdx->data<int32_t>() : nullptr;
  for (int64_t i = 0; gIdx && i < in; ++i)
    if (gIdx[i] != i / form.group)
      return Status::error("GPTQ module '" + module + "': g_idx[" +
                           std::to_string(i) + "] is " +
                           std::to_string(gIdx[i]) + ", not the contiguous " +
                           std::to_string(i / form.group) +
                           " an affine base needs");
  GptqUnpacker unpack(config, t, out);
  AffineStorage s;
  s.codes = HostTensor(DType::I8, {in, out});
  s.scales = HostTensor(DType::F32, {groups, out});
  s.zeros = HostTensor(DType::I8, {groups, out});
  uint8_t *codes = reinterpret_cast<uint8_t *>(s.codes.bytes.data());
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o)
      codes[i * out + o] = static_cast<uint8_t>(unpack.code(i, o));
  const Half *scales = t.scales->data<Half>();
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t o = 0; o < out; ++o) {
      s.scales.data<float>()[g * out + o] = halfToFloat(scales[g * out + o]);
      s.zeros.data<uint8_t>()[g * out + o] =
          static_cast<uint8_t>(unpack.zero(g, o));
    }
  storage = std::move(s);
  return Status::success();
}

Status dequantizeGptq(const GptqConfig &config, const std::string &module,
                      const GptqTensors &t, HostTensor &weight) {
  int64_t in = 0, out = 0;
  QTC_RETURN_IF_ERROR(checkGptqTensors(config, module, t, in, out));
  const int64_t group = config.groupSize == -1 ? in : config.groupSize;
  const int64_t groups = t.scales->shape[0];
  GptqUnpacker unpack(config, t, out);
  const Half *scales = t.scales->data<Half>();
  const int32_t *gIdx = t.gIdx ? t.gIdx->data<int32_t>() : nullptr;
  HostTensor w(DType::F32, {out, in});
  float *dst = w.data<float>();
  for (int64_t i = 0; i < in; ++i) {
    int64_t g = gIdx ? gIdx[i] : i / group;
    if (g < 0 || g >= groups)
      return Status::error("GPTQ module '" + module + "': g_idx[" +
                           std::to_string(i) + "] is " + std::to_string(g) +
                           ", outside the " + std::to_string(groups) +
                           " groups");
    for (int64_t o = 0; o < out; ++o) {
      uint32_t q = unpack.code(i, o), z = unpack.zero(g, o);
      float s = halfToFloat(scales[g * out + o]);
      dst[o * in + i] =
          s * static_cast<float>(static_cast<int32_t>(q) -
                                 static_cast<int32_t>(z));
    }
  }
  weight = std::move(w);
  return Status::success();
}

} // namespace qtc
