//===- KernelGenerators.cpp - Halide generators of qtc's kernels ----------===//
//
// Each generator reads the storage of qt IR values (mantissas, exponents,
// codes, scales, ...) as Halide buffers, builds the algorithm from its
// builder and picks the schedule of the target it is compiled for. Its
// parameters are typed GeneratorParams (enums spelled by the registry); its
// inputs and outputs are declared from its entry in
// codegen/registry/KernelRegistry.cpp (RegisteredGenerator).
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/AdamW.h"
#include "codegen/halide/AffineMatmul.h"
#include "codegen/halide/Elementwise.h"
#include "codegen/halide/F32Matmul.h"
#include "codegen/halide/GlobalNorm.h"
#include "codegen/halide/HeadLoss.h"
#include "codegen/halide/GseMatmul.h"
#include "codegen/halide/GseQuantize.h"
#include "codegen/halide/Layout.h"
#include "codegen/halide/LotaMerge.h"
#include "codegen/halide/ModelOps.h"
#include "codegen/halide/RegisteredGenerator.h"
#include "codegen/halide/TSignSgd.h"

using namespace Halide;
namespace k = qtc::kernels;

namespace qtc::halide {
namespace {

template <typename E>
GeneratorParam<E> enumParam(const std::string &name, E value) {
  return GeneratorParam<E>(name, value, k::enumMap<E>());
}

AffineZero affineZeroOf(k::ZeroForm zero) {
  return zero == k::ZeroForm::Float    ? AffineZero::Float
         : zero == k::ZeroForm::Scaled ? AffineZero::Scaled
                                       : AffineZero::Int;
}

bool vnniTarget(const Target &target) {
  return targetClassOf(target) == k::TargetClass::X86Avx512Vnni;
}

/// qt.matmul of two GSE operands.
class GseMatmulGenerator : public RegisteredGenerator<GseMatmulGenerator> {
public:
  GeneratorParam<int> group{"group", 32};
  GeneratorParam<k::Accumulate> accumulate =
      enumParam("accumulate", k::Accumulate::F32);
  GeneratorParam<bool> transposeA{"transpose_a", false};
  GeneratorParam<bool> transposeB{"transpose_b", false};
  GeneratorParam<k::MatmulShape> shape =
      enumParam("shape", k::MatmulShape::Gemm);
  GeneratorParam<bool> prepackedB{"prepacked_b", false};
  GeneratorParam<bool> epilogueScale{"epilogue_scale", false};

  void configure() {
    declareArguments("gse_matmul",
                     {{"group", settingOf(int(group))},
                      {"accumulate", settingOf(k::Accumulate(accumulate))},
                      {"transpose_a", settingOf(bool(transposeA))},
                      {"transpose_b", settingOf(bool(transposeB))},
                      {"shape", settingOf(k::MatmulShape(shape))},
                      {"prepacked_b", settingOf(bool(prepackedB))},
                      {"epilogue_scale", settingOf(bool(epilogueScale))}});
  }

  void generate() {
    auto &am = input("a_mantissas"), &ae = input("a_exponents"),
         &bm = input("b_mantissas"), &be = input("b_exponents");
    options.group = group;
    options.prepackedRhs = prepackedB;
    options.wideInt = accumulate == k::Accumulate::WideInt;
    options.transposeA = transposeA;
    options.transposeB = transposeB;
    options.unsignedRhs = vnniTarget(get_target());
    options.termViaF64 = get_target().has_gpu_feature();
    if (epilogueScale)
      options.outputScale = scalar("scale");
    Expr K = transposeA ? am.dim(1).extent() : am.dim(0).extent();
    if (gemv()) {
      _halide_user_assert(!options.wideInt && !options.transposeA &&
                          options.transposeB && !epilogueScale)
          << "gse_matmul shape=gemv is the f32 X W^T form without epilogue "
             "only";
      gemvPipeline =
          defineGseGemv(am, ae, bm, be, K, group, options.unsignedRhs);
      output("c") = gemvPipeline.output;
      return;
    }
    // A packed B covers every column a tile reads: no boundary check there,
    // and its layout is dense (kk, n, ko), so 16 columns x 4 k load as one
    // 64-byte vector.
    if (prepackedB) {
      bm.dim(0).set_bounds(0, 4).set_stride(1);
      bm.dim(1).set_stride(4);
    }
    Func b = prepackedB ? Func(bm) : zeroOutside(bm);
    pipeline = defineGseMatmul(zeroOutside(am), zeroOutside(ae), b,
                               zeroOutside(be), K, options);
    output("c") = pipeline.output;
  }

  void schedule() {
    const Target &target = get_target();
    if (gemv())
      scheduleGseGemvCpu(gemvPipeline, target.natural_vector_size<int32_t>());
    else if (target.has_gpu_feature())
      scheduleGseMatmulCuda(pipeline, options);
    else if (target.arch == Target::ARM)
      scheduleGseMatmulArm(pipeline, options);
    else if (target.has_feature(Target::AVX512))
      scheduleGseMatmulX86Avx512(pipeline, options);
    else
      scheduleGseMatmulX86Avx2(pipeline, options);
  }

private:
  bool gemv() const { return shape == k::MatmulShape::Gemv; }

