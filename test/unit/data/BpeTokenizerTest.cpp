//===- BpeTokenizerTest.cpp - The byte-level BPE tokenizer ----------------===//
//
// A vocabulary built here (every byte, a few merges, special tokens) so
// that each check states what it relies on; test/interop/tokenizer.test
// compares SmolLM2's whole vocabulary with HF tokenizers.
//
//===----------------------------------------------------------------------===//
#include "data/BpeTokenizer.h"

#include <gtest/gtest.h>

using namespace qtc;

namespace {

GgufValue stringValue(const std::string &s) {
  GgufValue v;
  v.type = GgufValueType::String;
  v.string = s;
  return v;
}

GgufValue strings(const std::vector<std::string> &list) {
  GgufValue v;
  v.type = GgufValueType::Array;
  v.elementType = GgufValueType::String;
  v.count = list.size();
  v.strings = list;
  return v;
}

GgufValue i32s(const std::vector<int32_t> &list) {
  GgufValue v;
  v.type = GgufValueType::Array;
  v.elementType = GgufValueType::I32;
  v.count = list.size();
  for (int32_t x : list)
    for (int b = 0; b < 4; ++b)
      v.elements.push_back(static_cast<uint8_t>(uint32_t(x) >> (8 * b)));
  return v;
}

/// GPT-2's byte characters (Ġ is the space, Ċ the newline), then the
/// merged tokens "he", "ll", "hell", "hello", "Ġw", then "<|s|>" and
/// "<|s|>x" as CONTROL tokens.
GgufHeader vocabulary(const std::string &pre = "gpt2") {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b)
    tokens.push_back(qtc::BpeTokenizer::byteCharacter(static_cast<uint8_t>(b)));
  for (const char *t : {"he", "ll", "hell", "hello", "\xC4\xA0w", "<|s|>",
                        "<|s|>x"})
    tokens.push_back(t);
  std::vector<int32_t> types(tokens.size(), 1);
  types[261] = types[262] = 3;
  GgufHeader h;
  h.metadata["tokenizer.ggml.model"] = stringValue("gpt2");
  h.metadata["tokenizer.ggml.pre"] = stringValue(pre);
  h.metadata["tokenizer.ggml.tokens"] = strings(tokens);
  h.metadata["tokenizer.ggml.token_type"] = i32s(types);
  h.metadata["tokenizer.ggml.merges"] =
      strings({"h e", "l l", "he ll", "hell o", "\xC4\xA0 w"});
  return h;
}

std::vector<int32_t> encode(const BpeTokenizer &t, const std::string &text) {
  std::vector<int32_t> ids;
  Status status = t.encode(text, ids);
  EXPECT_TRUE(status.ok()) << status.message();
  return ids;
}

TEST(BpeTokenizerTest, SpellsBytesAsGpt2Does) {
  EXPECT_EQ(BpeTokenizer::byteCharacter('A'), "A");
  EXPECT_EQ(BpeTokenizer::byteCharacter(' '), "\xC4\xA0");   // U+0120 Ġ
  EXPECT_EQ(BpeTokenizer::byteCharacter('\n'), "\xC4\x8A");  // U+010A Ċ
  EXPECT_EQ(BpeTokenizer::byteCharacter(0xAD), "\xC5\x83");   // U+0143
  EXPECT_EQ(BpeTokenizer::byteCharacter(0xE9), "\xC3\xA9");   // é itself
}

TEST(BpeTokenizerTest, MergesByRankWithinPreTokenizedPieces) {
  std::unique_ptr<BpeTokenizer> t;
  ASSERT_TRUE(BpeTokenizer::fromGguf(vocabulary(), t).ok());
  // "hello" merges h+e, l+l, he+ll, hell+o; " world" is one piece, whose
  // space and w merge; "ld" has no merge.
  EXPECT_EQ(encode(*t, "hello world"),
            (std::vector<int32_t>{259, 260, 'o', 'r', 'l', 'd'}));
  // "hell" and "o" in two pieces (a digit between) do not merge across.
  EXPECT_EQ(encode(*t, "hell1o"), (std::vector<int32_t>{258, '1', 'o'}));
  std::string text;
  ASSERT_TRUE(t->decode(encode(*t, "hello w\xC3\xA9\n"), text).ok());
  EXPECT_EQ(text, "hello w\xC3\xA9\n");
}

