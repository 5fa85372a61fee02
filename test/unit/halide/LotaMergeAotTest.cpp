//===- LotaMergeAotTest.cpp - LoTA merge kernel vs the reference ----------===//
//
// Merged codes and fractional zeros bit for bit, with codes at both ends of
// the range (the masks), several steps of adapter updates, and the merged
// layer's output through the dequantize-on-load GEMV.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Lota.h"
#include "qtc_lota_merge.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace ref = qtc::ref;

namespace {

TEST(LotaMergeAotTest, MatchesTheReferenceBitForBit) {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> code(0, 15), ternary(-1, 1), zero(5, 10);
  const int64_t K = 256, N = 72;
  for (int64_t r : {4, 16, 24}) {
    ref::AffineTensor w;
    w.bits = 4;
    w.group = 128;
    w.codes = ref::Array<uint8_t>({K, N});
    for (int64_t i = 0; i < w.codes.numel(); ++i)
      w.codes[i] = static_cast<uint8_t>(i % 9 == 0   ? 0
                                        : i % 9 == 1 ? 15
                                                     : code(rng));
    w.scales = ref::Array<float>({K / 128, N}, 0.01f);
    w.intZeros = ref::Array<uint8_t>({K / 128, N});
    for (uint8_t &z : w.intZeros.data)
      z = static_cast<uint8_t>(zero(rng));
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
                                 ref::ZeroForm::Float, expected)
                      .ok());
      Halide::Runtime::Buffer<int8_t> codes(
          reinterpret_cast<int8_t *>(w.codes.data.data()), N, K),
          zeros(reinterpret_cast<int8_t *>(w.intZeros.data.data()), N, K / 128),
          ab(a.data.data(), r, K), bb(b.data.data(), N, r);
      Halide::Runtime::Buffer<int8_t> mergedCodes(N, K);
      Halide::Runtime::Buffer<float> mergedZeros(N, K / 128);
      ASSERT_EQ(qtc_lota_merge(codes, zeros, ab, bb, omegaF, mergedCodes,
                               mergedZeros),
                0);
      for (int64_t k = 0; k < K; ++k)
        for (int64_t n = 0; n < N; ++n)
          ASSERT_EQ(static_cast<uint8_t>(mergedCodes(n, k)),
                    expected.codes.at(k, n))
              << "r " << r << " omega " << omega << " at " << k << ", " << n;
      for (int64_t g = 0; g < K / 128; ++g)
        for (int64_t n = 0; n < N; ++n) {
          float got = mergedZeros(n, g), want = expected.floatZeros.at(g, n);
          ASSERT_EQ(std::memcmp(&got, &want, sizeof(float)), 0)
              << "r " << r << " zero " << g << ", " << n << ": " << got
              << " vs " << want;
        }
    }
  }
}

} // namespace