  GseMatmulOptions options;
  GseMatmulPipeline pipeline;
  GseGemvPipeline gemvPipeline;
};

GseQuantizeOptions gseQuantizeOptions(int axis, int bits, int group,
                                      int expBits, k::ExpRule expRule,
                                      k::Rounding rounding) {
  GseQuantizeOptions options;
  options.axis = axis;
  options.bits = bits;
  options.group = group;
  options.expBits = expBits;
  options.ceilRule = expRule == k::ExpRule::Ceil;
  options.rounding = rounding == k::Rounding::Stochastic
                         ? GseRounding::Stochastic
                     : rounding == k::Rounding::RNA ? GseRounding::RNA
                                                    : GseRounding::RNE;
  return options;
}

/// The GSE format parameters of the quantize and requantize generators.
struct GseFormatParams {
  GeneratorParam<int> axis;
  GeneratorParam<int> bits{"bits", 8};
  GeneratorParam<int> group{"group", 32};
  GeneratorParam<int> expBits{"exp_bits", 8};
  GeneratorParam<k::ExpRule> expRule = enumParam("exp_rule", k::ExpRule::Floor);
  GeneratorParam<k::Rounding> rounding =
      enumParam("rounding", k::Rounding::RNE);

  explicit GseFormatParams(int defaultAxis) : axis("axis", defaultAxis) {}

  std::map<std::string, std::string> settings() const {
    return {{"axis", settingOf(int(axis))},
            {"bits", settingOf(int(bits))},
            {"group", settingOf(int(group))},
            {"exp_bits", settingOf(int(expBits))},
            {"exp_rule", settingOf(k::ExpRule(expRule))},
            {"rounding", settingOf(k::Rounding(rounding))}};
  }
  GseQuantizeOptions options() const {
    return gseQuantizeOptions(axis, bits, group, expBits, expRule, rounding);
  }
};

/// qt.quantize of a 2-D f32 tensor to !qt.gse.
class GseQuantizeGenerator : public RegisteredGenerator<GseQuantizeGenerator> {
public:
  GseFormatParams format{1};

  void configure() { declareArguments("gse_quantize", format.settings()); }

  void generate() {
    auto &x = input("x");
    options = format.options();
    // A GPU kernel cannot report a NaN: the host checks the input first.
    options.hostCheck = get_target().has_gpu_feature();
    pipeline = defineGseQuantize(x, x.dim(0).extent(), scalar("seed"), options,
                                 x.dim(1).extent());
    output("mantissas") = pipeline.mantissas;
    output("exponents") = pipeline.exponents;
  }

  void schedule() {
    if (get_target().has_gpu_feature())
      scheduleGseQuantizeCuda(pipeline, options);
    else
      scheduleGseQuantizeCpu(pipeline, options,
                             get_target().natural_vector_size<float>());
  }

private:
  GseQuantizeOptions options;
  GseQuantizePipeline pipeline;
};

/// qt.requantize of a GSE tensor to GSE grouped along the other axis (GSQ's
/// backward reads forward casts along a new reduction axis): the values are
/// formed on load, never written as f32.
class GseRequantizeGenerator
    : public RegisteredGenerator<GseRequantizeGenerator> {
public:
  GeneratorParam<int> fromAxis{"from_axis", 1};
  GeneratorParam<int> fromGroup{"from_group", 32};
  GseFormatParams format{0};

  void configure() {
    Settings settings = format.settings();
    settings["from_axis"] = settingOf(int(fromAxis));
    settings["from_group"] = settingOf(int(fromGroup));
    declareArguments("gse_requantize", settings);
  }

  void generate() {
    auto &mantissas = input("in_mantissas");
    options = format.options();
    Func values =
        gseValues(mantissas, input("in_exponents"), fromAxis, fromGroup);
    pipeline = defineGseQuantize(values, mantissas.dim(0).extent(),
                                 scalar("seed"), options);
    output("mantissas") = pipeline.mantissas;
    output("exponents") = pipeline.exponents;
  }

  void schedule() {
    scheduleGseQuantizeCpu(pipeline, options,
                           get_target().natural_vector_size<float>());
  }

private:
  GseQuantizeOptions options;
  GseQuantizePipeline pipeline;
};

/// arith.addf / subf / mulf / negf and products with a splat constant, over
/// flat f32 views.
class ElementwiseGenerator : public RegisteredGenerator<ElementwiseGenerator> {
public:
  GeneratorParam<k::ElementwiseOp> op = enumParam("op", k::ElementwiseOp::Add);

  void configure() {
    declareArguments("elementwise", {{"op", settingOf(k::ElementwiseOp(op))}});
  }

  void generate() {
    out = defineElementwise(settingOf(k::ElementwiseOp(op)), input("a"),
                            input("b"), scalar("s"));
    output("out") = out;
  }

  void schedule() {
    scheduleElementwiseCpu(out, get_target().natural_vector_size<float>());
  }

private:
  Func out;
};

/// One operand's sum of squares for qt.global_norm (t-SignSGD's norm).
class SumOfSquaresGenerator
    : public RegisteredGenerator<SumOfSquaresGenerator> {
public:
  void configure() { declareArguments("sum_of_squares", {}); }

  void generate() {
    auto &x = input("x");
    output("sum") = defineSumOfSquares(x, x.dim(0).extent());
  }
};

/// qt.rmsnorm over token-major rows.
class RMSNormGenerator : public RegisteredGenerator<RMSNormGenerator> {
public:
  void configure() { declareArguments("rmsnorm", {}); }

  void generate() {
    auto &x = input("x");
    norm = defineRMSNorm(x, input("weight"), x.dim(0).extent(),
                         scalar("eps"));
    output("y") = norm.y;
  }