TEST(BpeTokenizerTest, MatchesSpecialTokensWholeLongestFirst) {
  std::unique_ptr<BpeTokenizer> t;
  ASSERT_TRUE(BpeTokenizer::fromGguf(vocabulary(), t).ok());
  EXPECT_EQ(encode(*t, "a<|s|>xb<|s|>"),
            (std::vector<int32_t>{'a', 262, 'b', 261}));
  std::vector<int32_t> plain;
  ASSERT_TRUE(t->encode("<|s|>", plain, true, /*parseSpecial=*/false).ok());
  EXPECT_EQ(plain.size(), 5u);
  std::string text;
  ASSERT_TRUE(t->decode({'a', 262}, text).ok());
  EXPECT_EQ(text, "a<|s|>x");
  EXPECT_FALSE(t->decode({263}, text).ok());
}

TEST(BpeTokenizerTest, SplitsAsEachPreTokenizerSays) {
  std::unique_ptr<BpeTokenizer> gpt2, smollm;
  ASSERT_TRUE(BpeTokenizer::fromGguf(vocabulary("gpt2"), gpt2).ok());
  ASSERT_TRUE(BpeTokenizer::fromGguf(vocabulary("smollm"), smollm).ok());
  std::unique_ptr<PreTokenizer> pre;
  std::vector<std::string_view> pieces;
  ASSERT_TRUE(PreTokenizer::forGgufName("smollm", pre).ok());
  ASSERT_TRUE(pre->split("ab 123  x", pieces).ok());
  EXPECT_EQ(pieces, (std::vector<std::string_view>{"ab", " ", "1", "2", "3",
                                                   " ", " x"}));
  ASSERT_TRUE(PreTokenizer::forGgufName("gpt2", pre).ok());
  ASSERT_TRUE(pre->split("ab 123  x", pieces).ok());
  EXPECT_EQ(pieces,
            (std::vector<std::string_view>{"ab", " 123", " ", " x"}));
  ASSERT_TRUE(PreTokenizer::forGgufName("llama-bpe", pre).ok());
  ASSERT_TRUE(pre->split("I'M 12345", pieces).ok());
  EXPECT_EQ(pieces,
            (std::vector<std::string_view>{"I", "'M", " ", "123", "45"}));
  EXPECT_NE(PreTokenizer::forGgufName("tekken", pre).message().find(
                "pre-tokenizer 'tekken' is not known (qtc knows gpt2, smollm"),
            std::string::npos);
}

TEST(BpeTokenizerTest, RefusesBadTextAndVocabularies) {
  std::unique_ptr<BpeTokenizer> t;
  ASSERT_TRUE(BpeTokenizer::fromGguf(vocabulary(), t).ok());
  std::vector<int32_t> ids;
  Status bad = t->encode("ab\xFF" "c", ids);
  EXPECT_NE(bad.message().find("not valid UTF-8 at byte 2"), std::string::npos)
      << bad.message();
  bad = t->encode("<|s|>ok \xC3", ids);
  EXPECT_NE(bad.message().find("not valid UTF-8 at byte 8"), std::string::npos)
      << bad.message();
  auto errorOf = [](GgufHeader h) {
    std::unique_ptr<BpeTokenizer> out;
    Status status = BpeTokenizer::fromGguf(h, out);
    return status.ok() ? std::string() : status.message();
  };
  GgufHeader h = vocabulary();
  h.metadata["tokenizer.ggml.model"] = stringValue("llama");
  EXPECT_NE(errorOf(h).find("qtc reads byte-level BPE"), std::string::npos);
  h = vocabulary();
  h.metadata["tokenizer.ggml.merges"] = strings({"a b c"});
  EXPECT_NE(errorOf(h).find("merge 0 is not two symbols"), std::string::npos);
  h = vocabulary();
  h.metadata["tokenizer.ggml.token_type"] = i32s({1, 2, 3});
  EXPECT_NE(errorOf(h).find("one i32 per token"), std::string::npos);
  h = vocabulary();
  GgufValue bos;
  bos.type = GgufValueType::U32;
  bos.raw = 100000;
  h.metadata["tokenizer.ggml.bos_token_id"] = bos;
  EXPECT_NE(errorOf(h).find("not a token id below 263"), std::string::npos);
  h = vocabulary();
  h.metadata.erase("tokenizer.ggml.tokens");
  EXPECT_NE(errorOf(h).find("needs tokenizer.ggml.tokens"), std::string::npos);
  // A vocabulary without some byte's token refuses text that needs it.
  h = vocabulary();
  h.metadata["tokenizer.ggml.tokens"].strings[7] = "unused";
  ASSERT_EQ(errorOf(h), "");
  ASSERT_TRUE(BpeTokenizer::fromGguf(h, t).ok());
  EXPECT_NE(t->encode("a\x07", ids).message().find("no token for"),
            std::string::npos);
}

} // namespace
