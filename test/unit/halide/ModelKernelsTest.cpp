//===- ModelKernelsTest.cpp - The model ops' kernels ----------------------===//
//
// The model-op kernels through the JIT on each CPU target the host runs,
// against the reference (codegen/reference/Model.h): RMSNorm and its
// gradient bit for bit (both in f64, in the same order), SwiGLU and its
// gradient within 4 f32 ulp of the terms' magnitude of the reference's f64
// (Halide's f32 exp), attention and its gradient (f32) within 2e-6 of each
// tensor's largest magnitude; the rest as each test says.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/Elementwise.h"
#include "codegen/halide/HeadLoss.h"
#include "codegen/halide/Layout.h"
#include "codegen/halide/ModelOps.h"
#include "codegen/reference/Matmul.h"
#include "codegen/reference/Model.h"

#include "test/unit/halide/CpuTargets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

using namespace Halide;
namespace ref = qtc::ref;

namespace {

using qtc::halide::test::kAvx2;
using qtc::halide::test::kAvx512;
using qtc::halide::test::kAvx512NoVnni;
using qtc::halide::test::runnable;

ref::Array<float> normal(qtc::Shape shape, unsigned seed, float scale = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  ref::Array<float> x(shape);
  for (float &v : x.data)
    v = dist(rng);
  return x;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

Buffer<float> buffer(ref::Array<float> &a) {
  if (a.rank() == 1)
    return Buffer<float>(a.data.data(), static_cast<int>(a.dim(0)));
  // Token-major [T, D] is (d, t) innermost first.
  return Buffer<float>(a.data.data(), static_cast<int>(a.dim(1)),
                       static_cast<int>(a.dim(0)));
}

TEST(ModelKernelsTest, RMSNormMatchesTheReferenceBitForBit) {
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2}))
    for (auto [tokens, width] : {std::pair<int64_t, int64_t>{3, 5}, {17, 64},
                                 {8, 576}}) {
      ref::Array<float> x = normal({tokens, width}, 1, 3.0f);
      ref::Array<float> w = normal({width}, 2);
      ref::Array<float> dy = normal({tokens, width}, 3);
      const float eps = 1e-5f;
      ref::Array<float> expected = ref::rmsnorm(x, w, eps);
      ref::Array<float> dx, dw;
      ref::rmsnormGrad(x, w, static_cast<double>(eps), dy, dx, dw);

      ImageParam px(Float(32), 2, "x"), pw(Float(32), 1, "w"),
          pdy(Float(32), 2, "dy");
      Param<float> peps("eps");
      px.set(buffer(x));
      pw.set(buffer(w));
      pdy.set(buffer(dy));
      peps.set(eps);
      qtc::halide::RMSNorm norm = qtc::halide::defineRMSNorm(
          px, pw, px.dim(0).extent(), peps);
      qtc::halide::scheduleRMSNormCpu(norm, 16);
      Buffer<float> y(static_cast<int>(width), static_cast<int>(tokens));
      norm.y.realize(y, Target(target));
      for (int64_t i = 0; i < x.numel(); ++i)
        ASSERT_TRUE(sameBits(y.data()[i], expected[i]))
            << target << " y at " << i << ": " << y.data()[i] << " vs "
            << expected[i];

      qtc::halide::RMSNormGrad grad = qtc::halide::defineRMSNormGrad(
          px, pw, pdy, px.dim(0).extent(), px.dim(1).extent(), peps);
      qtc::halide::scheduleRMSNormGradCpu(grad, 16);
      Buffer<float> hdx(static_cast<int>(width), static_cast<int>(tokens)),
          hdw(static_cast<int>(width));
      Pipeline({grad.dx, grad.dw}).realize({hdx, hdw}, Target(target));
      for (int64_t i = 0; i < x.numel(); ++i)
        ASSERT_TRUE(sameBits(hdx.data()[i], dx[i]))
            << target << " dx at " << i << ": " << hdx.data()[i] << " vs "
            << dx[i];
      for (int64_t d = 0; d < width; ++d)
        ASSERT_TRUE(sameBits(hdw(static_cast<int>(d)), dw[d]))
            << target << " dw at " << d;
    }
}