  void schedule() {
    scheduleRMSNormCpu(norm, get_target().natural_vector_size<float>());
  }

private:
  RMSNorm norm;
};

class RMSNormGradGenerator : public RegisteredGenerator<RMSNormGradGenerator> {
public:
  void configure() { declareArguments("rmsnorm_grad", {}); }

  void generate() {
    auto &x = input("x");
    grad = defineRMSNormGrad(x, input("weight"), input("dy"),
                             x.dim(0).extent(), x.dim(1).extent(),
                             scalar("eps"));
    output("dx") = grad.dx;
    output("dweight") = grad.dw;
  }

  void schedule() {
    scheduleRMSNormGradCpu(grad, get_target().natural_vector_size<float>());
  }

private:
  RMSNormGrad grad;
};

/// arith.extf: f16 or bf16 storage to f32, exactly (every half-precision
/// value is an f32 value).
class WidenGenerator : public RegisteredGenerator<WidenGenerator> {
public:
  GeneratorParam<k::StorageFloat> from =
      enumParam("from", k::StorageFloat::BF16);

  void configure() {
    declareArguments("widen", {{"from", settingOf(k::StorageFloat(from))}});
  }

  void generate() {
    out = defineWiden(input("in"));
    output("out") = out;
  }

  void schedule() {
    scheduleElementwiseCpu(out, get_target().natural_vector_size<float>());
  }

private:
  Func out;
};

class SwiGLUGenerator : public RegisteredGenerator<SwiGLUGenerator> {
public:
  void configure() { declareArguments("swiglu", {}); }

  void generate() {
    out = defineSwiGLU(input("gate"), input("up"));
    output("out") = out;
  }

  void schedule() {
    scheduleElementwiseCpu(out, get_target().natural_vector_size<float>());
  }

private:
  Func out;
};

class SwiGLUGradGenerator : public RegisteredGenerator<SwiGLUGradGenerator> {
public:
  void configure() { declareArguments("swiglu_grad", {}); }

  void generate() {
    grad = defineSwiGLUGrad(input("gate"), input("up"), input("dy"));
    output("dgate") = grad.dgate;
    output("dup") = grad.dup;
  }

  void schedule() {
    scheduleSwiGLUGradCpu(grad, get_target().natural_vector_size<float>());
  }

private:
  SwiGLUGrad grad;
};

class RopeGenerator : public RegisteredGenerator<RopeGenerator> {
public:
  void configure() { declareArguments("rope", {}); }

  void generate() {
    auto &x = input("x");
    rope = defineRope(x, input("inv_freq"), scalar("heads"), x.dim(0).extent(),
                      scalar("seq_len"), scalar("sign"));
    output("y") = rope.y;
  }

  void schedule() {
    scheduleRopeCpu(rope, get_target().natural_vector_size<float>());
  }

private:
  Rope rope;
};

class AttentionGenerator : public RegisteredGenerator<AttentionGenerator> {
public:
  void configure() { declareArguments("attention", {}); }

  void generate() {
    auto &q = input("q");
    attention = defineAttention(q, input("k"), input("v"), scalar("heads"),
                                scalar("kv_heads"), scalar("head_dim"),
                                scalar("seq_len"), q.dim(1).extent(),
                                scalar("scale"));
    output("out") = attention.out;
  }

  void schedule() {
    scheduleAttentionCpu(attention, get_target().natural_vector_size<float>());
  }

private:
  Attention attention;
};

class AttentionGradGenerator
    : public RegisteredGenerator<AttentionGradGenerator> {
public:
  void configure() { declareArguments("attention_grad", {}); }

  void generate() {
    auto &q = input("q");
    grad = defineAttentionGrad(q, input("k"), input("v"), input("dout"),
                               scalar("heads"), scalar("kv_heads"),
                               scalar("head_dim"), scalar("seq_len"),
                               q.dim(1).extent(), scalar("scale"));
    output("dq") = grad.dq;
    output("dk") = grad.dk;
    output("dv") = grad.dv;
  }

  void schedule() {
    scheduleAttentionGradCpu(grad, get_target().natural_vector_size<float>());
  }

private:
  AttentionGrad grad;
};

class BiasAddGenerator : public RegisteredGenerator<BiasAddGenerator> {
public:
  void configure() { declareArguments("bias_add", {}); }

  void generate() {
    y = defineBiasAdd(input("x"), input("bias"));
    output("y") = y;
  }

  void schedule() {
    scheduleRowsCpu(y, get_target().natural_vector_size<float>());
  }

private:
  Func y;
};

class RowSumGenerator : public RegisteredGenerator<RowSumGenerator> {
public:
  void configure() { declareArguments("row_sum", {}); }

  void generate() {
    auto &x = input("x");
    sum = defineRowSum(x, x.dim(1).extent());
    output("sum") = sum;
  }

  void schedule() {
    scheduleRowSumCpu(sum, get_target().natural_vector_size<float>());
  }

private:
  Func sum;
};

/// The lm_head matmul and cross-entropy over vocabulary chunks.
class HeadLossGenerator : public RegisteredGenerator<HeadLossGenerator> {
public:
  GeneratorParam<k::StorageFloat> bType =
      enumParam("b_type", k::StorageFloat::F32);
  GeneratorParam<k::IdType> labelsType = enumParam("labels", k::IdType::I64);

  void configure() {
    declareArguments("head_loss",
                     {{"b_type", settingOf(k::StorageFloat(bType))},
                      {"labels", settingOf(k::IdType(labelsType))}});
  }

