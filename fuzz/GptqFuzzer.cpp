//===- GptqFuzzer.cpp - libFuzzer target: the GPTQ reader -----------------===//
//
// A quantization config (the input's first line, as JSON) and one small
// quantized linear filled from the bytes after it (its size picked by the
// first two): parseGptqConfig refuses or accepts the config, and the
// linear's shapes are checked and it is dequantized, whatever its g_idx,
// codes and zeros hold. JSON the parser rejects is skipped (exceptions are
// off: nlohmann's parse with allow_exceptions=false).
//
//===----------------------------------------------------------------------===//
#include "runtime/Gptq.h"

#include <nlohmann/json.hpp>

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *newline =
      static_cast<const uint8_t *>(std::memchr(data, '\n', size));
  if (!newline)
    return 0;
  nlohmann::json object = nlohmann::json::parse(
      data, newline, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded())
    return 0;
  qtc::GptqConfig config;
  if (!qtc::parseGptqConfig(object, "fuzz:", config).ok())
    return 0;
  const uint8_t *bytes = newline + 1;
  size_t count = size - static_cast<size_t>(bytes - data);
  if (count < 2)
    return 0;
  const int64_t pack = 32 / config.bits;
  const int64_t rows = 1 + bytes[0] % 4, out = pack * (1 + bytes[1] % 3);
  const int64_t in = rows * pack;
  const int64_t group = config.groupSize == -1 ? in : config.groupSize;
  const int64_t groups = (in + group - 1) / group;
  qtc::HostTensor qweight(qtc::DType::I32, {rows, out}),
      qzeros(qtc::DType::I32, {groups, out / pack}),
      scales(qtc::DType::F16, {groups, out}), gIdx(qtc::DType::I32, {in});
  size_t at = 2;
  for (qtc::HostTensor *t : {&qweight, &qzeros, &scales, &gIdx})
    for (uint8_t &b : t->bytes)
      b = at < count ? bytes[at++] : 0;
  qtc::HostTensor weight;
  (void)qtc::dequantizeGptq(config, "fuzz",
                            {&qweight, &qzeros, &scales,
                             count % 2 ? &gIdx : nullptr},
                            weight);
  return 0;
}
