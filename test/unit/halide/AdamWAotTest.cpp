//===- AdamWAotTest.cpp - AdamW kernels vs the reference ------------------===//
//
// f32 masters and f16 weak rows, several steps, weight decay, gradients from
// tiny to large: parameters and both moments bit for bit.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Optimizer.h"
#include "qtc_adamw_f16.h"
#include "qtc_adamw_f32.h"
#include "runtime/Half.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace ref = qtc::ref;

namespace {

bool sameBits(float a, float b) {
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

TEST(AdamWAotTest, MatchesTheReferenceBitForBit) {
  std::mt19937 rng(14);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int n = 1000; // not a multiple of any vector width
  // The op's f32 attributes, widened as the interpreter widens them.
  ref::AdamWConfig config;
  config.lr = 2.0e-4f;
  config.beta1 = 0.9f;
  config.beta2 = 0.999f;
  config.eps = 1.0e-8f;
  config.weightDecay = 0.01f;
  for (bool half : {false, true}) {
    ref::Array<float> p({n}), m({n}), v({n});
    for (int i = 0; i < n; ++i)
      p[i] =
          half ? qtc::halfToFloat(qtc::floatToHalf(normal(rng))) : normal(rng);
    ref::Array<float> kp = p, km = m, kv = v;
    for (int64_t step = 1; step <= 5; ++step) {
      // Even steps clip (a norm of 3.7 to 1), as a clipped step passes the
      // factor.
      config.gradScale = step % 2 ? 1.0 : ref::clipCoefficient(3.7f, 1.0f);
      ref::Array<float> g({n});
      for (int i = 0; i < n; ++i)
        g[i] = normal(rng) * std::ldexp(1.0f, (i % 41) - 20);
      ref::Array<float> rp = p;
      if (half) {
        // The reference's f16 AdamW: rounded once from f64.
        ref::Array<qtc::Half> hp(p.shape);
        for (int i = 0; i < n; ++i)
          hp[i] = qtc::floatToHalf(p[i]);
        ASSERT_TRUE(ref::adamw(hp, g, m, v, step, config).ok());
        for (int i = 0; i < n; ++i)
          rp[i] = qtc::halfToFloat(hp[i]);
      } else {
        ASSERT_TRUE(ref::adamw(rp, g, m, v, step, config).ok());
      }
      p = rp;

      double c1 = 1.0 - std::pow(config.beta1, static_cast<double>(step));
      double c2 = 1.0 - std::pow(config.beta2, static_cast<double>(step));
      Halide::Runtime::Buffer<float> gb(g.data.data(), n),
          mb(km.data.data(), n), vb(kv.data.data(), n), newM(n), newV(n);
      if (half) {
        std::vector<uint16_t> bits(n);
        for (int i = 0; i < n; ++i)
          bits[i] = qtc::floatToHalf(kp[i]).bits;
        const halide_type_t f16(halide_type_float, 16);
        Halide::Runtime::Buffer<> pb(f16, bits.data(), n), newP(f16, n);
        ASSERT_EQ(qtc_adamw_f16(pb, gb, mb, vb, config.lr, config.beta1,
                                config.beta2, config.eps, config.weightDecay,
                                config.gradScale, c1, c2, newP, newM, newV),
                  0);
        for (int i = 0; i < n; ++i)
          kp[i] = qtc::halfToFloat(
              qtc::Half{static_cast<const uint16_t *>(newP.data())[i]});
      } else {
        Halide::Runtime::Buffer<float> pb(kp.data.data(), n), newP(n);
        ASSERT_EQ(qtc_adamw_f32(pb, gb, mb, vb, config.lr, config.beta1,
                                config.beta2, config.eps, config.weightDecay,
                                config.gradScale, c1, c2, newP, newM, newV),
                  0);
        for (int i = 0; i < n; ++i)
          kp[i] = newP(i);
      }
      for (int i = 0; i < n; ++i) {
        km[i] = newM(i);
        kv[i] = newV(i);
        ASSERT_TRUE(sameBits(kp[i], p[i]))
            << "half " << half << " step " << step << " p[" << i << "] "
            << kp[i] << " vs " << p[i];
        ASSERT_TRUE(sameBits(km[i], m[i])) << "m[" << i << "]";
        ASSERT_TRUE(sameBits(kv[i], v[i])) << "v[" << i << "]";
      }
    }
  }
}

} // namespace

namespace {

TEST(AdamWAotTest, F16ParametersAreRoundedOnce) {
  // Step 1 with g = -1 moves p = 1 by lr / (1 + eps): choose lr so that the
  // f64 result is 1 + 2^-11 + 2^-26, just above the f16 tie between 1 and
  // 1 + 2^-10. Rounded once it is 1 + 2^-10; through f32 it becomes the
  // tie 1 + 2^-11 first, which rounds to even, 1 (NUMERICS.md 5).
  ref::AdamWConfig config;
  config.eps = 1e-8;
  config.lr = (std::ldexp(1.0, -11) + std::ldexp(1.0, -26)) * (1 + config.eps);
  const int n = 19; // vector lanes and a tail
  ref::Array<qtc::Half> p({n});
  ref::Array<float> g({n}), m({n}), v({n});
  for (int i = 0; i < n; ++i) {
    p[i] = qtc::floatToHalf(1.0f);
    g[i] = -1.0f;
  }
  ref::Array<qtc::Half> expected = p;
  ref::Array<float> em = m, ev = v;
  ASSERT_TRUE(ref::adamw(expected, g, em, ev, 1, config).ok());
  EXPECT_EQ(qtc::halfToFloat(expected[0]), 1.0f + std::ldexp(1.0f, -10));

  const halide_type_t f16(halide_type_float, 16);
  Halide::Runtime::Buffer<> pb(f16, p.data.data(), n), newP(f16, n);
  Halide::Runtime::Buffer<float> gb(g.data.data(), n), mb(m.data.data(), n),
      vb(v.data.data(), n), newM(n), newV(n);
  ASSERT_EQ(qtc_adamw_f16(pb, gb, mb, vb, config.lr, config.beta1,
                          config.beta2, config.eps, config.weightDecay,
                          config.gradScale, 1.0 - config.beta1, 1.0 - config.beta2, newP, newM,
                          newV),
            0);
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(static_cast<const uint16_t *>(newP.data())[i], expected[i].bits)
        << "p[" << i << "]";
}

} // namespace
