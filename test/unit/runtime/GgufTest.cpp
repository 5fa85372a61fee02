//===- GgufTest.cpp - The GGUF reader -------------------------------------===//
//
// Files built byte by byte here, so that each check states the layout it
// relies on; test/interop/gguf.test reads what the gguf package writes.
//
//===----------------------------------------------------------------------===//
#include "runtime/Gguf.h"
#include "runtime/GgufNames.h"
#include "runtime/GgufWrite.h"
#include "runtime/Half.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace qtc;

namespace {

/// A little-endian GGUF v3 writer for tests.
class Builder {
public:
  Builder &u32(uint32_t v) { return le(v, 4); }
  Builder &u64(uint64_t v) { return le(v, 8); }
  Builder &str(const std::string &s) {
    u64(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  Builder &raw(std::initializer_list<uint8_t> data) {
    bytes.insert(bytes.end(), data);
    return *this;
  }
  Builder &pad(size_t alignment) {
    while (bytes.size() % alignment)
      bytes.push_back(0);
    return *this;
  }
  /// "GGUF", version 3, the counts.
  Builder &start(uint64_t tensors, uint64_t keys) {
    return u32(0x46554747).u32(3).u64(tensors).u64(keys);
  }
  Builder &tensor(const std::string &name, std::vector<uint64_t> ne,
                  uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t n : ne)
      u64(n);
    return u32(type).u64(offset);
  }
  Status parse(GgufHeader &out) const {
    return parseGguf(bytes.data(), bytes.size(), out);
  }

  std::vector<uint8_t> bytes;

private:
  Builder &le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
};

std::string errorOf(const Builder &b) {
  GgufHeader header;
  Status status = b.parse(header);
  return status.ok() ? "" : status.message();
}

uint8_t lo(Half h) { return h.bits & 0xff; }
uint8_t hi(Half h) { return h.bits >> 8; }

TEST(GgufTest, ReadsMetadataAndTensorInfos) {
  Builder b;
  b.start(1, 3)
      .str("general.architecture").u32(8).str("llama")
      .str("llama.block_count").u32(4).u32(30)
      .str("tokenizer.ggml.tokens").u32(9).u32(8).u64(2).str("a").str("bc")
      .tensor("output_norm.weight", {4, 2}, 0, 0)
      .pad(32);
  for (int i = 0; i < 8; ++i)
    b.raw({0, 0, 0x80, 0x3f}); // 1.0f
  GgufHeader header;
  ASSERT_TRUE(b.parse(header).ok()) << errorOf(b);
  EXPECT_EQ(header.version, 3u);
  EXPECT_EQ(header.metadata.at("general.architecture").string, "llama");
  EXPECT_EQ(header.metadata.at("llama.block_count").asInteger(), 30);
  EXPECT_EQ(header.metadata.at("tokenizer.ggml.tokens").strings,
            (std::vector<std::string>{"a", "bc"}));
  const GgufTensorInfo &info = header.tensors.at("output_norm.weight");
  EXPECT_EQ(info.ne, (Shape{4, 2}));
  EXPECT_EQ(info.shape, (Shape{2, 4})); // row-major: ne reversed
  EXPECT_EQ(info.bytes, 32u);
  EXPECT_EQ(header.dataStart % 32, 0u);
}

TEST(GgufTest, DequantizesAsGgmlDoes) {
  // Q8_0: d = 0.5, q = j - 16: x = d * q.
  std::vector<uint8_t> q8 = {lo(floatToHalf(0.5f)), hi(floatToHalf(0.5f))};
  for (int j = 0; j < 32; ++j)
    q8.push_back(static_cast<uint8_t>(static_cast<int8_t>(j - 16)));
  float out[32];
  ASSERT_TRUE(dequantizeGgml(8, q8.data(), 32, out).ok());
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(out[j], 0.5f * float(j - 16)) << j;
  // Q4_0: element j in byte j's low nibble, element j + 16 in its high one;
  // x = d * (q - 8).
  std::vector<uint8_t> q4 = {lo(floatToHalf(2.0f)), hi(floatToHalf(2.0f))};
  for (int j = 0; j < 16; ++j)
    q4.push_back(static_cast<uint8_t>(j | (15 - j) << 4));
  ASSERT_TRUE(dequantizeGgml(2, q4.data(), 32, out).ok());
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 2.0f * float(j - 8)) << j;
    EXPECT_EQ(out[j + 16], 2.0f * float(7 - j)) << j;
  }
  // Q4_1: x = d * q + m, rounded twice (not fused), as ggml and gguf do.
  Half d = floatToHalf(0.1f), m = floatToHalf(0.7f);
  std::vector<uint8_t> q41 = {lo(d), hi(d), lo(m), hi(m)};
  for (int j = 0; j < 16; ++j)
    q41.push_back(3 | 3 << 4);
  ASSERT_TRUE(dequantizeGgml(3, q41.data(), 32, out).ok());
  volatile float dq = halfToFloat(d) * 3.0f; // no contraction here either
  float expected = dq + halfToFloat(m);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(out[j], expected) << j;
  EXPECT_FALSE(dequantizeGgml(14, q41.data(), 256, out).ok()); // Q6_K
  EXPECT_FALSE(dequantizeGgml(3, q41.data(), 31, out).ok());
}

