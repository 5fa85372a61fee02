//===- GsePrepackedAotTest.cpp - Packed-once B for the GSE matmul ---------===//
//
// B (a frozen weight) is packed once into the VNNI operand layout, padded to
// the schedule's block of columns; the matmul reading it equals the
// reference bit for bit, for N that fills no block and for several A.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Gse.h"
#include "qtc_gse_matmul_prepacked.h"
#include "qtc_gse_pack_rhs.h"
#include "test/unit/halide/CpuTargets.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace ref = qtc::ref;

namespace {

TEST(GsePrepackedAotTest, PackOnceThenMatchTheReference) {
  // A single-target library: it does not check the CPU itself.
  QTC_SKIP_UNLESS_HOST_RUNS(qtc::halide::test::kAvx512);
  std::mt19937 rng(23);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t N = 300, K = 192, paddedN = 512; // blocks of 256 columns
  ref::Array<float> w({N, K});
  for (float &v : w.data)
    v = normal(rng);
  ref::GseTensor b;
  ASSERT_TRUE(ref::quantizeGse(w, 1, ref::GseFormat(), 0, b).ok());
  Halide::Runtime::Buffer<int8_t> bm(b.mantissas.data.data(), K, N),
      be(b.exponents.data.data(), K / 32, N);
  Halide::Runtime::Buffer<uint8_t> packed(4, paddedN, K / 4);
  ASSERT_EQ(qtc_gse_pack_rhs(bm, packed), 0);
  for (int64_t M : {3, 64, 71}) {
    ref::Array<float> x({M, K});
    for (float &v : x.data)
      v = normal(rng) * 1e-3f;
    ref::GseTensor a;
    ASSERT_TRUE(ref::quantizeGse(x, 1, ref::GseFormat(), 0, a).ok());
    ref::Array<float> expected =
        ref::gseMatmul(a, false, b, true, ref::Accumulation::F32);
    Halide::Runtime::Buffer<int8_t> am(a.mantissas.data.data(), K, M),
        ae(a.exponents.data.data(), K / 32, M);
    Halide::Runtime::Buffer<float> c(static_cast<int>(N), static_cast<int>(M));
    ASSERT_EQ(qtc_gse_matmul_prepacked(am, ae, packed, be, c), 0);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        float got = c(int(n), int(m)), want = expected.at(m, n);
        ASSERT_TRUE(std::memcmp(&got, &want, 4) == 0 || (got == 0 && want == 0))
            << M << " rows, at " << m << ", " << n << ": " << got << " vs "
            << want;
      }
  }
}

} // namespace
