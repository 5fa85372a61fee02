//===- LotaMergeAotTest.cpp - LoTA merge kernel vs the reference ----------===//
//
// Merged codes and zeros bit for bit, with codes at both ends of the range
// (the masks): integer zeros merged into fractional ones (GPTQ's base, G =
// 128), and scaled zeros merged into scaled ones (ggml's Q4_1, G = 32).
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Lota.h"
#include "qtc_lota_merge.h"
#include "qtc_lota_merge_scaled.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace ref = qtc::ref;

namespace {

/// A 4-bit base of K x N with codes at both ends of the range, integer
/// zeros or (Q4_1-like) f16-valued scales and scaled zeros.
ref::AffineTensor randomBase(std::mt19937 &rng, int64_t K, int64_t N,
                             int64_t group, bool scaled) {
  std::uniform_int_distribution<int> code(0, 15), zero(5, 10);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  ref::AffineTensor w;
  w.bits = 4;
  w.group = group;
  w.codes = ref::Array<uint8_t>({K, N});
  for (int64_t i = 0; i < w.codes.numel(); ++i)
    w.codes[i] = static_cast<uint8_t>(i % 9 == 0   ? 0
                                      : i % 9 == 1 ? 15
                                                   : code(rng));
  w.scales = ref::Array<float>({K / group, N}, 0.01f);
  if (scaled) {
    w.zeroForm = ref::ZeroForm::Scaled;
    w.floatZeros = ref::Array<float>({K / group, N});
    for (int64_t i = 0; i < w.scales.numel(); ++i) {
      w.scales[i] = 0.01f + 0.001f * static_cast<float>(i % 7);
      w.floatZeros[i] = -0.08f * unit(rng);
    }
  } else {
    w.intZeros = ref::Array<uint8_t>({K / group, N});
    for (uint8_t &z : w.intZeros.data)
      z = static_cast<uint8_t>(zero(rng));
  }
  return w;
}

void expectMergeMatches(bool scaled) {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> ternary(-1, 1);
  const int64_t K = 256, N = 72, group = scaled ? 32 : 128;
  for (int64_t r : {4, 16, 24}) {
    ref::AffineTensor w = randomBase(rng, K, N, group, scaled);
    ref::Array<int8_t> a({K, r}), b({r, N});
    for (int8_t &v : a.data)
      v = static_cast<int8_t>(ternary(rng));
    for (int8_t &v : b.data)
      v = static_cast<int8_t>(ternary(rng));
    // A small omega makes many entries move and hit the masks.
    for (double omega : {0.75 * r, 0.2 * r}) {
      float omegaF = static_cast<float>(omega);
      ref::Array<int32_t> dw = ref::ternaryProduct(a, b);
      ref::Array<int8_t> what = ref::maskedThreshold(dw, w, omegaF);
      ref::AffineTensor expected;
      ASSERT_TRUE(ref::lotaMerge(w, what,
                                 ref::lotaOffset(dw, what, w, omegaF,
                                                 ref::OffsetScale::InvOmega),
                                 scaled ? ref::ZeroForm::Scaled
                                        : ref::ZeroForm::Float,
                                 expected)
                      .ok());
      Halide::Runtime::Buffer<int8_t> codes(
          reinterpret_cast<int8_t *>(w.codes.data.data()), N, K),
          ab(a.data.data(), r, K), bb(b.data.data(), N, r);
      Halide::Runtime::Buffer<float> scales(w.scales.data.data(), N,
                                            K / group);
      Halide::Runtime::Buffer<int8_t> mergedCodes(N, K);
      Halide::Runtime::Buffer<float> mergedZeros(N, K / group);
      if (scaled) {
        Halide::Runtime::Buffer<float> zeros(w.floatZeros.data.data(), N,
                                             K / group);
        ASSERT_EQ(qtc_lota_merge_scaled(codes, zeros, scales, ab, bb, omegaF,
                                        mergedCodes, mergedZeros),
                  0);
      } else {
        Halide::Runtime::Buffer<int8_t> zeros(
            reinterpret_cast<int8_t *>(w.intZeros.data.data()), N, K / group);
        ASSERT_EQ(qtc_lota_merge(codes, zeros, scales, ab, bb, omegaF,
                                 mergedCodes, mergedZeros),
                  0);
      }
      int64_t moved = 0;
      for (int64_t k = 0; k < K; ++k)
        for (int64_t n = 0; n < N; ++n) {
          ASSERT_EQ(static_cast<uint8_t>(mergedCodes(n, k)),
                    expected.codes.at(k, n))
              << "r " << r << " omega " << omega << " at " << k << ", " << n;
          moved += expected.codes.at(k, n) != w.codes.at(k, n);
        }
      if (omega < 0.5 * r) // random adapters rarely pass 0.75 r
        EXPECT_GT(moved, 0) << "r " << r << " omega " << omega;
      for (int64_t g = 0; g < K / group; ++g)
        for (int64_t n = 0; n < N; ++n) {
          float got = mergedZeros(n, g), want = expected.floatZeros.at(g, n);
          ASSERT_EQ(std::memcmp(&got, &want, sizeof(float)), 0)
              << "r " << r << " zero " << g << ", " << n << ": " << got
              << " vs " << want;
        }
    }
  }
}

TEST(LotaMergeAotTest, IntegerZerosMatchTheReferenceBitForBit) {
  expectMergeMatches(false);
}

TEST(LotaMergeAotTest, ScaledZerosMatchTheReferenceBitForBit) {
  expectMergeMatches(true);
}

} // namespace