TEST(ModelKernelsTest, SwiGLUIsWithinFourUlpOfTheReferenceTerms) {
  const int64_t n = 4099;
  ref::Array<float> gate = normal({n}, 4, 4.0f), up = normal({n}, 5),
                    dy = normal({n}, 6);
  gate[0] = -90.0f; // exp(-gate) overflows: silu is -0
  gate[1] = 90.0f;
  ref::Array<float> expected = ref::swiglu(gate, up), dgate, dup;
  ref::swigluGrad(gate, up, dy, dgate, dup);
  // Within 4 f32 ulp of the terms' magnitude: dgate's factor
  // 1 + g (1 - sig) cancels near g = -1.28, where the relative error of
  // any f32 evaluation grows.
  const double eps = std::numeric_limits<float>::epsilon();
  auto close = [&](float got, float want, double magnitude) {
    return std::fabs(static_cast<double>(got) - want) <= 4 * eps * magnitude;
  };
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam pg(Float(32), 1, "gate"), pu(Float(32), 1, "up"),
        pdy(Float(32), 1, "dy");
    pg.set(buffer(gate));
    pu.set(buffer(up));
    pdy.set(buffer(dy));
    Func out = qtc::halide::defineSwiGLU(pg, pu);
    qtc::halide::scheduleElementwiseCpu(out, 16);
    Buffer<float> y(static_cast<int>(n));
    out.realize(y, Target(target));
    for (int64_t i = 0; i < n; ++i)
      ASSERT_TRUE(close(y(static_cast<int>(i)), expected[i],
                        std::fabs(gate[i] * up[i])))
          << target << " at " << i << ": " << y(static_cast<int>(i))
          << " vs " << expected[i];
    qtc::halide::SwiGLUGrad grad = qtc::halide::defineSwiGLUGrad(pg, pu, pdy);
    qtc::halide::scheduleSwiGLUGradCpu(grad, 16);
    Buffer<float> hg(static_cast<int>(n)), hu(static_cast<int>(n));
    Pipeline({grad.dgate, grad.dup}).realize({hg, hu}, Target(target));
    for (int64_t i = 0; i < n; ++i) {
      int ii = static_cast<int>(i);
      double g = gate[i];
      ASSERT_TRUE(close(hg(ii), dgate[i],
                        std::fabs(dy[i] * up[i]) * (1 + std::fabs(g))))
          << target << " dgate at " << i << ": " << hg(ii) << " vs "
          << dgate[i];
      ASSERT_TRUE(close(hu(ii), dup[i], std::fabs(dy[i] * g)))
          << target << " dup at " << i << ": " << hu(ii) << " vs " << dup[i];
    }
  }
}

TEST(ModelKernelsTest, RopeBiasAndRowSumMatchTheReferenceBitForBit) {
  // Two sequences of 5 tokens, 3 heads of 8; forward and inverse.
  const int64_t tokens = 10, heads = 3, headDim = 8, width = heads * headDim,
                seqLen = 5;
  ref::Array<float> x = normal({tokens, width}, 7, 2.0f);
  ref::Array<float> bias = normal({width}, 8);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < tokens; ++t)
    positions.push_back(t % seqLen);
  ref::RopeLlama3 llama3{8.0, 1.0, 4.0, 4};
  std::vector<double> invFreq = ref::ropeInvFreq(headDim, 5e5, &llama3);
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2}))
    for (double sign : {1.0, -1.0}) {
      ref::Array<float> expected =
          sign > 0 ? ref::rope(x, heads, positions, invFreq)
                   : ref::ropeGrad(x, heads, positions, invFreq);
      ImageParam px(Float(32), 2, "x"), pf(Float(64), 1, "inv_freq");
      px.set(buffer(x));
      pf.set(Buffer<double>(invFreq.data(), static_cast<int>(invFreq.size())));
      qtc::halide::Rope rope = qtc::halide::defineRope(
          px, pf, Expr(static_cast<int>(heads)), px.dim(0).extent(),
          Expr(static_cast<int>(seqLen)), Expr(sign));
      qtc::halide::scheduleRopeCpu(rope, 16);
      Buffer<float> y(static_cast<int>(width), static_cast<int>(tokens));
      rope.y.realize(y, Target(target));
      for (int64_t i = 0; i < x.numel(); ++i)
        ASSERT_TRUE(sameBits(y.data()[i], expected[i]))
            << target << " sign " << sign << " at " << i << ": "
            << y.data()[i] << " vs " << expected[i];
    }
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam px(Float(32), 2, "x"), pb(Float(32), 1, "bias");
    px.set(buffer(x));
    pb.set(buffer(bias));
    Func added = qtc::halide::defineBiasAdd(px, pb);
    qtc::halide::scheduleRowsCpu(added, 16);
    Buffer<float> y(static_cast<int>(width), static_cast<int>(tokens));
    added.realize(y, Target(target));
    ref::Array<float> expected = ref::biasAdd(x, bias);
    for (int64_t i = 0; i < x.numel(); ++i)
      ASSERT_TRUE(sameBits(y.data()[i], expected[i])) << target << " " << i;
    Func sum = qtc::halide::defineRowSum(px, px.dim(1).extent());
    qtc::halide::scheduleRowSumCpu(sum, 16);
    Buffer<float> s(static_cast<int>(width));
    sum.realize(s, Target(target));
    ref::Array<float> sums = ref::rowSum(x);
    for (int64_t d = 0; d < width; ++d)
      ASSERT_TRUE(sameBits(s(static_cast<int>(d)), sums[d])) << target << d;
  }
}