  void generate() {
    auto &h = input("h");
    auto &w = input("w");
    loss = defineHeadLoss(h, w, input("labels"), h.dim(0).extent(),
                          w.dim(1).extent(), h.dim(1).extent(),
                          scalar("ignore_index"));
    output("loss") = loss.loss;
  }

  void schedule() {
    scheduleHeadLossCpu(loss, get_target().natural_vector_size<float>());
  }

private:
  HeadLoss loss;
};

class HeadLossGradGenerator
    : public RegisteredGenerator<HeadLossGradGenerator> {
public:
  GeneratorParam<k::StorageFloat> bType =
      enumParam("b_type", k::StorageFloat::F32);
  GeneratorParam<k::IdType> labelsType = enumParam("labels", k::IdType::I64);
  GeneratorParam<bool> withLoss{"with_loss", false};

  void configure() {
    declareArguments("head_loss_grad",
                     {{"b_type", settingOf(k::StorageFloat(bType))},
                      {"labels", settingOf(k::IdType(labelsType))},
                      {"with_loss", settingOf(bool(withLoss))}});
  }

  void generate() {
    auto &h = input("h");
    auto &w = input("w");
    auto &dloss = input("dloss");
    both = defineHeadLossAndGrad(h, w, input("labels"), dloss(),
                                 h.dim(0).extent(), w.dim(1).extent(),
                                 h.dim(1).extent(), scalar("ignore_index"));
    output("dh") = both.grad.dh;
    if (withLoss)
      output("loss") = both.loss;
  }

  void schedule() {
    int lanes = get_target().natural_vector_size<float>();
    if (withLoss)
      scheduleHeadLossAndGradCpu(both, lanes);
    else
      scheduleHeadLossGradCpu(both.grad, lanes);
  }

private:
  /// The loss's Funcs are part of the pipeline only with_loss.
  HeadLossAndGrad both;
};

class EmbeddingGenerator : public RegisteredGenerator<EmbeddingGenerator> {
public:
  GeneratorParam<k::IdType> idsType = enumParam("ids", k::IdType::I64);

  void configure() {
    declareArguments("embedding", {{"ids", settingOf(k::IdType(idsType))}});
  }

  void generate() {
    auto &table = input("table");
    out = defineEmbedding(table, input("ids"), table.dim(1).extent());
    output("out") = out;
  }

  void schedule() {
    scheduleRowsCpu(out, get_target().natural_vector_size<float>());
  }

private:
  Func out;
};

class EmbeddingGradGenerator
    : public RegisteredGenerator<EmbeddingGradGenerator> {
public:
  GeneratorParam<k::IdType> idsType = enumParam("ids", k::IdType::I64);

  void configure() {
    declareArguments("embedding_grad", {{"ids", settingOf(k::IdType(idsType))}});
  }

  void generate() {
    auto &ids = input("ids");
    grad = defineEmbeddingGrad(ids, input("dy"), scalar("vocab"),
                               ids.dim(0).extent());
    output("dtable") = grad.dtable;
  }

  void schedule() {
    scheduleEmbeddingGradCpu(grad, get_target().natural_vector_size<float>());
  }

private:
  EmbeddingGrad grad;
};

class CrossEntropyGenerator
    : public RegisteredGenerator<CrossEntropyGenerator> {
public:
  GeneratorParam<k::IdType> labelsType = enumParam("labels", k::IdType::I64);

  void configure() {
    declareArguments("cross_entropy", {{"labels", settingOf(k::IdType(labelsType))}});
  }

  void generate() {
    auto &logits = input("logits");
    ce = defineCrossEntropy(logits, input("labels"), logits.dim(0).extent(),
                            logits.dim(1).extent(), scalar("ignore_index"));
    output("loss") = ce.loss;
  }

  void schedule() { scheduleCrossEntropyCpu(ce); }

private:
  CrossEntropy ce;
};

class CrossEntropyGradGenerator
    : public RegisteredGenerator<CrossEntropyGradGenerator> {
public:
  GeneratorParam<k::IdType> labelsType = enumParam("labels", k::IdType::I64);

  void configure() {
    declareArguments("cross_entropy_grad", {{"labels", settingOf(k::IdType(labelsType))}});
  }

  void generate() {
    auto &logits = input("logits");
    auto &dloss = input("dloss");
    grad = defineCrossEntropyGrad(logits, input("labels"), dloss(),
                                  logits.dim(0).extent(),
                                  logits.dim(1).extent(),
                                  scalar("ignore_index"));
    output("dlogits") = grad.dlogits;
  }

  void schedule() {
    scheduleCrossEntropyGradCpu(grad,
                                get_target().natural_vector_size<float>());
  }

private:
  CrossEntropyGrad grad;
};

/// qt.requantize of an NF4 base weight to !qt.gse: the GSQ forward's cast
/// on load, with no f32 copy of the weight in memory.
class Nf4ToGseGenerator : public RegisteredGenerator<Nf4ToGseGenerator> {
public:
  GeneratorParam<int> block{"block", 64};
  GeneratorParam<int> axis{"axis", 0};
  GeneratorParam<int> group{"group", 32};

  void configure() {
    declareArguments("nf4_to_gse", {{"block", settingOf(int(block))},
                                    {"axis", settingOf(int(axis))},
                                    {"group", settingOf(int(group))}});
  }

  void generate() {
    options.axis = axis;
    options.group = group;
    Expr cols = scalar("cols");
    Func values = nf4Values(input("codes"), input("absmax"), cols, block);
    pipeline = defineGseQuantize(values, cols, cast<uint64_t>(0), options);
    output("mantissas") = pipeline.mantissas;
    output("exponents") = pipeline.exponents;
  }