TEST(GgufTest, RefusesWhatDoesNotAddUp) {
  EXPECT_NE(errorOf(Builder().u32(0x46554746).u32(3).u64(0).u64(0))
                .find("does not start with \"GGUF\""),
            std::string::npos);
  EXPECT_NE(errorOf(Builder().u32(0x46554747).u32(1).u64(0).u64(0))
                .find("GGUF version 1"),
            std::string::npos);
  // Counts the file cannot hold, before anything is allocated.
  EXPECT_NE(errorOf(Builder().start(0, uint64_t(1) << 60)).find("claims"),
            std::string::npos);
  // A string longer than the file.
  EXPECT_NE(errorOf(Builder().start(0, 1).u64(1000).raw(
                        {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}))
                .find("claims 1000 bytes"),
            std::string::npos);
  // An array claiming 2^61 u32 elements.
  EXPECT_NE(errorOf(Builder().start(0, 1).str("k").u32(9).u32(4).u64(
                        uint64_t(1) << 61))
                .find("claims 2305843009213693952 elements"),
            std::string::npos);
  EXPECT_NE(errorOf(Builder().start(0, 1).str("k").u32(9).u32(9).u64(1))
                .find("arrays hold scalars or strings"),
            std::string::npos);
  EXPECT_NE(errorOf(Builder().start(0, 2).str("k").u32(4).u32(1).str("k")
                        .u32(4).u32(2))
                .find("key 'k' appears twice"),
            std::string::npos);
  EXPECT_NE(errorOf(Builder().start(0, 1).str("general.alignment").u32(4).u32(
                        24))
                .find("power of two"),
            std::string::npos);
  // Tensor infos: rank, blocks, overflow, alignment, range, names.
  auto one = [](const std::string &name, std::vector<uint64_t> ne,
                uint32_t type, uint64_t offset, size_t data) {
    Builder b;
    b.start(1, 0).tensor(name, std::move(ne), type, offset).pad(32);
    b.bytes.resize(b.bytes.size() + data);
    return errorOf(b);
  };
  EXPECT_EQ(one("w", {32, 2}, 2, 0, 36), "");
  EXPECT_NE(one("w", {1, 1, 1, 1, 1}, 0, 0, 4).find("5 dimensions"),
            std::string::npos);
  EXPECT_NE(one("w", {48, 2}, 2, 0, 1000).find("not whole Q4_0 blocks of 32"),
            std::string::npos);
  EXPECT_NE(one("w", {uint64_t(1) << 40, uint64_t(1) << 40}, 0, 0, 4)
                .find("overflows 64 bits"),
            std::string::npos);
  EXPECT_NE(one("w", {4}, 0, 8, 64).find("not a multiple of the alignment"),
            std::string::npos);
  EXPECT_NE(one("w", {32, 2}, 2, 0, 35).find("ends past the data"),
            std::string::npos);
  EXPECT_NE(one("w", {4}, 0, uint64_t(-32), 64).find("ends past the data"),
            std::string::npos);
  EXPECT_NE(one("w", {4}, 99, 0, 64).find("type 99, not a ggml type"),
            std::string::npos);
  EXPECT_NE(one(std::string(64, 'n'), {4}, 0, 0, 64).find("64 bytes"),
            std::string::npos);
  Builder twice;
  twice.start(2, 0).tensor("w", {4}, 0, 0).tensor("w", {4}, 0, 32).pad(32);
  twice.bytes.resize(twice.bytes.size() + 64);
  EXPECT_NE(errorOf(twice).find("tensor 'w' appears twice"),
            std::string::npos);
  // Every prefix of a valid file is refused, never read past.
  Builder whole;
  whole.start(1, 1).str("a").u32(8).str("b").tensor("w", {32}, 8, 0).pad(32);
  whole.bytes.resize(whole.bytes.size() + 34);
  ASSERT_EQ(errorOf(whole), "");
  for (size_t n = 0; n + 1 < whole.bytes.size(); ++n) {
    GgufHeader header;
    EXPECT_FALSE(parseGguf(whole.bytes.data(), n, header).ok()) << n;
  }
}

