//===- InterpreterTest.cpp - Example layers equal the library composites --===//
//
// The hand-written training steps in examples/ir, run by the interpreter,
// must equal bit for bit the composite functions of the reference numerics
// (gsqLoraForward/Backward, lotaBackward, qeftBackward, adamw, tsignSgd):
// two independent spellings of the same NUMERICS.md formulas.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Lora.h"
#include "codegen/reference/Lota.h"
#include "codegen/reference/Matmul.h"
#include "codegen/reference/Optimizer.h"
#include "codegen/reference/Qeft.h"
#include "codegen/reference/interpreter/Interpreter.h"
#include "dialect/QtDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
namespace ref = qtc::ref;
template <typename T>
using Array = ref::Array<T>;

namespace {

Array<float> random(qtc::Shape shape, std::mt19937 &rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  Array<float> a(std::move(shape));
  for (float &x : a.data)
    x = dist(rng);
  return a;
}

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                    tensor::TensorDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Runs the only function of examples/ir/NAME.
  SmallVector<qt::RuntimeValue> run(const char *name,
                                    ArrayRef<qt::RuntimeValue> args) {
    std::string path = std::string(QTC_SOURCE_DIR) + "/examples/ir/" + name;
    module = parseSourceFile<ModuleOp>(path, &context);
    EXPECT_TRUE(module) << path;
    SmallVector<qt::RuntimeValue> results;
    if (!module)
      return results;
    auto func = *module->getOps<func::FuncOp>().begin();
    qtc::Status status = qt::interpret(func, args, results);
    EXPECT_TRUE(status.ok()) << status.message();
    return results;
  }

  /// qt.adamw with the example's lr and default f32 hyperparameters.
  static ref::AdamWConfig adamConfig(float lr) {
    ref::AdamWConfig adam;
    adam.lr = lr;
    adam.beta1 = 0.9f;
    adam.beta2 = 0.999f;
    adam.eps = 1.0e-8f;
    return adam;
  }

  template <typename T>
  static const Array<T> &get(const qt::RuntimeValue &value) {
    return std::get<Array<T>>(value);
  }

  DialectRegistry registry;
  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::mt19937 rng{11};
};

TEST_F(InterpreterTest, GsqLayerEqualsTheGsqComposites) {
  Array<float> x = random({32, 64}, rng), dy = random({32, 64}, rng);
  Array<float> a = random({64, 32}, rng, 0.1f), b = random({32, 64}, rng, 0.1f);
  ref::Nf4Tensor w0;
  ASSERT_TRUE(ref::quantizeNf4(random({64, 64}, rng, 0.05f), 64, w0).ok());
  Array<float> zA({64, 32}), zB({32, 64});
  const uint64_t seed = 1234;
  SmallVector<qt::RuntimeValue> out =
      run("gsq_layer.mlir", {x, dy, w0, a, b, zA, zA, zB, zB,
                             Array<int64_t>({}, 1), Array<int64_t>({}, seed)});
  ASSERT_EQ(out.size(), 8u);

  ref::GsqConfig config; // the example's casts: GSE-int8, G = 32, rne/stochastic
  Array<float> w0f = ref::dequantizeNf4(w0), y;
  ASSERT_TRUE(ref::gsqLoraForward(x, w0f, a, b, 2.0f, config, y).ok());
  ref::LoraGrads<float> grads;
  ASSERT_TRUE(
      ref::gsqLoraBackward(x, dy, w0f, a, b, 2.0f, config, seed, grads).ok());
  EXPECT_EQ(get<float>(out[0]).data, y.data);
  EXPECT_EQ(get<float>(out[1]).data, grads.dx.data);

  ref::AdamWConfig adam = adamConfig(1.0e-4f);
  Array<float> ma({64, 32}), va({64, 32}), a1 = a;
  ASSERT_TRUE(ref::adamw(a1, grads.da, ma, va, 1, adam).ok());
  EXPECT_EQ(get<float>(out[2]).data, a1.data);
  EXPECT_EQ(get<float>(out[5]).data, va.data);
  Array<float> mb({32, 64}), vb({32, 64}), b1 = b;
  ASSERT_TRUE(ref::adamw(b1, grads.db, mb, vb, 1, adam).ok());
  EXPECT_EQ(get<float>(out[3]).data, b1.data);
  EXPECT_EQ(get<float>(out[6]).data, mb.data);
}

