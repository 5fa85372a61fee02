//===- GradTest.cpp - Every VJP against central differences in f64 --------===//
//
// For f(inputs) and a random upstream gradient dY, the VJP of input X must
// equal d/dX sum(dY * f(inputs)), estimated by central differences in double
// (step 1e-6, relative tolerance 1e-6 of the gradient's scale).
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Lora.h"
#include "codegen/reference/Lota.h"
#include "codegen/reference/Matmul.h"
#include "codegen/reference/Model.h"
#include "codegen/reference/Qeft.h"
#include "test/unit/reference/TestUtils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace qtc::ref;
using qtc::ref::test::randomArray;

namespace {

using D = Array<double>;

double dot(const D &a, const D &b) {
  double sum = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    sum += a[i] * b[i];
  return sum;
}

/// Checks `grad` against central differences of `loss` around `x`.
void expectGradient(const char *what, D &x, const std::function<double()> &loss,
                    const D &grad) {
  ASSERT_EQ(x.shape, grad.shape) << what;
  double scaleOfGrad = 1e-3;
  for (double g : grad.data)
    scaleOfGrad = std::max(scaleOfGrad, std::fabs(g));
  const double h = 1e-6;
  for (int64_t i = 0; i < x.numel(); ++i) {
    double saved = x[i];
    x[i] = saved + h;
    double up = loss();
    x[i] = saved - h;
    double down = loss();
    x[i] = saved;
    EXPECT_NEAR(grad[i], (up - down) / (2 * h), 1e-6 * scaleOfGrad)
        << what << " element " << i;
  }
}

class GradTest : public ::testing::Test {
protected:
  std::mt19937 rng{7};
  D random(qtc::Shape shape) { return randomArray<double>(std::move(shape), rng); }
};

TEST_F(GradTest, Matmul) {
  D a = random({3, 5}), b = random({4, 5}), dy = random({3, 4});
  auto loss = [&] { return dot(dy, matmul(a, false, b, true)); };
  // d/da = dY b, d/db = dY^T a for y = a b^T.
  expectGradient("a", a, loss, matmul(dy, false, b, false));
  expectGradient("b", b, loss, matmul(dy, true, a, false));
}

TEST_F(GradTest, LoraLayer) {
  D x = random({4, 6}), w = random({6, 5}), a = random({6, 2}),
    b = random({2, 5}), dy = random({4, 5});
  double s = 2.0;
  auto loss = [&] { return dot(dy, loraForward(x, w, a, b, s)); };
  LoraGrads<double> grads = loraBackward(x, dy, w, a, b, s);
  expectGradient("x", x, loss, grads.dx);
  expectGradient("a", a, loss, grads.da);
  expectGradient("b", b, loss, grads.db);
}

TEST_F(GradTest, QeftMixedMatmul) {
  D x = random({3, 8}), dense = random({8, 4}), weak = random({2, 4}),
    dy = random({3, 4});
  auto loss = [&] { return dot(dy, qeftForward(x, dense, weak)); };
  QeftGrads<double> grads = qeftBackward(x, dy, dense, weak);
  expectGradient("x", x, loss, grads.dx);
  expectGradient("weak", weak, loss, grads.dweak);
}

TEST_F(GradTest, LotaStraightThroughIsTheRelaxedForwardsGradient) {
  // With What relaxed to dW itself (the straight-through estimator) the
  // forward is y = x (s (q - z + dW + c mean_g(dW))); lota_delta_grad is its
  // exact gradient with respect to dW.
  AffineTensor w;
  ASSERT_TRUE(quantizeAffine(randomArray({8, 3}, rng), 4, 4, w).ok());
  w.gIdx = {0, 1, 0, 1, 1, 0, 1, 0};
  double omega = 1.5;
  for (OffsetScale os : {OffsetScale::InvOmega, OffsetScale::One}) {
    double c = os == OffsetScale::InvOmega ? 1 / omega : 1;
    D x = random({2, 8}), dw = random({8, 3}), dy = random({2, 3});
    auto loss = [&] {
      D weff({8, 3});
      for (int64_t n = 0; n < 3; ++n)
        for (int64_t k = 0; k < 8; ++k) {
          double mean = 0;
          for (int64_t i = 0; i < 8; ++i)
            mean += w.groupOf(i) == w.groupOf(k) ? dw.at(i, n) / 4 : 0;
          weff.at(k, n) = w.scales.at(w.groupOf(k), n) *
                          (w.codes.at(k, n) - double(w.intZeros.at(w.groupOf(k), n)) +
                           dw.at(k, n) + c * mean);
        }
      return dot(dy, matmul(x, false, weff, false));
    };
    D gw = matmul(x, true, dy, false);
    expectGradient("dW", dw, loss, lotaDeltaGrad(gw, w, omega, os));
  }
}

TEST_F(GradTest, RMSNorm) {
  D x = random({3, 8}), w = random({8}), dy = random({3, 8});
  auto loss = [&] { return dot(dy, rmsnorm(x, w, 1e-6)); };
  D dx, dw;
  rmsnormGrad(x, w, 1e-6, dy, dx, dw);
  expectGradient("x", x, loss, dx);
  expectGradient("w", w, loss, dw);
}

TEST_F(GradTest, Rope) {
  // Token-major [5 tokens, 2 heads * 8].
  D x = random({5, 16}), dy = random({5, 16});
  std::vector<int64_t> positions = {3, 0, 7, 1, 2};
  std::vector<double> invFreq = ropeInvFreq(8, 10000.0, nullptr);
  auto loss = [&] { return dot(dy, rope(x, 2, positions, invFreq)); };
  expectGradient("x", x, loss, ropeGrad(dy, 2, positions, invFreq));
}

TEST_F(GradTest, GroupedQueryAttention) {
  // Two sequences of 5 tokens, 4 query heads over 2 key/value heads of 3.
  AttentionShape shape{4, 2, 5};
  D q = random({10, 12}), k = random({10, 6}), v = random({10, 6}),
    dy = random({10, 12});
  double scale = 1 / std::sqrt(3.0);
  auto loss = [&] { return dot(dy, attention(q, k, v, shape, scale)); };
  D dq, dk, dv;
  attentionGrad(q, k, v, shape, scale, dy, dq, dk, dv);
  expectGradient("q", q, loss, dq);
  expectGradient("k", k, loss, dk);
  expectGradient("v", v, loss, dv);
}

TEST_F(GradTest, SwiGLU) {
  D gate = random({4, 6}), up = random({4, 6}), dy = random({4, 6});
  auto loss = [&] { return dot(dy, swiglu(gate, up)); };
  D dgate, dup;
  swigluGrad(gate, up, dy, dgate, dup);
  expectGradient("gate", gate, loss, dgate);
  expectGradient("up", up, loss, dup);
}

TEST_F(GradTest, Embedding) {
  // The forward is linear in the table: gather rows, including a repeat.
  D table = random({6, 3});
  std::vector<int64_t> ids = {4, 1, 4, 0};
  D dy = random({4, 3});
  auto loss = [&] {
    double sum = 0;
    for (size_t t = 0; t < ids.size(); ++t)
      for (int64_t d = 0; d < 3; ++d)
        sum += dy[t * 3 + d] * table[ids[t] * 3 + d];
    return sum;
  };
  D dtable;
  ASSERT_TRUE(embeddingGrad(table.shape, ids, dy, dtable).ok());
  expectGradient("table", table, loss, dtable);
  std::vector<int64_t> outside = {4, 6};
  D rows = random({2, 3});
  EXPECT_FALSE(embeddingGrad(table.shape, outside, rows, dtable).ok());
}

TEST_F(GradTest, CrossEntropy) {
  D logits = random({5, 7});
  std::vector<int64_t> labels = {2, -100, 6, 0, -100};
  double dloss = 1.7;
  auto loss = [&] {
    double l = 0;
    EXPECT_TRUE(crossEntropy(logits, labels, -100, l).ok());
    return dloss * l;
  };
  expectGradient("logits", logits, loss,
                 crossEntropyGrad(logits, labels, -100, dloss));
  double l = 0;
  std::vector<int64_t> bad = {2, 7, 0, 0, 0};
  EXPECT_FALSE(crossEntropy(logits, bad, -100, l).ok());
  std::vector<int64_t> none(5, -100);
  ASSERT_TRUE(crossEntropy(logits, none, -100, l).ok());
  EXPECT_EQ(l, 0.0);
}

TEST(ModelOpsTest, EmbeddingRejectsOutOfRangeIds) {
  Array<float> table({4, 2}), out;
  EXPECT_TRUE(embedding(table, {0, 3}, out).ok());
  qtc::Status status = embedding(table, {0, 4}, out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("outside the vocabulary"), std::string::npos);
}

TEST(ModelOpsTest, RopeRotatesHalfSplitPairs) {
  // One head of D = 4: element 0 pairs with 2. Position 1, i = 0: angle 1.
  Array<double> x({2, 4}, std::vector<double>{0, 0, 0, 0, 1, 0, 0, 0});
  Array<double> y = rope(x, 1, {0, 1}, ropeInvFreq(4, 10000.0, nullptr));
  EXPECT_NEAR(y[4], std::cos(1.0), 1e-15);
  EXPECT_NEAR(y[6], std::sin(1.0), 1e-15);
  EXPECT_EQ(y[5], 0.0);
}

TEST(ModelOpsTest, RopeLlama3ScalesLongWavelengths) {
  // D = 8, theta 1e4: inv_freq 1, 0.1, 0.01, 0.001, wavelengths 6.3, 63,
  // 628 and 6283. With 1000 original positions, low 1 and high 4, the
  // band is [250, 1000]: the first two are kept, the last divided by the
  // factor and the third interpolated.
  RopeLlama3 llama3{8.0, 1.0, 4.0, 1000};
  std::vector<double> f = ropeInvFreq(8, 10000.0, &llama3);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_DOUBLE_EQ(f[0], 1.0);
  EXPECT_DOUBLE_EQ(f[1], 0.1);
  double smooth = (1000.0 / (2 * M_PI / 0.01) - 1.0) / 3.0;
  EXPECT_NEAR(f[2], (1 - smooth) * 0.01 / 8 + smooth * 0.01, 1e-17);
  EXPECT_NEAR(f[3], 0.001 / 8, 1e-18);
}

TEST(ModelOpsTest, AttentionIsCausalWithinEachSequence) {
  // Two sequences of 2 tokens, one head of D = 1: the first token of the
  // second sequence sees only itself, whatever the first sequence holds.
  AttentionShape shape{1, 1, 2};
  Array<double> q({4, 1}, std::vector<double>{1, 1, 1, 1});
  Array<double> k({4, 1}, std::vector<double>{5, 6, 0, 0});
  Array<double> v({4, 1}, std::vector<double>{10, 20, 3, 4});
  Array<double> o = attention(q, k, v, shape, 1.0);
  EXPECT_EQ(o[0], 10.0);
  EXPECT_EQ(o[2], 3.0);
  EXPECT_NEAR(o[3], 3.5, 1e-15);
}

TEST(ModelOpsTest, BiasAddBroadcastsOverRows) {
  Array<double> x({2, 3}, std::vector<double>{1, 2, 3, 4, 5, 6});
  Array<double> b({3}, std::vector<double>{10, 20, 30});
  Array<double> y = biasAdd(x, b);
  EXPECT_EQ(y[0], 11.0);
  EXPECT_EQ(y[5], 36.0);
}

} // namespace