TEST(GgufNamesTest, MapsLlamaCppNamesToHfNamesAndBack) {
  auto hf = [](const std::string &name, const std::string &arch) {
    return hfTensorOfGguf(name, arch, /*heads=*/8, /*kvHeads=*/2);
  };
  EXPECT_EQ(hf("token_embd.weight", "llama")->name,
            "model.embed_tokens.weight");
  EXPECT_EQ(hf("output.weight", "qwen2")->name, "lm_head.weight");
  EXPECT_EQ(hf("blk.12.ffn_down.weight", "llama")->name,
            "model.layers.12.mlp.down_proj.weight");
  EXPECT_EQ(hf("blk.0.attn_norm.weight", "llama")->name,
            "model.layers.0.input_layernorm.weight");
  // llama's Q and K rows are in llama.cpp's rope order, in heads and kv
  // heads; qwen2's and V's are not.
  EXPECT_EQ(hf("blk.3.attn_q.weight", "llama")->ropeHeads, 8);
  EXPECT_EQ(hf("blk.3.attn_k.bias", "llama")->ropeHeads, 2);
  EXPECT_EQ(hf("blk.3.attn_v.weight", "llama")->ropeHeads, 0);
  EXPECT_EQ(hf("blk.3.attn_q.weight", "qwen2")->ropeHeads, 0);
  EXPECT_EQ(hf("blk.3.attn_k.bias", "qwen2")->name,
            "model.layers.3.self_attn.k_proj.bias");
  // No counterpart: other tensors, non-canonical indices, other models.
  for (const char *name : {"rope_freqs.weight", "blk.01.attn_q.weight",
                           "blk.-1.attn_q.weight", "blk..attn_q.weight",
                           "blk.1.attn_q.weight.lora_a", "blk.1.attn_q"})
    EXPECT_FALSE(hf(name, "llama")) << name;
  EXPECT_FALSE(hf("token_embd.weight", "gpt2"));
  for (const char *name :
       {"token_embd.weight", "output_norm.weight", "output.weight",
        "blk.7.attn_norm.weight", "blk.7.attn_q.weight", "blk.7.attn_q.bias",
        "blk.7.attn_k.weight", "blk.7.attn_v.bias", "blk.7.attn_output.weight",
        "blk.7.ffn_norm.weight", "blk.7.ffn_gate.weight",
        "blk.7.ffn_up.weight", "blk.7.ffn_down.weight"})
    EXPECT_EQ(ggufNameOfHf(hf(name, "llama")->name), std::string(name));
  EXPECT_FALSE(ggufNameOfHf("model.layers.1.self_attn.rotary_emb.inv_freq"));
}