  void schedule() {
    scheduleGseQuantizeCpu(pipeline, options,
                           get_target().natural_vector_size<float>());
  }

private:
  GseQuantizeOptions options;
  GseQuantizePipeline pipeline;
};

/// x times an affine-int weight dequantized on load (qt.matmul with an
/// !qt.affine operand, the merged LoTA layer), optionally plus QEFT's f16
/// weak rows (qt.qeft_linear).
class AffineMatmulGenerator
    : public RegisteredGenerator<AffineMatmulGenerator> {
public:
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<k::ZeroForm> zero = enumParam("zero", k::ZeroForm::Int);
  GeneratorParam<bool> weakRows{"weak_rows", false};
  /// gemv: the schedule for a few rows (the forward sums by groups, dX as
  /// dot products); callers pick it by row count (ScheduleThresholds.h).
  GeneratorParam<k::MatmulShape> shape =
      enumParam("shape", k::MatmulShape::Gemm);
  GeneratorParam<bool> transposed{"transposed", false};
  GeneratorParam<int> packedBits{"packed_bits", 0};
  GeneratorParam<bool> clampColumns{"clamp_columns", false};

  void configure() {
    declareArguments("affine_matmul",
                     {{"group", settingOf(int(group))},
                      {"zero", settingOf(k::ZeroForm(zero))},
                      {"weak_rows", settingOf(bool(weakRows))},
                      {"shape", settingOf(k::MatmulShape(shape))},
                      {"transposed", settingOf(bool(transposed))},
                      {"packed_bits", settingOf(int(packedBits))},
                      {"clamp_columns", settingOf(bool(clampColumns))}});
  }

  void generate() {
    auto &x = input("x"), &codes = input("codes"), &weakIn = input("weak");
    // Every schedule computes whole vectors (and panels) of output columns.
    // With clamp_columns the weight's storage reads as its last column past
    // N, so any N runs; without, N must be a multiple of kAffineColumnQuantum
    // (the clamps inside the vector loops cost the GEMV 3x).
    Expr N = codes.dim(0).extent();
    Func codesN = codes, scales = input("scales"), zeros = input("zeros"),
         weak = weakIn;
    if (clampColumns) {
      Region alongN = {Range(0, N), Range()};
      codesN = BoundaryConditions::repeat_edge(codes, alongN);
      scales = BoundaryConditions::repeat_edge(input("scales"), alongN);
      zeros = BoundaryConditions::repeat_edge(input("zeros"), alongN);
      weak = BoundaryConditions::repeat_edge(weakIn, alongN);
    }
    options.group = group;
    options.zero = affineZeroOf(zero);
    options.weakRows = weakRows;
    options.packedBits = packedBits;
    Func weakF16("weak_f16");
    weakF16(n, j) = reinterpret<float16_t>(weak(n, j));
    Expr weakCount = weakRows ? weakIn.dim(1).extent() : Expr(0);
    Expr K = packedBits ? codes.dim(1).extent() * (32 / packedBits)
                        : codes.dim(1).extent();
    Func xEdge = BoundaryConditions::repeat_edge(x);
    // The GEMV schedules read x in bounds only: unclamped, its vector loads
    // stay dense (a clamped index against another buffer's extent became a
    // gather, 17x slower for the transposed product).
    bool inBounds = gemv() && !get_target().has_gpu_feature();
    if (transposed)
      pipeline = defineAffineMatmulTransposed(inBounds ? Func(x) : xEdge,
                                              codesN, scales, zeros, weakF16, N,
                                              K, weakCount, options);
    else if (inBounds)
      pipeline =
          defineAffineMatmulByGroups(x, codesN, scales, zeros, weakF16,
                                     x.dim(0).extent(), weakCount, options);
    else
      pipeline = defineAffineMatmul(xEdge, codesN, scales, zeros, weakF16,
                                    x.dim(0).extent(), weakCount, options);
    output("y") = pipeline.output;
  }

  void schedule() {
    int lanes = get_target().natural_vector_size<float>();
    if (get_target().has_gpu_feature() && transposed)
      scheduleAffineMatmulTransposedCuda(pipeline);
    else if (get_target().has_gpu_feature())
      scheduleAffineMatmulCuda(pipeline);
    else if (transposed && gemv())
      scheduleAffineMatmulTransposedGemv(pipeline, lanes);
    else if (transposed)
      scheduleAffineMatmulTransposedGemm(pipeline, lanes);
    else if (gemv())
      scheduleAffineMatmulGemv(pipeline, options, lanes);
    else
      scheduleAffineMatmulGemm(pipeline, options, lanes);
  }

private:
  bool gemv() const { return shape == k::MatmulShape::Gemv; }

  Var n{"n"}, j{"j"};
  AffineMatmulOptions options;
  AffineMatmulPipeline pipeline;
};

/// LoTA-QAF's merge: ternary_product, masked_threshold, lota_offset and
/// lota_merge (zero = float) in one pipeline.
class LotaMergeGenerator : public RegisteredGenerator<LotaMergeGenerator> {
public:
  GeneratorParam<int> bits{"bits", 4};
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<k::OffsetScale> offsetScale =
      enumParam("offset_scale", k::OffsetScale::InvOmega);
  GeneratorParam<k::ZeroForm> zero = enumParam("zero", k::ZeroForm::Int);

