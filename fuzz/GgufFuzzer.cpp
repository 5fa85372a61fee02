//===- GgufFuzzer.cpp - libFuzzer target: the GGUF reader -----------------===//
//
// Any bytes as a GGUF file: parseGguf either refuses them or names tensors
// whose ranges lie inside the data; every tensor of a type qtc reads is then
// dequantized whole into an exactly sized buffer (out-of-bounds reads or
// writes are ASan reports), and a model's are renamed and, where llama.cpp
// permuted their rows, put back in HF order. The metadata is read as a
// model config (`qtc import MODEL.gguf`) and as a tokenizer (which then
// tokenizes a fixed text): refused or accepted, never a crash. A matrix
// with an affine form (Q4_0, Q4_1, Q8_0) is read as LoTA's base and
// written back: the same bytes, unless a scale or zero is NaN (its payload
// is not kept) or not a value the type can hold.
//
//===----------------------------------------------------------------------===//
#include "data/BpeTokenizer.h"
#include "import/GgufConfig.h"
#include "runtime/GgmlAffine.h"
#include "runtime/Gguf.h"
#include "runtime/GgufNames.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qtc::GgufHeader header;
  if (!qtc::parseGguf(data, size, header).ok())
    return 0;
  if (header.dataStart > size) {
    std::fprintf(stderr, "data starts at %zu of %zu bytes\n",
                 header.dataStart, size);
    std::abort();
  }
  qtc::HfModelConfig config;
  bool model = qtc::ggufModelConfig(header, "fuzz", config).ok();
  // The metadata as a tokenizer, which then tokenizes a fixed text.
  std::unique_ptr<qtc::BpeTokenizer> tokenizer;
  if (qtc::BpeTokenizer::fromGguf(header, tokenizer).ok()) {
    std::vector<int32_t> ids;
    std::string text;
    if (tokenizer->encode("Hello <|im_start|> world 123!\n", ids).ok())
      (void)tokenizer->decode(ids, text);
  }
  const uint64_t dataSize = size - header.dataStart;
  for (const auto &[name, info] : header.tensors) {
    if (info.offset > dataSize || info.bytes > dataSize - info.offset) {
      std::fprintf(stderr, "tensor '%s': [%llu, +%llu) of %llu data bytes\n",
                   name.c_str(), (unsigned long long)info.offset,
                   (unsigned long long)info.bytes,
                   (unsigned long long)dataSize);
      std::abort();
    }
    uint64_t count = 0;
    if (!qtc::checkedNumElements(info.shape, count) || count > (1u << 20))
      continue;
    const uint8_t *bytes = data + header.dataStart + info.offset;
    qtc::AffineForm form;
    if (info.shape.size() == 2 &&
        qtc::ggmlAffineForm(info.type, info.shape[0], info.shape[1], form)) {
      qtc::AffineStorage storage;
      if (!qtc::ggmlToAffine(info.type, bytes, form.out, form.in, storage)
               .ok()) {
        std::fprintf(stderr, "tensor '%s' has an affine form but no storage\n",
                     name.c_str());
        std::abort();
      }
      bool nan = false;
      for (const qtc::HostTensor *t : {&storage.scales, &storage.zeros})
        if (t->dtype == qtc::DType::F32)
          for (int64_t i = 0; i < t->numel(); ++i)
            nan = nan || std::isnan(t->data<float>()[i]);
      std::vector<uint8_t> back;
      if (qtc::affineToGgml(info.type, storage, back).ok() && !nan &&
          (back.size() != info.bytes ||
           std::memcmp(back.data(), bytes, back.size()) != 0)) {
        std::fprintf(stderr, "tensor '%s' does not round-trip\n",
                     name.c_str());
        std::abort();
      }
    }
    qtc::HostTensor out(qtc::DType::F32, info.shape);
    if (!qtc::dequantizeGgml(info.type, data + header.dataStart + info.offset,
                             static_cast<int64_t>(count), out.data<float>())
             .ok() ||
        !model)
      continue;
    auto hf = qtc::hfTensorOfGguf(
        name, *qtc::ggufString(header, "general.architecture"),
        config.numHeads, config.numKvHeads);
    if (hf && hf->ropeHeads)
      (void)qtc::permuteRopeRows(out, hf->ropeHeads, /*toHf=*/true);
  }
  return 0;
}