TEST(GgufNamesTest, PermutesRopeRowsAsLlamaCppsConverter) {
  // 2 heads of 6 rows (half 3), 2 bytes a row. llama.cpp's permute of HF
  // rows: w.reshape(heads, 2, half, in).swapaxes(1, 2), so GGUF row
  // h*6 + 2i + j holds HF row h*6 + 3j + i.
  HostTensor t(DType::I16, {12, 1});
  for (int r = 0; r < 12; ++r)
    t.data<int16_t>()[r] = static_cast<int16_t>(r);
  HostTensor gguf = t;
  ASSERT_TRUE(permuteRopeRows(gguf, 2, /*toHf=*/false).ok());
  const int16_t expected[12] = {0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11};
  for (int r = 0; r < 12; ++r)
    EXPECT_EQ(gguf.data<int16_t>()[r], expected[r]) << r;
  ASSERT_TRUE(permuteRopeRows(gguf, 2, /*toHf=*/true).ok());
  EXPECT_EQ(gguf.bytes, t.bytes);
  // Whole rows move: a [rows, in] tensor keeps each row's elements.
  HostTensor wide(DType::F32, {4, 3});
  for (int e = 0; e < 12; ++e)
    wide.data<float>()[e] = static_cast<float>(e);
  ASSERT_TRUE(permuteRopeRows(wide, 1, /*toHf=*/true).ok());
  const float rows[12] = {0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11};
  for (int e = 0; e < 12; ++e)
    EXPECT_EQ(wide.data<float>()[e], rows[e]) << e;
  // Rows of no elements (found by qtc-fuzz-gguf: a memcpy from null).
  HostTensor empty(DType::F32, {4, 0});
  EXPECT_TRUE(permuteRopeRows(empty, 2, true).ok());
  HostTensor odd(DType::F32, {10, 1});
  EXPECT_NE(permuteRopeRows(odd, 2, true).message().find("2 x heads"),
            std::string::npos);
}

TEST(GgufWriteTest, WritesWhatTheReaderReads) {
  GgufWriter writer;
  writer.addString("general.architecture", "llama");
  writer.addU32("llama.attention.head_count", 9);
  writer.addF32("adapter.lora.alpha", 16.5f);
  HostTensor a(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i)
    a.data<float>()[i] = 0.5f * static_cast<float>(i);
  ASSERT_TRUE(writer.addTensor("a", a).ok());
  ASSERT_TRUE(writer.addTensor("h", GgmlType::F16, {5}, std::vector<uint8_t>(10, 1)).ok());
  HostTensor last(DType::F32, {1});
  ASSERT_TRUE(writer.addTensor("z", last).ok());
  EXPECT_FALSE(writer.addTensor("a", a).ok()); // twice
  EXPECT_FALSE(writer.addTensor(std::string(64, 'n'), a).ok());
  EXPECT_FALSE(writer.addTensor("q", GgmlType::Q4_1, {32}, {}).ok());
  EXPECT_FALSE(writer.addTensor("w", GgmlType::F32, {3}, std::vector<uint8_t>(8)).ok());
  std::vector<uint8_t> bytes = writer.bytes();
  GgufHeader header;
  ASSERT_TRUE(parseGguf(bytes.data(), bytes.size(), header).ok());
  EXPECT_EQ(header.metadata.at("general.architecture").string, "llama");
  EXPECT_EQ(header.metadata.at("llama.attention.head_count").asInteger(), 9);
  EXPECT_EQ(header.metadata.at("adapter.lora.alpha").asFloat(), 16.5);
  ASSERT_EQ(header.tensors.size(), 3u);
  const GgufTensorInfo &info = header.tensors.at("a");
  EXPECT_EQ(info.shape, (Shape{2, 3}));
  EXPECT_EQ(info.ne, (Shape{3, 2}));
  EXPECT_EQ(std::memcmp(bytes.data() + header.dataStart + info.offset,
                        a.bytes.data(), a.bytes.size()),
            0);
  EXPECT_EQ(header.tensors.at("h").offset % 32, 0u);
  EXPECT_EQ(header.tensors.at("z").offset, 64u); // 24 and 10 bytes, aligned
}

} // namespace
