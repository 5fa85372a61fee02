//===- TokenizerFuzzer.cpp - libFuzzer target: the BPE tokenizer ----------===//
//
// Any bytes as text to a byte-level BPE tokenizer (every byte spelled, a
// few merges, two special tokens, the pre-tokenizer picked by the first
// byte): invalid UTF-8 is refused, and valid text must decode back to
// itself exactly.
//
//===----------------------------------------------------------------------===//
#include "data/BpeTokenizer.h"

#include <cstdio>
#include <cstdlib>

namespace {

std::unique_ptr<qtc::BpeTokenizer> makeTokenizer(const char *pre) {
  using qtc::GgufValue;
  using qtc::GgufValueType;
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b)
    tokens.push_back(qtc::BpeTokenizer::byteCharacter(static_cast<uint8_t>(b)));
  for (const char *t : {"he", "ll", "hell", "\xC4\xA0" "t", "<|s|>", "<|s|>x"})
    tokens.push_back(t);
  qtc::GgufHeader h;
  GgufValue v;
  v.type = GgufValueType::String;
  v.string = "gpt2";
  h.metadata["tokenizer.ggml.model"] = v;
  v.string = pre;
  h.metadata["tokenizer.ggml.pre"] = v;
  GgufValue list;
  list.type = GgufValueType::Array;
  list.elementType = GgufValueType::String;
  list.strings = tokens;
  list.count = tokens.size();
  h.metadata["tokenizer.ggml.tokens"] = list;
  list.strings = {"h e", "l l", "he ll", "\xC4\xA0 t"};
  list.count = list.strings.size();
  h.metadata["tokenizer.ggml.merges"] = list;
  GgufValue types;
  types.type = GgufValueType::Array;
  types.elementType = GgufValueType::I32;
  types.count = tokens.size();
  for (size_t i = 0; i < tokens.size(); ++i) {
    uint8_t type = i >= tokens.size() - 2 ? 3 : 1;
    types.elements.insert(types.elements.end(), {type, 0, 0, 0});
  }
  h.metadata["tokenizer.ggml.token_type"] = types;
  std::unique_ptr<qtc::BpeTokenizer> out;
  if (!qtc::BpeTokenizer::fromGguf(h, out).ok())
    std::abort();
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *kPre[] = {"gpt2", "smollm", "llama-bpe", "qwen2"};
  static std::unique_ptr<qtc::BpeTokenizer> tokenizers[] = {
      makeTokenizer(kPre[0]), makeTokenizer(kPre[1]), makeTokenizer(kPre[2]),
      makeTokenizer(kPre[3])};
  if (size == 0)
    return 0;
  const qtc::BpeTokenizer &tokenizer = *tokenizers[data[0] % 4];
  std::string_view text(reinterpret_cast<const char *>(data) + 1, size - 1);
  std::vector<int32_t> ids;
  if (!tokenizer.encode(text, ids).ok())
    return 0;
  std::string back;
  if (!tokenizer.decode(ids, back).ok() || back != text) {
    std::fprintf(stderr, "%s: the text does not decode back to itself\n",
                 kPre[data[0] % 4]);
    std::abort();
  }
  return 0;
}