TEST(ModelKernelsTest, EmbeddingAndCrossEntropyMatchTheReference) {
  const int64_t vocab = 37, dim = 19, tokens = 11;
  ref::Array<float> table = normal({vocab, dim}, 9);
  ref::Array<float> dy = normal({tokens, dim}, 10);
  ref::Array<float> logits = normal({tokens, vocab}, 11, 3.0f);
  std::vector<int64_t> ids = {3, 0, 36, 3, 7, 7, 7, 1, 2, 3, 30};
  std::vector<int64_t> labels = {5, -100, 36, 0, -100, 1, 2, 3, 4, 5, 6};
  ref::Array<float> gathered;
  ASSERT_TRUE(ref::embedding(table, ids, gathered).ok());
  ref::Array<float> dtable;
  ASSERT_TRUE(ref::embeddingGrad(table.shape, ids, dy, dtable).ok());
  float loss = 0;
  ASSERT_TRUE(ref::crossEntropy(logits, labels, -100, loss).ok());
  ref::Array<float> dlogits =
      ref::crossEntropyGrad(logits, labels, -100, 1.5f);
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam pt(Float(32), 2, "table"), pids(Int(64), 1, "ids"),
        pdy(Float(32), 2, "dy"), pl(Float(32), 2, "logits"),
        plab(Int(64), 1, "labels");
    pt.set(buffer(table));
    pids.set(Buffer<int64_t>(ids.data(), static_cast<int>(tokens)));
    pdy.set(buffer(dy));
    pl.set(buffer(logits));
    plab.set(Buffer<int64_t>(labels.data(), static_cast<int>(tokens)));
    Expr V(static_cast<int>(vocab)), T(static_cast<int>(tokens));

    Func embed = qtc::halide::defineEmbedding(pt, pids, V);
    qtc::halide::scheduleRowsCpu(embed, 16);
    Buffer<float> e(static_cast<int>(dim), static_cast<int>(tokens));
    embed.realize(e, Target(target));
    for (int64_t i = 0; i < gathered.numel(); ++i)
      ASSERT_TRUE(sameBits(e.data()[i], gathered[i])) << target << " " << i;

    qtc::halide::EmbeddingGrad grad =
        qtc::halide::defineEmbeddingGrad(pids, pdy, V, T);
    qtc::halide::scheduleEmbeddingGradCpu(grad, 16);
    Buffer<float> dt(static_cast<int>(dim), static_cast<int>(vocab));
    grad.dtable.realize(dt, Target(target));
    for (int64_t i = 0; i < dtable.numel(); ++i)
      ASSERT_TRUE(sameBits(dt.data()[i], dtable[i])) << target << " " << i;

    // exp and log of f64: Halide's own, within an f32 ulp of libm's.
    qtc::halide::CrossEntropy ce =
        qtc::halide::defineCrossEntropy(pl, plab, V, T, Expr(int64_t(-100)));
    qtc::halide::scheduleCrossEntropyCpu(ce);
    Buffer<float> l = Buffer<float>::make_scalar();
    ce.loss.realize(l, Target(target));
    EXPECT_NEAR(l(), loss, 2 * std::numeric_limits<float>::epsilon() * loss)
        << target;

    qtc::halide::CrossEntropyGrad cg = qtc::halide::defineCrossEntropyGrad(
        pl, plab, Expr(1.5f), V, T, Expr(int64_t(-100)));
    qtc::halide::scheduleCrossEntropyGradCpu(cg, 16);
    Buffer<float> dl(static_cast<int>(vocab), static_cast<int>(tokens));
    cg.dlogits.realize(dl, Target(target));
    for (int64_t i = 0; i < dlogits.numel(); ++i)
      ASSERT_NEAR(dl.data()[i], dlogits[i],
                  2 * std::numeric_limits<float>::epsilon() *
                      (std::fabs(dlogits[i]) + 1.5f / 9))
          << target << " " << i;

    // A token id outside the vocabulary fails the pipeline.
    std::vector<int64_t> bad = ids;
    bad[4] = vocab;
    pids.set(Buffer<int64_t>(bad.data(), static_cast<int>(tokens)));
    Func badEmbed = qtc::halide::defineEmbedding(pt, pids, V);
    Pipeline pipeline(badEmbed);
    std::string message;
    pipeline.jit_handlers().custom_error = nullptr;
    EXPECT_THROW(pipeline.realize({static_cast<int>(dim),
                                   static_cast<int>(tokens)},
                                  Target(target)),
                 Halide::RuntimeError)
        << target;
  }
}

