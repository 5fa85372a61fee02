//===- GptqTest.cpp - GPTQ checkpoints ------------------------------------===//
//
// The layout facts the reader relies on, one small linear at a time;
// test/interop/gptq.test compares whole checkpoints with GPTQModel.
//
//===----------------------------------------------------------------------===//
#include "runtime/Gptq.h"
#include "runtime/Half.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace qtc;

namespace {

std::string configError(const char *text) {
  GptqConfig config;
  Status status = parseGptqConfig(nlohmann::json::parse(text), "c:", config);
  return status.ok() ? "" : status.message();
}

TEST(GptqTest, ReadsTheQuantizationConfig) {
  GptqConfig config;
  ASSERT_TRUE(parseGptqConfig(nlohmann::json::parse(
                                  R"({"bits": 8, "group_size": -1, "sym": false,
                                      "desc_act": true, "quant_method": "gptq",
                                      "checkpoint_format": "gptq_v2"})"),
                              "c:", config)
                  .ok());
  EXPECT_EQ(config.bits, 8);
  EXPECT_EQ(config.groupSize, -1);
  EXPECT_FALSE(config.sym);
  EXPECT_TRUE(config.descAct);
  EXPECT_TRUE(config.v2);
  EXPECT_NE(configError(R"({"bits": 3})").find("bits 3"), std::string::npos);
  EXPECT_NE(configError(R"({"bits": 4, "quant_method": "awq"})")
                .find("quant_method is \"awq\""),
            std::string::npos);
  EXPECT_NE(configError(R"({"bits": 4, "checkpoint_format": "marlin"})")
                .find("checkpoint_format \"marlin\""),
            std::string::npos);
  EXPECT_NE(configError(R"({"bits": 4, "group_size": 0})").find("group_size 0"),
            std::string::npos);
  EXPECT_NE(configError(R"({"bits": 4, "sym": "yes"})").find("\"sym\""),
            std::string::npos);
  EXPECT_NE(configError(R"({"group_size": 128})").find("\"bits\""),
            std::string::npos);
}

