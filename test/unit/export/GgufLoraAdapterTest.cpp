//===- GgufLoraAdapterTest.cpp - Trained LoRA adapters as a GGUF adapter --===//
//
// buildGgufLoraAdapter's names, layouts, metadata and llama's rope row
// order; test/interop/gguf-lora-export.test loads what it writes in
// llama.cpp.
//
//===----------------------------------------------------------------------===//
#include "export/GgufLoraAdapter.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace qtc;

namespace {

HostTensor matrix(int64_t rows, int64_t cols) {
  HostTensor t(DType::F32, {rows, cols});
  for (int64_t i = 0; i < rows * cols; ++i)
    t.data<float>()[i] = static_cast<float>(i);
  return t;
}

GgufHeader base(const std::string &arch) {
  GgufHeader header;
  GgufValue value;
  value.type = GgufValueType::String;
  value.string = arch;
  header.metadata["general.architecture"] = value;
  value = GgufValue();
  value.type = GgufValueType::U32;
  value.raw = 2;
  header.metadata[arch + ".attention.head_count"] = value;
  GgufTensorInfo q;
  q.shape = {8, 3}; // [out, in]: 2 heads of 4 rows
  header.tensors["blk.0.attn_q.weight"] = q;
  header.tensors["blk.0.attn_v.weight"] = q;
  return header;
}

std::vector<float> floatsOf(const std::vector<uint8_t> &file,
                            const GgufHeader &header, const std::string &name) {
  const GgufTensorInfo &info = header.tensors.at(name);
  std::vector<float> out(info.bytes / 4);
  std::memcpy(out.data(), file.data() + header.dataStart + info.offset,
              info.bytes);
  return out;
}

TEST(GgufLoraAdapterTest, WritesLlamaCppsNamesAndRopeOrder) {
  TensorMap trained;
  trained["model.layers.0.self_attn.q_proj.a"] = matrix(3, 2); // [in, r]
  trained["model.layers.0.self_attn.q_proj.b"] = matrix(2, 8); // [r, out]
  trained["model.layers.0.self_attn.v_proj.a"] = matrix(3, 2);
  trained["model.layers.0.self_attn.v_proj.b"] = matrix(2, 8);
  for (const char *arch : {"llama", "qwen2"}) {
    GgufWriter writer;
    GgufLoraAdapterInfo info;
    ASSERT_TRUE(buildGgufLoraAdapter(trained, 16, base(arch), writer, info)
                    .ok());
    EXPECT_EQ(info.rank, 2);
    EXPECT_EQ(info.modules, 2u);
    std::vector<uint8_t> file = writer.bytes();
    GgufHeader header;
    ASSERT_TRUE(parseGguf(file.data(), file.size(), header).ok());
    EXPECT_EQ(header.metadata.at("general.type").string, "adapter");
    EXPECT_EQ(header.metadata.at("adapter.type").string, "lora");
    EXPECT_EQ(header.metadata.at("general.architecture").string, arch);
    EXPECT_EQ(header.metadata.at("adapter.lora.alpha").asFloat(), 16.0);
    EXPECT_EQ(header.tensors.at("blk.0.attn_q.weight.lora_a").shape,
              (Shape{2, 3})); // [r, in]: ne [in, r] as llama.cpp checks
    EXPECT_EQ(header.tensors.at("blk.0.attn_q.weight.lora_b").shape,
              (Shape{8, 2})); // [out, r]
    // lora_b = b^T: row o is column o of b, (o, o + 8). llama's Q rows are
    // in llama.cpp's rope order (heads of 4 rows: 0 2 1 3), V's never, and
    // qwen2's not.
    std::vector<float> q = floatsOf(file, header, "blk.0.attn_q.weight.lora_b");
    std::vector<float> v = floatsOf(file, header, "blk.0.attn_v.weight.lora_b");
    const int llamaOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    for (int row = 0; row < 8; ++row) {
      int o = std::string(arch) == "llama" ? llamaOrder[row] : row;
      EXPECT_EQ(q[row * 2], static_cast<float>(o)) << arch << " " << row;
      EXPECT_EQ(q[row * 2 + 1], static_cast<float>(o + 8)) << arch;
      EXPECT_EQ(v[row * 2], static_cast<float>(row)) << arch;
    }
  }
}

TEST(GgufLoraAdapterTest, RefusesWhatTheBaseCannotTake) {
  auto errorOf = [](const TensorMap &trained, const GgufHeader &header) {
    GgufWriter writer;
    GgufLoraAdapterInfo info;
    Status status = buildGgufLoraAdapter(trained, 16, header, writer, info);
    return status.ok() ? std::string() : status.message();
  };
  TensorMap q = {{"model.layers.0.self_attn.q_proj.a", matrix(3, 2)},
                 {"model.layers.0.self_attn.q_proj.b", matrix(2, 8)}};
  EXPECT_EQ(errorOf(q, base("llama")), "");
  EXPECT_NE(errorOf(q, base("gpt2")).find("no llama or qwen2"),
            std::string::npos);
  TensorMap head = {{"lm_head.a", matrix(3, 2)}, {"lm_head.b", matrix(2, 8)}};
  EXPECT_NE(errorOf(head, base("llama"))
                .find("module 'lm_head' has no weight in the base model "
                      "('output.weight')"),
            std::string::npos);
  TensorMap wide = {{"model.layers.0.self_attn.q_proj.a", matrix(4, 2)},
                    {"model.layers.0.self_attn.q_proj.b", matrix(2, 8)}};
  EXPECT_NE(errorOf(wide, base("llama")).find("do not fit"),
            std::string::npos);
  TensorMap other = {{"model.layers.0.mystery.a", matrix(3, 2)},
                     {"model.layers.0.mystery.b", matrix(2, 8)}};
  EXPECT_NE(errorOf(other, base("llama")).find("has no weight"),
            std::string::npos);
}

} // namespace
