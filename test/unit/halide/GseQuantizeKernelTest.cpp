//===- GseQuantizeKernelTest.cpp - Halide GSE quantize vs the reference ---===//
//
// Each CPU schedule, through the JIT, for both axes, both exponent rules,
// every rounding mode (stochastic with the reference's hash) and narrow
// exponent ranges, on adversarial inputs: mantissas and exponents bit for
// bit. The shipped AOT library must fail, not produce garbage, on NaN.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/GseQuantize.h"
#include "codegen/reference/Gse.h"
#include "qtc_gse_quantize_rne.h"
#include "qtc_gse_quantize_stochastic.h"

#include "HalideBuffer.h"
#include "HalideRuntime.h"
#include "test/unit/halide/CpuTargets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace Halide;
namespace ref = qtc::ref;

namespace {

using qtc::halide::test::kAvx2;
using qtc::halide::test::kAvx512;
using qtc::halide::test::kAvx512NoVnni;

struct Config {
  int axis, bits, expBits;
  bool ceil;
  ref::Rounding rounding;
};

ref::Array<float> adversarial(int64_t rows, int64_t cols, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ref::Array<float> x({rows, cols});
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t band = (i / 7) % 7; // mixes kinds within and across groups
    float v = normal(rng);
    x[i] = band == 0   ? v
           : band == 1 ? v * 1e-39f // subnormal
           : band == 2 ? v * 3e37f  // near the top of f32
           : band == 3 ? 0.0f       // zeros
           : band == 4 ? std::ldexp(1.0f, static_cast<int>(i % 20) - 10)
           // Within 10% of FLT_MAX: the ceil rule's mantissas saturate there.
           : band == 5 ? std::copysign(3.1e38f + 2e37f * std::fabs(v) / 4, v)
                       : 2.5f; // ties
  }
  return x;
}

class GseQuantizeKernelTest : public ::testing::TestWithParam<const char *> {};