  void configure() {
    declareArguments("lota_merge", {{"bits", settingOf(int(bits))},
                                    {"group", settingOf(int(group))},
                                    {"offset_scale",
                                     settingOf(k::OffsetScale(offsetScale))},
                                    {"zero", settingOf(k::ZeroForm(zero))}});
  }

  void generate() {
    auto &a = input("a");
    options.bits = bits;
    options.group = group;
    options.invOmega = offsetScale == k::OffsetScale::InvOmega;
    options.zero = affineZeroOf(zero);
    pipeline = defineLotaMerge(input("codes"), input("zeros"),
                               input("scales"), a, input("b"),
                               a.dim(0).extent(), cast<double>(scalar("omega")),
                               options);
    output("merged_codes") = pipeline.codes;
    output("merged_zeros") = pipeline.zeros;
  }

  void schedule() {
    scheduleLotaMergeCpu(pipeline, get_target().natural_vector_size<float>());
  }

private:
  LotaMergeOptions options;
  LotaMergePipeline pipeline;
};

/// qt.adamw over a flat view of the parameter; the caller passes the bias
/// corrections 1 - beta^t.
class AdamWGenerator : public RegisteredGenerator<AdamWGenerator> {
public:
  GeneratorParam<k::FloatType> paramType =
      enumParam("param_type", k::FloatType::F32);

  void configure() {
    declareArguments("adamw",
                     {{"param_type", settingOf(k::FloatType(paramType))}});
  }

  void generate() {
    pipeline = defineAdamW(
        input("param"), input("grad"), input("m"), input("v"),
        {scalar("lr"), scalar("beta1"), scalar("beta2"), scalar("eps"),
         scalar("weight_decay"), scalar("grad_scale"), scalar("correction1"),
         scalar("correction2")},
        paramType == k::FloatType::F16);
    output("new_param") = pipeline.param;
    output("new_m") = pipeline.m;
    output("new_v") = pipeline.v;
  }

  void schedule() {
    scheduleAdamWCpu(pipeline, get_target().natural_vector_size<float>());
  }

private:
  AdamWPipeline pipeline;
};

/// qt.tsign_sgd over a flat view of a ternary adapter.
class TSignSgdGenerator : public RegisteredGenerator<TSignSgdGenerator> {
public:
  void configure() { declareArguments("tsign_sgd", {}); }

  void generate() {
    auto &grad = input("grad");
    pipeline = defineTSignSgd(input("param"), grad, grad.dim(0).extent(),
                              scalar("step"), scalar("total_steps"),
                              scalar("grad_norm"));
    output("new_param") = pipeline.param;
  }

  void schedule() {
    scheduleTSignSgdCpu(pipeline, get_target().natural_vector_size<float>());
  }

private:
  TSignSgdPipeline pipeline;
};

/// qt.matmul of f32 operands (either may be a ternary !qt.ternary, read as
/// i8 and widened exactly: LoTA's dA = dDW B^T and dB = A^T dDW), optionally
/// followed by LoTA's qt.lota_delta_grad (then op(a) op(b) must be Gw =
/// x^T dY).
class F32MatmulGenerator : public RegisteredGenerator<F32MatmulGenerator> {
public:
  GeneratorParam<bool> transposeA{"transpose_a", false};
  GeneratorParam<bool> transposeB{"transpose_b", false};
  GeneratorParam<bool> lotaDeltaGrad{"lota_delta_grad", false};
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<bool> ternaryA{"ternary_a", false};
  GeneratorParam<bool> ternaryB{"ternary_b", false};
  GeneratorParam<k::StorageFloat> bType =
      enumParam("b_type", k::StorageFloat::F32);
  GeneratorParam<bool> epilogueScale{"epilogue_scale", false};
  GeneratorParam<bool> epilogueAdd{"epilogue_add", false};

  void configure() {
    declareArguments("f32_matmul",
                     {{"transpose_a", settingOf(bool(transposeA))},
                      {"transpose_b", settingOf(bool(transposeB))},
                      {"lota_delta_grad", settingOf(bool(lotaDeltaGrad))},
                      {"group", settingOf(int(group))},
                      {"ternary_a", settingOf(bool(ternaryA))},
                      {"ternary_b", settingOf(bool(ternaryB))},
                      {"b_type", settingOf(k::StorageFloat(bType))},
                      {"epilogue_scale", settingOf(bool(epilogueScale))},
                      {"epilogue_add", settingOf(bool(epilogueAdd))}});
  }

  void generate() {
    if (lotaDeltaGrad && epilogueAdd)
      throw CompileError("f32_matmul: lota_delta_grad replaces the output; it "
                         "takes no epilogue_add");
    auto &a = input("a"), &b = input("b");
    Expr K = transposeA ? a.dim(1).extent() : a.dim(0).extent();
    Func aF("a_f32"), bF("b_f32");
    // Clamped along M and N alone (a tile or panel past the edge reads the
    // last row or column; its results are not stored). Along K every index
    // is in bounds (Halide checks B's extent against A's), so the
    // reduction's inner loop has no clamps: with them it ran at half the
    // FMA rate.
    auto edgeAlong = [](GeneratorInput<Buffer<>> &buffer, int dim) {
      Region bounds(2);
      bounds[dim] = Range(buffer.dim(dim).min(), buffer.dim(dim).extent());
      return BoundaryConditions::repeat_edge(buffer, bounds);
    };
    Func aEdge = edgeAlong(a, transposeA ? 0 : 1);
    Func bEdge = edgeAlong(b, transposeB ? 1 : 0);
    aF(x, y) = cast<float>(aEdge(x, y));
    bF(x, y) = cast<float>(bEdge(x, y));
    pipeline = defineF32Matmul(aF, bF, K, transposeA, transposeB,
                               epilogueScale ? scalar("scale") : Expr(),
                               epilogueAdd ? Func(input("addend")) : Func());
    // The epilogue's group means are computed whole vectors wide: the
    // scales read as their edge past N.
    if (lotaDeltaGrad)
      addLotaDeltaGrad(pipeline,
                       BoundaryConditions::repeat_edge(input("scales")), group,
                       scalar("offset_scale"));
    output("c") = pipeline.output;
  }