TEST_F(InterpreterTest, LotaLayerEqualsTheLotaComposites) {
  Array<float> x = random({8, 256}, rng), dy = random({8, 64}, rng);
  ref::AffineTensor w;
  ASSERT_TRUE(ref::quantizeAffine(random({256, 64}, rng), 4, 128, w).ok());
  Array<int8_t> a, b;
  ASSERT_TRUE(ref::ternarize(random({256, 16}, rng), a).ok());
  ASSERT_TRUE(ref::ternarize(random({16, 64}, rng), b).ok());
  const int64_t step = 90; // late phase
  const float norm = 20.0f; // with the upper cut
  SmallVector<qt::RuntimeValue> out =
      run("lota_layer.mlir", {x, dy, w, a, b, Array<int64_t>({}, step),
                              Array<float>({}, norm)});
  ASSERT_EQ(out.size(), 5u);

  Array<float> weff;
  ASSERT_TRUE(ref::lotaEffectiveWeight(w, a, b, 12.0, ref::OffsetScale::InvOmega,
                                       weff)
                  .ok());
  EXPECT_EQ(get<float>(out[0]).data, ref::matmul(x, false, weff, false).data);
  ref::LotaGrads grads;
  ASSERT_TRUE(ref::lotaBackward(x, dy, w, a, b, 12.0,
                                ref::OffsetScale::InvOmega, grads)
                  .ok());
  EXPECT_EQ(get<float>(out[1]).data, grads.dx.data);
  Array<int8_t> a1, b1;
  ASSERT_TRUE(ref::tsignSgd(a, grads.da, step, 100, norm, a1).ok());
  ASSERT_TRUE(ref::tsignSgd(b, grads.db, step, 100, norm, b1).ok());
  EXPECT_EQ(get<int8_t>(out[2]).data, a1.data);
  EXPECT_EQ(get<int8_t>(out[3]).data, b1.data);
  EXPECT_NE(a1.data, a.data); // the step moved something
  EXPECT_EQ(ref::dequantizeAffine(std::get<ref::AffineTensor>(out[4])).data,
            weff.data);
}

TEST_F(InterpreterTest, QeftLayerEqualsTheQeftComposites) {
  Array<float> w = random({256, 64}, rng, 0.1f);
  ref::AffineTensor dense;
  Array<qtc::Half> weak;
  ASSERT_TRUE(ref::outlierSplit(w, 16, 4, 128, dense, weak).ok());
  Array<float> x = random({8, 256}, rng), dy = random({8, 64}, rng);
  Array<float> zero({16, 64});
  SmallVector<qt::RuntimeValue> out = run(
      "qeft_layer.mlir", {x, dy, dense, weak, zero, zero, Array<int64_t>({}, 1)});
  ASSERT_EQ(out.size(), 5u);

  Array<float> denseF = ref::dequantizeAffine(dense), weakF({16, 64});
  for (int64_t i = 0; i < weakF.numel(); ++i)
    weakF[i] = qtc::halfToFloat(weak[i]);
  EXPECT_EQ(get<float>(out[0]).data, ref::qeftForward(x, denseF, weakF).data);
  ref::QeftGrads<float> grads = ref::qeftBackward(x, dy, denseF, weakF);
  // The example pads dY Wf^T and adds it in f32; the library sums both
  // parts in one double accumulation: equal within f32 rounding.
  const Array<float> &dx = get<float>(out[1]);
  for (int64_t i = 0; i < dx.numel(); ++i)
    EXPECT_NEAR(dx[i], grads.dx[i], 1e-6f * (std::fabs(grads.dx[i]) + 1));
  ref::AdamWConfig adam = adamConfig(2.0e-4f);
  Array<float> m({16, 64}), v({16, 64}), p = weakF;
  ASSERT_TRUE(ref::adamw(p, grads.dweak, m, v, 1, adam).ok());
  const Array<qtc::Half> &p1 = get<qtc::Half>(out[2]);
  for (int64_t i = 0; i < p.numel(); ++i)
    EXPECT_EQ(p1[i].bits, qtc::floatToHalf(p[i]).bits) << i;
}

} // namespace