TEST_P(GseQuantizeKernelTest, MatchesTheReferenceBitForBit) {
  Target target(GetParam());
  QTC_SKIP_UNLESS_HOST_RUNS(GetParam());
  const Config configs[] = {
      {1, 8, 8, false, ref::Rounding::RNE},
      {0, 8, 8, false, ref::Rounding::RNE},
      {1, 8, 8, true, ref::Rounding::RNA},
      {0, 4, 8, true, ref::Rounding::RNE},
      {1, 6, 4, false, ref::Rounding::Stochastic},
      {0, 8, 8, false, ref::Rounding::Stochastic},
      {1, 2, 5, false, ref::Rounding::RNA},
  };
  std::mt19937 rng(3);
  // hostCheck: the GPU formulation (a host stage counts non-finite inputs
  // instead of a per-element require), run here on the CPU.
  for (bool hostCheck : {false, true})
    for (const Config &config : configs) {
      SCOPED_TRACE(testing::Message()
                   << "axis " << config.axis << " bits " << config.bits
                   << " exp_bits " << config.expBits << " ceil " << config.ceil
                   << " rounding " << int(config.rounding) << " host check "
                   << hostCheck);
      qtc::halide::GseQuantizeOptions options;
      options.axis = config.axis;
      options.bits = config.bits;
      options.expBits = config.expBits;
      options.ceilRule = config.ceil;
      options.rounding = config.rounding == ref::Rounding::Stochastic
                             ? qtc::halide::GseRounding::Stochastic
                         : config.rounding == ref::Rounding::RNA
                             ? qtc::halide::GseRounding::RNA
                             : qtc::halide::GseRounding::RNE;
      options.hostCheck = hostCheck;
      ImageParam x(Float(32), 2, "x");
      Param<uint64_t> seed("seed");
      qtc::halide::GseQuantizePipeline p = qtc::halide::defineGseQuantize(
          x, x.dim(0).extent(), seed, options, x.dim(1).extent());
      qtc::halide::scheduleGseQuantizeCpu(p, options,
                                          target.natural_vector_size<float>());
      if (hostCheck) {
        p.nonFinite.compute_root();
        p.guard.compute_root();
      }
      Pipeline pipeline({p.mantissas, p.exponents});
      pipeline.compile_jit(target);

      // 64 x 96: both dimensions hold whole groups of 32 and are not
      // multiples of every vector width.
      const int64_t rows = 64, cols = 96;
      ref::Array<float> data = adversarial(rows, cols, rng);
      ref::GseFormat format;
      format.bits = config.bits;
      format.expBits = config.expBits;
      format.expRule = config.ceil ? ref::ExpRule::Ceil : ref::ExpRule::Floor;
      format.rounding = config.rounding;
      const uint64_t seedValue = 0x123456789abcdefULL;
      ref::GseTensor expected;
      ASSERT_TRUE(
          ref::quantizeGse(data, config.axis, format, seedValue, expected)
              .ok());

      x.set(Buffer<float>(data.data.data(), cols, rows));
      seed.set(seedValue);
      Buffer<int8_t> mantissas(cols, rows);
      Buffer<int8_t> exponents(config.axis == 1 ? cols / 32 : cols,
                               config.axis == 1 ? rows : rows / 32);
      pipeline.realize({mantissas, exponents}, target);
      int mismatches = 0;
      for (int64_t i = 0; i < expected.mantissas.numel() && mismatches < 3; ++i)
        if (mantissas(i % cols, i / cols) != expected.mantissas[i]) {
          ADD_FAILURE() << "mantissa " << i << " (x = " << data[i]
                        << "): " << int(mantissas(i % cols, i / cols)) << " vs "
                        << int(expected.mantissas[i]);
          ++mismatches;
        }
      int64_t eCols = expected.exponents.dim(1);
      for (int64_t i = 0; i < expected.exponents.numel(); ++i)
        EXPECT_EQ(exponents(i % eCols, i / eCols), expected.exponents[i])
            << "exponent " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(CpuSchedules, GseQuantizeKernelTest,
                         ::testing::Values(kAvx512, kAvx512NoVnni, kAvx2));

std::string lastError;
void recordError(void *, const char *message) { lastError = message; }

TEST(GseQuantizeKernelTest, HostCheckCountsEveryNonFiniteInput) {
  qtc::halide::GseQuantizeOptions options;
  options.hostCheck = true;
  ImageParam x(Float(32), 2, "x");
  qtc::halide::GseQuantizePipeline p = qtc::halide::defineGseQuantize(
      x, x.dim(0).extent(), Expr(uint64_t(0)), options, x.dim(1).extent());
  std::vector<float> data(64 * 96, 1.0f);
  x.set(Buffer<float>(data.data(), 96, 64));
  Buffer<int32_t> count = p.nonFinite.realize();
  EXPECT_EQ(count(), 0);
  data[5] = NAN;
  data[96 * 63 + 95] = INFINITY; // the last element
  data[1000] = -INFINITY;
  count = p.nonFinite.realize();
  EXPECT_EQ(count(), 3);
}

TEST(GseQuantizeAotTest, NonFiniteInputFailsThePipeline) {
  halide_set_error_handler(recordError);
  std::vector<float> data(4 * 64, 0.5f);
  Runtime::Buffer<float> x(data.data(), 64, 4);
  Runtime::Buffer<int8_t> mantissas(64, 4), exponents(2, 4);
  EXPECT_EQ(qtc_gse_quantize_rne(x, 0, mantissas, exponents), 0);
  EXPECT_EQ(mantissas(0, 0), 64); // 0.5 at s = -7
  data[2 * 64 + 5] = NAN;
  EXPECT_NE(qtc_gse_quantize_rne(x, 0, mantissas, exponents), 0);
  EXPECT_NE(lastError.find("non-finite value reaches a GSE quantize"),
            std::string::npos)
      << lastError;
  data[2 * 64 + 5] = -INFINITY;
  EXPECT_NE(qtc_gse_quantize_stochastic(x, 7, mantissas, exponents), 0);
  halide_set_error_handler(nullptr);
}

} // namespace
