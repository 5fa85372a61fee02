//===- LargeBufferAotTest.cpp - A tensor of more than 2^31 elements -------===//
//
// Every shipped kernel is built with large_buffers and the step's views
// compute strides in 64 bits (runtime/qtc_kernel_call.h). Here a 4-bit
// weight of 65536 x 32832 codes (2^31 + 4 Mi elements of i8, 2.0 GiB) goes
// through the merged-LoTA GEMV as a generated step passes it: the columns
// whose last codes lie past byte 2^31 match the reference within the f32
// bound of their K-term sums. Without large_buffers the kernel refuses the
// buffer; with 32-bit offsets it would read the wrong codes.
//
//===----------------------------------------------------------------------===//
#include "qtc_lota_matmul_gemv.h"
#include "runtime/qtc_kernel_call.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using namespace qtc::step;

TEST(LargeBufferAotTest, LotaGemvOverMoreThan2To31Codes) {
  const int64_t K = 65536, N = 32832, G = 128, groups = K / G;
  ASSERT_GT(K * N, int64_t(1) << 31);
  std::vector<int8_t> codes(static_cast<size_t>(K * N));
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      codes[k * N + n] = static_cast<int8_t>((k * 7 + n * 3) % 16);
  std::vector<float> x(K), scales(groups * N), zeros(groups * N), y(N, 0.0f);
  for (int64_t k = 0; k < K; ++k)
    x[k] = static_cast<float>((k % 13) - 6) / 8.0f;
  for (int64_t i = 0; i < groups * N; ++i) {
    scales[i] = 0.01f + 0.001f * static_cast<float>(i % 7);
    zeros[i] = 7.5f + 0.25f * static_cast<float>(i % 3);
  }
  uint16_t unused = 0;
  ASSERT_EQ(qtc_lota_matmul_gemv(
                view(kF32, x.data(), {1, K}), view(kI8, codes.data(), {K, N}),
                view(kF32, scales.data(), {groups, N}),
                view(kF32, zeros.data(), {groups, N}),
                view(kU16, &unused, {1, 1}), view(kF32, y.data(), {1, N})),
            0);
  // The first columns, and the last ones, whose codes at k = K - 1 lie
  // beyond byte 2^31.
  std::vector<int64_t> columns = {0, 1, 2, 63};
  for (int64_t n = N - 64; n < N; ++n)
    columns.push_back(n);
  for (int64_t n : columns) {
    double exact = 0, magnitude = 0;
    for (int64_t k = 0; k < K; ++k) {
      int64_t g = k / G;
      double w = static_cast<double>(scales[g * N + n]) *
                 (static_cast<double>(codes[k * N + n]) - zeros[g * N + n]);
      exact += static_cast<double>(x[k]) * w;
      magnitude += std::fabs(static_cast<double>(x[k]) * w);
    }
    double bound = (K + 3) * std::ldexp(1.0, -24) * magnitude;
    ASSERT_NEAR(y[n], exact, bound) << "column " << n;
  }
}

} // namespace