TEST(GptqTest, DequantizesV1ZerosWordWise) {
  // 4 bits, in 8 (one qweight row), out 8, one group. Codes q[i][o] = i + o
  // (mod 16); real zeros z[o] = o % 3, so z = 0 at o = 0, 3, 6, where v1's
  // stored word borrowed: stored = word - 0x11111111 (mod 2^32).
  GptqConfig config;
  config.bits = 4;
  config.groupSize = 8;
  HostTensor qweight(DType::I32, {1, 8}), qzeros(DType::I32, {1, 1}),
      scales(DType::F16, {1, 8});
  uint32_t zeroWord = 0;
  for (int o = 0; o < 8; ++o) {
    uint32_t word = 0;
    for (int i = 0; i < 8; ++i)
      word |= uint32_t((i + o) % 16) << (4 * i);
    qweight.data<uint32_t>()[o] = word;
    zeroWord |= uint32_t(o % 3) << (4 * o);
    scales.data<Half>()[o] = floatToHalf(0.5f + 0.25f * o);
  }
  qzeros.data<uint32_t>()[0] = zeroWord - 0x11111111u;
  HostTensor weight;
  ASSERT_TRUE(
      dequantizeGptq(config, "m", {&qweight, &qzeros, &scales, nullptr}, weight)
          .ok());
  ASSERT_EQ(weight.shape, (Shape{8, 8})); // [out, in]
  for (int o = 0; o < 8; ++o)
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(weight.data<float>()[o * 8 + i],
                (0.5f + 0.25f * o) * float((i + o) % 16 - o % 3))
          << o << " " << i;
  // v2 stores the zeros as they are.
  config.v2 = true;
  qzeros.data<uint32_t>()[0] = zeroWord;
  HostTensor v2;
  ASSERT_TRUE(
      dequantizeGptq(config, "m", {&qweight, &qzeros, &scales, nullptr}, v2)
          .ok());
  EXPECT_EQ(v2.bytes, weight.bytes);
  // g_idx names each row's group; one outside the groups is refused.
  HostTensor gIdx(DType::I32, {8});
  gIdx.data<int32_t>()[3] = 1;
  EXPECT_NE(
      dequantizeGptq(config, "m", {&qweight, &qzeros, &scales, &gIdx}, v2)
          .message()
          .find("g_idx[3] is 1, outside the 1 groups"),
      std::string::npos);

  // The same linear as affine storage: codes [in, out] and integer zeros
  // as unpacked (v2 here; v1's word constant restored as above).
  AffineStorage storage;
  ASSERT_TRUE(
      gptqToAffine(config, "m", {&qweight, &qzeros, &scales, nullptr}, storage)
          .ok());
  ASSERT_EQ(storage.codes.shape, (Shape{8, 8}));
  for (int i = 0; i < 8; ++i)
    for (int o = 0; o < 8; ++o)
      EXPECT_EQ(storage.codes.data<uint8_t>()[i * 8 + o], (i + o) % 16);
  for (int o = 0; o < 8; ++o) {
    EXPECT_EQ(storage.zeros.data<uint8_t>()[o], o % 3);
    EXPECT_EQ(storage.scales.data<float>()[o], 0.5f + 0.25f * o);
  }
  config.v2 = false;
  qzeros.data<uint32_t>()[0] = zeroWord - 0x11111111u;
  AffineStorage v1;
  ASSERT_TRUE(
      gptqToAffine(config, "m", {&qweight, &qzeros, &scales, nullptr}, v1)
          .ok());
  EXPECT_EQ(v1.zeros.bytes, storage.zeros.bytes);
  // Only contiguous groups have an affine form.
  gIdx.data<int32_t>()[3] = 0;
  EXPECT_TRUE(
      gptqToAffine(config, "m", {&qweight, &qzeros, &scales, &gIdx}, v1).ok());
  config.groupSize = 4;
  HostTensor scales2(DType::F16, {2, 8}), qzeros2(DType::I32, {2, 1});
  gIdx.data<int32_t>()[1] = 1; // row 1 in group 1: act-order
  EXPECT_NE(
      gptqToAffine(config, "m", {&qweight, &qzeros2, &scales2, &gIdx}, v1)
          .message()
          .find("g_idx[1] is 1, not the contiguous 0 an affine base needs"),
      std::string::npos);
  AffineForm form;
  config.descAct = true;
  EXPECT_FALSE(gptqAffineForm(config, 8, 8, form));
}

TEST(GptqTest, ChecksEveryShapeAgainstTheConfig) {
  GptqConfig config; // 4 bits, groups of 128
  int64_t in = 0, out = 0;
  auto check = [&](Shape qweight, Shape qzeros, Shape scales, DType qwType =
                                                                   DType::I32) {
    Status status = checkGptqShapes(config, "m", qwType, qweight, DType::I32,
                                    qzeros, DType::F16, scales, DType::I32,
                                    nullptr, in, out);
    return status.ok() ? "" : status.message();
  };
  EXPECT_EQ(check({32, 64}, {2, 8}, {2, 64}), "");
  EXPECT_EQ(in, 256);
  EXPECT_EQ(out, 64);
  EXPECT_NE(check({32, 64}, {2, 8}, {2, 64}, DType::F32).find("qweight is f32"),
            std::string::npos);
  EXPECT_NE(check({32, 64}, {1, 8}, {2, 64}).find("qzeros is i32 [1, 8]"),
            std::string::npos);
  EXPECT_NE(check({32, 64}, {2, 8}, {2, 32}).find("scales is f16 [2, 32]"),
            std::string::npos);
  EXPECT_NE(check({32, 60}, {2, 8}, {2, 60}).find("no multiple of the 8"),
            std::string::npos);
  Shape gIdx = {256};
  EXPECT_NE(checkGptqShapes(config, "m", DType::I32, {32, 64}, DType::I32,
                            {2, 8}, DType::F16, {2, 64}, DType::I64, &gIdx, in,
                            out)
                .message()
                .find("g_idx is i64 [256], expected i32 [256]"),
            std::string::npos);
  // A last group that is partial: ceil(200 / 128) = 2 groups.
  EXPECT_EQ(check({25, 64}, {2, 8}, {2, 64}), "");
}

} // namespace