  void schedule() {
    scheduleF32MatmulCpu(pipeline, get_target().natural_vector_size<float>(),
                         lotaDeltaGrad);
  }

private:
  Var x{"x"}, y{"y"};
  F32MatmulPipeline pipeline;
};

/// Packs a GSE matmul's B operand once (frozen weights): gse_matmul with
/// prepacked_b=true then skips its per-call repacking. The packed extent in
/// columns is the output's; columns past B's hold mantissa 0.
class GsePackRhsGenerator : public RegisteredGenerator<GsePackRhsGenerator> {
public:
  GeneratorParam<bool> transposeB{"transpose_b", true};

  void configure() {
    declareArguments("gse_pack_rhs",
                     {{"transpose_b", settingOf(bool(transposeB))}});
  }

  void generate() {
    auto &b = input("b_mantissas");
    Expr cols = transposeB ? b.dim(1).extent() : b.dim(0).extent();
    packed = packGseRhs(b, cols, transposeB, vnniTarget(get_target()));
    output("packed") = packed;
  }

  void schedule() {
    Var kk = packed.args()[0], n = packed.args()[1], ko = packed.args()[2];
    Var koo("koo"), koi("koi"), nP("nP"), nPi("nPi");
    output("packed").dim(0).set_bounds(0, 4); // kk: one dot product's bytes
    packed.bound(kk, 0, 4)
        .split(ko, koo, koi, 16, TailStrategy::GuardWithIf)
        .split(n, nP, nPi, 64, TailStrategy::GuardWithIf)
        .reorder(kk, koi, nPi, koo, nP)
        .vectorize(kk)
        .parallel(nP);
  }

private:
  Func packed;
};

/// qt.ternary_product alone: dW = A B.
class TernaryProductGenerator
    : public RegisteredGenerator<TernaryProductGenerator> {
public:
  void configure() { declareArguments("ternary_product", {}); }

  void generate() {
    auto &a = input("a");
    out = defineTernaryProduct(a, input("b"), a.dim(0).extent());
    output("product") = out;
  }

  void schedule() {
    scheduleLotaStageCpu(out, get_target().natural_vector_size<int32_t>());
  }

private:
  Func out;
};

/// qt.masked_threshold alone.
class MaskedThresholdGenerator
    : public RegisteredGenerator<MaskedThresholdGenerator> {
public:
  GeneratorParam<int> bits{"bits", 4};

  void configure() {
    declareArguments("masked_threshold", {{"bits", settingOf(int(bits))}});
  }

  void generate() {
    out = defineMaskedThreshold(input("delta"), input("codes"),
                                cast<double>(scalar("omega")), bits);
    output("step") = out;
  }

  void schedule() {
    scheduleLotaStageCpu(out, get_target().natural_vector_size<int32_t>());
  }

private:
  Func out;
};

/// qt.lota_offset alone.
class LotaOffsetGenerator : public RegisteredGenerator<LotaOffsetGenerator> {
public:
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<k::OffsetScale> offsetScale =
      enumParam("offset_scale", k::OffsetScale::InvOmega);

  void configure() {
    declareArguments("lota_offset", {{"group", settingOf(int(group))},
                                     {"offset_scale",
                                      settingOf(k::OffsetScale(offsetScale))}});
  }

  void generate() {
    pipeline = defineLotaOffset(input("delta"), input("step"),
                                cast<double>(scalar("omega")), group,
                                offsetScale == k::OffsetScale::InvOmega);
    output("offset") = pipeline.offset;
  }

  void schedule() {
    scheduleLotaOffsetCpu(pipeline, get_target().natural_vector_size<float>());
  }

private:
  LotaOffsetPipeline pipeline;
};

/// qt.lota_merge alone (the scales are copied by the step).
class LotaApplyGenerator : public RegisteredGenerator<LotaApplyGenerator> {
public:
  GeneratorParam<k::ZeroForm> zero = enumParam("zero", k::ZeroForm::Int);

  void configure() {
    declareArguments("lota_apply", {{"zero", settingOf(k::ZeroForm(zero))}});
  }

  void generate() {
    merged = defineLotaApply(input("codes"), input("zeros"), input("scales"),
                             input("step"), input("offset"),
                             affineZeroOf(zero));
    output("merged_codes") = merged.first;
    output("merged_zeros") = merged.second;
  }