TEST(ModelKernelsTest, HeadLossInVocabularyChunksMatchesTheReference) {
  // The lm_head matmul fused with cross-entropy against the reference's
  // matmul (exact, rounded once) then cross-entropy: 600 vocabulary rows
  // are three chunks, the last partial; labels in each chunk and ignored.
  // f32 logits summed in another order: within 1e-5 (loss, relative) and
  // 1e-5 of dh's largest magnitude.
  const int64_t vocab = 600, width = 24, tokens = 11;
  ref::Array<float> h = normal({tokens, width}, 21);
  ref::Array<float> w = normal({vocab, width}, 22, 0.5f);
  std::vector<int64_t> labels = {5, -100, 599, 0, 256, 255, 511, 512, -100,
                                 300, 42};
  const float dloss = 1.5f;
  ref::Array<float> logits = ref::matmul(h, false, w, true);
  float loss = 0;
  ASSERT_TRUE(ref::crossEntropy(logits, labels, -100, loss).ok());
  ref::Array<float> dh = ref::matmul(
      ref::crossEntropyGrad(logits, labels, -100, dloss), false, w, false);
  double largest = 0;
  for (int64_t i = 0; i < dh.numel(); ++i)
    largest = std::max(largest, std::fabs(double(dh[i])));
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam ph(Float(32), 2, "h"), pw(Float(32), 2, "w"),
        plab(Int(64), 1, "labels");
    ph.set(buffer(h));
    pw.set(buffer(w));
    plab.set(Buffer<int64_t>(labels.data(), static_cast<int>(tokens)));
    Target t(target);
    int lanes = t.natural_vector_size<float>();
    Expr K(static_cast<int>(width)), V(static_cast<int>(vocab)),
        T(static_cast<int>(tokens)), ignore(int64_t(-100));
    qtc::halide::HeadLoss l =
        qtc::halide::defineHeadLoss(ph, pw, plab, K, V, T, ignore);
    qtc::halide::scheduleHeadLossCpu(l, lanes);
    Buffer<float> got = Buffer<float>::make_scalar();
    l.loss.realize(got, t);
    EXPECT_NEAR(got(), loss, 1e-5 * std::fabs(loss)) << target;

    qtc::halide::HeadLossGrad g = qtc::halide::defineHeadLossGrad(
        ph, pw, plab, Expr(dloss), K, V, T, ignore);
    qtc::halide::scheduleHeadLossGradCpu(g, lanes);
    Buffer<float> gdh(static_cast<int>(width), static_cast<int>(tokens));
    g.dh.realize(gdh, t);
    double worst = 0;
    for (int64_t i = 0; i < dh.numel(); ++i)
      worst = std::max(worst, std::fabs(double(gdh.data()[i]) - dh[i]));
    EXPECT_LE(worst, 1e-5 * largest) << target << ": largest " << largest;

    // Both from one pipeline (a training step's head): the same loss and
    // dh as the separate kernels, bit for bit (the same sums in the same
    // order).
    qtc::halide::HeadLossAndGrad both = qtc::halide::defineHeadLossAndGrad(
        ph, pw, plab, Expr(dloss), K, V, T, ignore);
    qtc::halide::scheduleHeadLossAndGradCpu(both, lanes);
    Buffer<float> bothLoss = Buffer<float>::make_scalar();
    Buffer<float> bothDh(static_cast<int>(width), static_cast<int>(tokens));
    Pipeline({both.loss, both.grad.dh}).realize({bothLoss, bothDh}, t);
    EXPECT_EQ(bothLoss(), got()) << target;
    for (int64_t i = 0; i < dh.numel(); ++i)
      ASSERT_EQ(bothDh.data()[i], gdh.data()[i]) << target << " at " << i;
  }
}

