//===- PeftAdapterTest.cpp - Trained LoRA adapters as a PEFT adapter ------===//
//
// buildPeftAdapter's names, layouts, config and refusals;
// test/interop/peft-export.test loads what it writes with peft.
//
//===----------------------------------------------------------------------===//
#include "export/PeftAdapter.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc;

namespace {

HostTensor matrix(int64_t rows, int64_t cols, float first = 0) {
  HostTensor t(DType::F32, {rows, cols});
  for (int64_t i = 0; i < rows * cols; ++i)
    t.data<float>()[i] = first + static_cast<float>(i);
  return t;
}

std::string errorOf(const TensorMap &trained, double alpha = 16) {
  PeftAdapter adapter;
  Status status = buildPeftAdapter(trained, {alpha, "base"}, adapter);
  return status.ok() ? "" : status.message();
}

TEST(PeftAdapterTest, TransposesIntoPeftNamesAndLayouts) {
  TensorMap trained;
  trained["model.layers.0.self_attn.q_proj.a"] = matrix(3, 2);     // [in, r]
  trained["model.layers.0.self_attn.q_proj.b"] = matrix(2, 5, 10); // [r, out]
  trained["model.layers.0.self_attn.q_proj.a.m"] = matrix(3, 2);   // a moment
  trained["model.layers.1.mlp.down_proj.a"] = matrix(4, 2);
  trained["model.layers.1.mlp.down_proj.b"] = matrix(2, 3);
  PeftAdapter adapter;
  ASSERT_TRUE(buildPeftAdapter(trained, {16, "my/base"}, adapter).ok());
  EXPECT_EQ(adapter.rank, 2);
  EXPECT_EQ(adapter.modules, 2u);
  ASSERT_EQ(adapter.tensors.size(), 4u);
  const HostTensor &a = adapter.tensors.at(
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
  const HostTensor &b = adapter.tensors.at(
      "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
  EXPECT_EQ(a.shape, (Shape{2, 3})); // [r, in]
  EXPECT_EQ(b.shape, (Shape{5, 2})); // [out, r]
  // lora_A[j][i] = a[i][j]; lora_B[o][j] = b[j][o].
  EXPECT_EQ(a.data<float>()[1 * 3 + 2], 2 * 2 + 1);
  EXPECT_EQ(b.data<float>()[4 * 2 + 1], 10 + 1 * 5 + 4);
  for (const char *field :
       {"\"peft_type\": \"LORA\"", "\"r\": 2", "\"lora_alpha\": 16",
        "\"base_model_name_or_path\": \"my/base\"", "\"down_proj\"",
        "\"q_proj\"", "\"use_rslora\": false", "\"fan_in_fan_out\": false"})
    EXPECT_NE(adapter.configJson.find(field), std::string::npos) << field;
  // A fractional alpha stays fractional.
  ASSERT_TRUE(buildPeftAdapter(trained, {2.5, ""}, adapter).ok());
  EXPECT_NE(adapter.configJson.find("\"lora_alpha\": 2.5"), std::string::npos);
}

TEST(PeftAdapterTest, RefusesWhatPeftCannotHold) {
  TensorMap good = {{"m.q_proj.a", matrix(3, 2)}, {"m.q_proj.b", matrix(2, 4)}};
  EXPECT_EQ(errorOf(good), "");
  EXPECT_NE(errorOf({}).find("no LoRA adapters"), std::string::npos);
  EXPECT_NE(errorOf(good, 0).find("alpha"), std::string::npos);
  EXPECT_NE(errorOf(good, NAN).find("alpha"), std::string::npos);
  TensorMap half = {{"m.q_proj.a", matrix(3, 2)}};
  EXPECT_NE(errorOf(half).find("module 'm.q_proj' has only its a adapter"),
            std::string::npos);
  TensorMap unchained = {{"m.q_proj.a", matrix(3, 2)},
                         {"m.q_proj.b", matrix(3, 4)}};
  EXPECT_NE(errorOf(unchained).find("do not chain"), std::string::npos);
  TensorMap ranks = good;
  ranks["m.k_proj.a"] = matrix(3, 4);
  ranks["m.k_proj.b"] = matrix(4, 4);
  EXPECT_NE(errorOf(ranks).find("has rank 2, others 4"), std::string::npos);
  TensorMap ternary = good;
  ternary["m.q_proj.a"] = HostTensor(DType::I8, {3, 2});
  EXPECT_NE(errorOf(ternary).find("LoRA adapters are f32 matrices"),
            std::string::npos);
  TensorMap nan = good;
  nan["m.q_proj.b"].data<float>()[5] = NAN;
  EXPECT_NE(errorOf(nan).find("NaN or Inf at element 5"), std::string::npos);
  for (const char *path : {"m..q_proj", ".q_proj", "m.q\"proj", "m/q_proj",
                           "m.q proj", "m.q_proj\n"}) {
    TensorMap hostile = {{std::string(path) + ".a", matrix(3, 2)},
                         {std::string(path) + ".b", matrix(2, 4)}};
    EXPECT_NE(errorOf(hostile).find("is not a dotted path"), std::string::npos)
        << path;
  }
}

} // namespace