  void schedule() {
    int lanes = get_target().natural_vector_size<float>();
    scheduleLotaStageCpu(merged.first, lanes);
    scheduleLotaStageCpu(merged.second, lanes);
  }

private:
  std::pair<Func, Func> merged;
};

/// qt.lota_delta_grad alone, from a Gw in memory.
class LotaDeltaGradGenerator
    : public RegisteredGenerator<LotaDeltaGradGenerator> {
public:
  GeneratorParam<int> group{"group", 128};

  void configure() {
    declareArguments("lota_delta_grad", {{"group", settingOf(int(group))}});
  }

  void generate() {
    // The group means are computed whole vectors wide: Gw and the scales
    // read as their edge past N.
    Func gw = BoundaryConditions::repeat_edge(input("gw"));
    pipeline.product(pipeline.n, pipeline.m) = gw(pipeline.n, pipeline.m);
    addLotaDeltaGrad(pipeline, BoundaryConditions::repeat_edge(input("scales")),
                     group, scalar("offset_scale"));
    output("ddw") = pipeline.output;
  }

  void schedule() {
    scheduleF32MatmulEpilogueCpu(pipeline,
                                 get_target().natural_vector_size<float>());
  }

private:
  F32MatmulPipeline pipeline;
};

/// tensor.pad of a 2-D tensor with a constant.
class PadGenerator : public RegisteredGenerator<PadGenerator> {
public:
  GeneratorParam<k::LayoutType> type = enumParam("type", k::LayoutType::F32);

  void configure() {
    declareArguments("pad", {{"type", settingOf(k::LayoutType(type))}});
  }

  void generate() {
    out =
        definePad(input("in"), scalar("value"), scalar("low0"), scalar("low1"));
    output("out") = out;
  }

  void schedule() {
    scheduleRowsCpu(out, get_target().natural_vector_size(out.output_types()[0]));
  }

private:
  Func out;
};

/// tensor.extract_slice of a 2-D tensor.
class SliceGenerator : public RegisteredGenerator<SliceGenerator> {
public:
  GeneratorParam<k::LayoutType> type = enumParam("type", k::LayoutType::F32);

  void configure() {
    declareArguments("slice", {{"type", settingOf(k::LayoutType(type))}});
  }

  void generate() {
    out = defineSlice(input("in"), scalar("offset0"), scalar("offset1"),
                      scalar("stride0"), scalar("stride1"));
    output("out") = out;
  }

  void schedule() {
    scheduleRowsCpu(out, get_target().natural_vector_size(out.output_types()[0]));
  }

private:
  Func out;
};

} // namespace
} // namespace qtc::halide

HALIDE_REGISTER_GENERATOR(qtc::halide::GseMatmulGenerator, gse_matmul)
HALIDE_REGISTER_GENERATOR(qtc::halide::GsePackRhsGenerator, gse_pack_rhs)
HALIDE_REGISTER_GENERATOR(qtc::halide::F32MatmulGenerator, f32_matmul)
HALIDE_REGISTER_GENERATOR(qtc::halide::TSignSgdGenerator, tsign_sgd)
HALIDE_REGISTER_GENERATOR(qtc::halide::AdamWGenerator, adamw)
HALIDE_REGISTER_GENERATOR(qtc::halide::LotaMergeGenerator, lota_merge)
HALIDE_REGISTER_GENERATOR(qtc::halide::AffineMatmulGenerator, affine_matmul)
HALIDE_REGISTER_GENERATOR(qtc::halide::Nf4ToGseGenerator, nf4_to_gse)
HALIDE_REGISTER_GENERATOR(qtc::halide::GseQuantizeGenerator, gse_quantize)
HALIDE_REGISTER_GENERATOR(qtc::halide::GseRequantizeGenerator, gse_requantize)
HALIDE_REGISTER_GENERATOR(qtc::halide::ElementwiseGenerator, elementwise)
HALIDE_REGISTER_GENERATOR(qtc::halide::SumOfSquaresGenerator, sum_of_squares)
HALIDE_REGISTER_GENERATOR(qtc::halide::RMSNormGenerator, rmsnorm)
HALIDE_REGISTER_GENERATOR(qtc::halide::RMSNormGradGenerator, rmsnorm_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::WidenGenerator, widen)
HALIDE_REGISTER_GENERATOR(qtc::halide::SwiGLUGenerator, swiglu)
HALIDE_REGISTER_GENERATOR(qtc::halide::SwiGLUGradGenerator, swiglu_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::RopeGenerator, rope)
HALIDE_REGISTER_GENERATOR(qtc::halide::AttentionGenerator, attention)
HALIDE_REGISTER_GENERATOR(qtc::halide::AttentionGradGenerator, attention_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::BiasAddGenerator, bias_add)
HALIDE_REGISTER_GENERATOR(qtc::halide::RowSumGenerator, row_sum)
HALIDE_REGISTER_GENERATOR(qtc::halide::HeadLossGenerator, head_loss)
HALIDE_REGISTER_GENERATOR(qtc::halide::HeadLossGradGenerator, head_loss_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::EmbeddingGenerator, embedding)
HALIDE_REGISTER_GENERATOR(qtc::halide::EmbeddingGradGenerator, embedding_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::CrossEntropyGenerator, cross_entropy)
HALIDE_REGISTER_GENERATOR(qtc::halide::CrossEntropyGradGenerator, cross_entropy_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::PadGenerator, pad)
HALIDE_REGISTER_GENERATOR(qtc::halide::TernaryProductGenerator, ternary_product)
HALIDE_REGISTER_GENERATOR(qtc::halide::MaskedThresholdGenerator,
                          masked_threshold)
HALIDE_REGISTER_GENERATOR(qtc::halide::LotaOffsetGenerator, lota_offset)
HALIDE_REGISTER_GENERATOR(qtc::halide::LotaApplyGenerator, lota_apply)
HALIDE_REGISTER_GENERATOR(qtc::halide::LotaDeltaGradGenerator, lota_delta_grad)
HALIDE_REGISTER_GENERATOR(qtc::halide::SliceGenerator, slice)
