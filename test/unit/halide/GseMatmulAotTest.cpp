//===- GseMatmulAotTest.cpp - The shipped AOT GSE matmul vs the reference -===//
//
// The multi-target library built at build time (what runtime and qtc-bench
// link; it dispatches to AVX-512 VNNI here) on the same adversarial inputs
// as the JIT tests: the AOT and JIT compilations must not differ.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Gse.h"
#include "qtc_gse_matmul_f32.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace ref = qtc::ref;

namespace {

TEST(GseMatmulAotTest, MatchesTheReference) {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t M = 7, N = 53, K = 256;
  // Scales from subnormal products to large values, and all-zero rows.
  for (float scale : {1e-23f, 1e-22f, 1e-20f, 1e-3f, 1.0f, 1e15f}) {
    ref::Array<float> x({M, K}), w({N, K});
    for (float &v : x.data)
      v = normal(rng) * scale;
    for (float &v : w.data)
      v = normal(rng) * scale;
    for (int64_t k = 0; k < K; ++k)
      x.at(3, k) = 0;
    ref::GseTensor a, b;
    ASSERT_TRUE(ref::quantizeGse(x, 1, ref::GseFormat(), 0, a).ok());
    ASSERT_TRUE(ref::quantizeGse(w, 1, ref::GseFormat(), 0, b).ok());
    ref::Array<float> expected =
        ref::gseMatmul(a, false, b, true, ref::Accumulation::F32);
    Halide::Runtime::Buffer<int8_t> am(a.mantissas.data.data(), K, M),
        ae(a.exponents.data.data(), K / 32, M),
        bm(b.mantissas.data.data(), K, N),
        be(b.exponents.data.data(), K / 32, N);
    Halide::Runtime::Buffer<float> c(N, M);
    ASSERT_EQ(qtc_gse_matmul_f32(am, ae, bm, be, c), 0);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        float got = c(n, m), want = expected.at(m, n);
        EXPECT_TRUE(std::memcmp(&got, &want, sizeof(float)) == 0 ||
                    (got == 0 && want == 0))
            << "scale " << scale << " at (" << m << ", " << n << "): " << got
            << " vs " << want;
      }
  }
}

} // namespace