TEST(ModelKernelsTest, AttentionAndItsGradientMatchTheReference) {
  // f32 dot products over the head width and sums over at most seq_len
  // keys (queries), against the reference's f64: each output within 2e-6
  // of its tensor's largest magnitude (measured: under 8e-7).
  auto within = [](const Buffer<float> &got, const ref::Array<float> &want,
                   const std::string &what) {
    double largest = 0, worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
      largest = std::max(largest, std::fabs(double(want[i])));
    for (int64_t i = 0; i < want.numel(); ++i)
      worst = std::max(worst, std::fabs(double(got.data()[i]) - want[i]));
    EXPECT_LE(worst, 2e-6 * largest) << what << ": largest " << largest;
  };
  // Each target compiles once with the shapes as parameters, as the
  // generators do, and runs: two sequences of 7 tokens, 4 query heads over
  // 2 kv heads of 8 (shorter than one vector of keys); and three of 70
  // tokens, 6 heads over 2 of 20 (several tiles, a width that is no
  // multiple of the vector).
  struct Case {
    int64_t seqLen, seqs, heads, kvHeads, headDim;
  };
  const Case cases[] = {{7, 2, 4, 2, 8}, {70, 3, 6, 2, 20}};
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam pq(Float(32), 2, "q"), pk(Float(32), 2, "k"),
        pv(Float(32), 2, "v"), pdo(Float(32), 2, "dout");
    Param<int> H("heads"), Hkv("kv_heads"), D("head_dim"), S("seq_len");
    Param<double> scale("scale");
    Target t(target);
    int lanes = t.natural_vector_size<float>();
    qtc::halide::Attention a = qtc::halide::defineAttention(
        pq, pk, pv, H, Hkv, D, S, pq.dim(1).extent(), scale);
    qtc::halide::scheduleAttentionCpu(a, lanes);
    Pipeline forward(a.out);
    forward.compile_jit(t);
    qtc::halide::AttentionGrad g = qtc::halide::defineAttentionGrad(
        pq, pk, pv, pdo, H, Hkv, D, S, pq.dim(1).extent(), scale);
    qtc::halide::scheduleAttentionGradCpu(g, lanes);
    Pipeline backward({g.dq, g.dk, g.dv});
    backward.compile_jit(t);
    for (const Case &c : cases) {
      const int64_t tokens = c.seqLen * c.seqs, qWidth = c.heads * c.headDim,
                    kvWidth = c.kvHeads * c.headDim;
      ref::AttentionShape shape{c.heads, c.kvHeads, c.seqLen};
      ref::Array<float> q = normal({tokens, qWidth}, 12),
                        k = normal({tokens, kvWidth}, 13),
                        v = normal({tokens, kvWidth}, 14),
                        dout = normal({tokens, qWidth}, 15);
      const double s = 1.0 / std::sqrt(static_cast<double>(c.headDim));
      ref::Array<float> expected = ref::attention(q, k, v, shape, s), dq, dk,
                        dv;
      ref::attentionGrad(q, k, v, shape, s, dout, dq, dk, dv);
      pq.set(buffer(q));
      pk.set(buffer(k));
      pv.set(buffer(v));
      pdo.set(buffer(dout));
      H.set(static_cast<int>(c.heads));
      Hkv.set(static_cast<int>(c.kvHeads));
      D.set(static_cast<int>(c.headDim));
      S.set(static_cast<int>(c.seqLen));
      scale.set(s);
      std::string where = std::string(target) + " S" +
                          std::to_string(c.seqLen) + " D" +
                          std::to_string(c.headDim);
      Buffer<float> out(static_cast<int>(qWidth), static_cast<int>(tokens));
      forward.realize(out, t);
      within(out, expected, "out " + where);
      Buffer<float> hdq(static_cast<int>(qWidth), static_cast<int>(tokens)),
          hdk(static_cast<int>(kvWidth), static_cast<int>(tokens)),
          hdv(static_cast<int>(kvWidth), static_cast<int>(tokens));
      backward.realize({hdq, hdk, hdv}, t);
      within(hdq, dq, "dq " + where);
      within(hdk, dk, "dk " + where);
      within(hdv, dv, "dv " + where);
    }
  }
}

} // namespace
