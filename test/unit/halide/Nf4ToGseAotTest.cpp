//===- Nf4ToGseAotTest.cpp - NF4 -> GSE on load vs the reference ----------===//
//
// The shipped NF4 -> GSE cast (grouped along in_features) equals the
// reference's quantize(dequantize(w)) bit for bit, NF4 edge cases included
// (all-zero blocks, every code, blocks straddling rows).
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Gse.h"
#include "codegen/reference/Nf4.h"
#include "qtc_nf4_to_gse.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <random>

namespace ref = qtc::ref;

namespace {

TEST(Nf4ToGseAotTest, MatchesReferenceRequantize) {
  std::mt19937 rng(4);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  // 96 x 40: blocks of 64 straddle rows of 40.
  const int64_t K = 96, N = 40;
  ref::Array<float> w({K, N});
  for (int64_t i = 0; i < w.numel(); ++i)
    w[i] = i < 64 ? 0.0f : normal(rng); // block 0 all zero
  ref::Nf4Tensor nf4;
  ASSERT_TRUE(ref::quantizeNf4(w, 64, nf4).ok());
  for (int i = 0; i < 16; ++i) // every code somewhere
    nf4.packed[100 + i] = static_cast<uint8_t>(i | (15 - i) << 4);
  ref::GseTensor expected;
  ASSERT_TRUE(ref::quantizeGse(ref::dequantizeNf4(nf4), 0, ref::GseFormat(), 0,
                               expected)
                  .ok());

  Halide::Runtime::Buffer<int8_t> codes(
      reinterpret_cast<int8_t *>(nf4.packed.data.data()), nf4.packed.numel());
  Halide::Runtime::Buffer<float> absmax(nf4.absmax.data.data(),
                                        nf4.absmax.numel());
  Halide::Runtime::Buffer<int8_t> mantissas(N, K), exponents(N, K / 32);
  ASSERT_EQ(qtc_nf4_to_gse(codes, absmax, N, mantissas, exponents), 0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      ASSERT_EQ(mantissas(n, k), expected.mantissas.at(k, n)) << k << ", " << n;
  for (int64_t g = 0; g < K / 32; ++g)
    for (int64_t n = 0; n < N; ++n)
      ASSERT_EQ(exponents(n, g), expected.exponents.at(g, n)) << g << ", " << n;
}

} // namespace
