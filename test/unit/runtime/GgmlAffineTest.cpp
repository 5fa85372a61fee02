//===- GgmlAffineTest.cpp - ggml blocks as affine weights -----------------===//
//
// Random blocks of each type: the affine storage dequantizes (as the
// reference does, codegen/reference/Affine.cpp) to exactly what ggml's
// dequantization gives, and writing the storage back gives the same bytes.
// A merged Q4_1 zero is rounded to f16; a scale that is no f16, a Q4_0 zero
// other than 8 and a code past 15 are refused, naming the group.
//
//===----------------------------------------------------------------------===//
#include "runtime/GgmlAffine.h"
#include "runtime/Gguf.h"
#include "runtime/Half.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace qtc;

namespace {

/// `out` rows of `in / 32` random blocks of `type`, with finite f16 d, m.
std::vector<uint8_t> randomBlocks(GgmlType type, int64_t out, int64_t in,
                                  std::mt19937 &rng) {
  int64_t bytes = type == GgmlType::Q4_1 ? 20 : type == GgmlType::Q4_0 ? 18 : 34;
  std::vector<uint8_t> blocks(out * (in / 32) * bytes);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> value(-0.5f, 0.5f);
  for (size_t b = 0; b < blocks.size() / bytes; ++b) {
    uint8_t *block = blocks.data() + b * bytes;
    for (int64_t i = 0; i < bytes; ++i)
      block[i] = static_cast<uint8_t>(byte(rng));
    for (int half = 0; half < (type == GgmlType::Q4_1 ? 2 : 1); ++half) {
      uint16_t bits = floatToHalf(value(rng)).bits;
      block[2 * half] = static_cast<uint8_t>(bits & 0xff);
      block[2 * half + 1] = static_cast<uint8_t>(bits >> 8);
    }
  }
  return blocks;
}

/// The [in, out] weight the affine storage stands for, as the reference
/// dequantizes it.
std::vector<float> dequantizeAffine(const AffineStorage &s, bool scaled) {
  int64_t in = s.codes.shape[0], out = s.codes.shape[1];
  std::vector<float> w(in * out);
  const uint8_t *codes = reinterpret_cast<const uint8_t *>(s.codes.bytes.data());
  for (int64_t k = 0; k < in; ++k)
    for (int64_t n = 0; n < out; ++n) {
      int64_t g = (k / 32) * out + n;
      float scale = s.scales.data<float>()[g];
      int q = codes[k * out + n];
      w[k * out + n] =
          scaled ? static_cast<float>(q) * scale + s.zeros.data<float>()[g]
                 : scale * static_cast<float>(q - s.zeros.data<uint8_t>()[g]);
    }
  return w;
}

TEST(GgmlAffineTest, DequantizesAsGgmlAndWritesTheSameBlocks) {
  std::mt19937 rng(3);
  const int64_t out = 5, in = 96;
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q8_0}) {
    SCOPED_TRACE(ggmlTypeName(static_cast<uint32_t>(type)));
    uint32_t t = static_cast<uint32_t>(type);
    AffineForm form;
    ASSERT_TRUE(ggmlAffineForm(t, out, in, form));
    EXPECT_EQ(form.bits, type == GgmlType::Q8_0 ? 8u : 4u);
    EXPECT_EQ(form.group, 32);
    EXPECT_EQ(form.scaledZero, type == GgmlType::Q4_1);
    std::vector<uint8_t> blocks = randomBlocks(type, out, in, rng);
    AffineStorage storage;
    ASSERT_TRUE(ggmlToAffine(t, blocks.data(), out, in, storage).ok());
    EXPECT_EQ(storage.codes.shape, (Shape{in, out}));
    EXPECT_EQ(storage.scales.shape, (Shape{in / 32, out}));

    std::vector<float> ggml(out * in);
    ASSERT_TRUE(dequantizeGgml(t, blocks.data(), out * in, ggml.data()).ok());
    std::vector<float> affine = dequantizeAffine(storage, form.scaledZero);
    for (int64_t n = 0; n < out; ++n)
      for (int64_t k = 0; k < in; ++k)
        ASSERT_EQ(std::memcmp(&affine[k * out + n], &ggml[n * in + k], 4), 0)
            << "row " << n << ", element " << k << ": " << affine[k * out + n]
            << " vs " << ggml[n * in + k];

    std::vector<uint8_t> back;
    ASSERT_TRUE(affineToGgml(t, storage, back).ok());
    EXPECT_EQ(back, blocks);
  }
  AffineForm form;
  EXPECT_FALSE(ggmlAffineForm(static_cast<uint32_t>(GgmlType::F16), 4, 32, form));
  EXPECT_FALSE(ggmlAffineForm(static_cast<uint32_t>(GgmlType::Q4_1), 4, 48, form));
}

TEST(GgmlAffineTest, WritesMergedZerosAndRefusesWhatTheTypeCannotHold) {
  std::mt19937 rng(4);
  const uint32_t q41 = static_cast<uint32_t>(GgmlType::Q4_1);
  std::vector<uint8_t> blocks = randomBlocks(GgmlType::Q4_1, 2, 64, rng);
  AffineStorage storage;
  ASSERT_TRUE(ggmlToAffine(q41, blocks.data(), 2, 64, storage).ok());

  // A fractional merged zero is kept to f16, the type's only choice.
  storage.zeros.data<float>()[3] = 0.1f;
  std::vector<uint8_t> merged;
  ASSERT_TRUE(affineToGgml(q41, storage, merged).ok());
  AffineStorage back;
  ASSERT_TRUE(ggmlToAffine(q41, merged.data(), 2, 64, back).ok());
  EXPECT_EQ(back.zeros.data<float>()[3], halfToFloat(floatToHalf(0.1f)));

  AffineStorage bad = storage;
  bad.scales.data<float>()[1] = 0.1f; // not an f16 value
  Status status = affineToGgml(q41, bad, merged);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("of group 0, output 1 is not an f16 value"),
            std::string::npos)
      << status.message();

  bad = storage;
  reinterpret_cast<uint8_t *>(bad.codes.bytes.data())[5] = 16;
  status = affineToGgml(q41, bad, merged);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("code 16 of group 0, output 1 does not fit "
                                  "in 4 bits"),
            std::string::npos)
      << status.message();

  const uint32_t q40 = static_cast<uint32_t>(GgmlType::Q4_0);
  std::vector<uint8_t> q40Blocks = randomBlocks(GgmlType::Q4_0, 2, 32, rng);
  AffineStorage q40Storage;
  ASSERT_TRUE(ggmlToAffine(q40, q40Blocks.data(), 2, 32, q40Storage).ok());
  q40Storage.zeros.data<uint8_t>()[1] = 7;
  status = affineToGgml(q40, q40Storage, merged);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("zero 7 of group 0, output 1 is not 8"),
            std::string::npos)
      << status.message();
  // Storage of another type's form is refused whole.
  status = affineToGgml(q40, storage, merged);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("i8 integer zeros"), std::string::npos)
      << status.message();
}

} // namespace
