//===- KernelGenerators.cpp - Halide generators of qtc's kernels ----------===//
//
// Each generator reads the storage of qt IR values (mantissas, exponents,
// codes, scales, ...) as Halide buffers, builds the algorithm from its
// builder and picks the schedule of the target it is compiled for.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/AdamW.h"
#include "codegen/halide/AffineMatmul.h"
#include "codegen/halide/Elementwise.h"
#include "codegen/halide/F32Matmul.h"
#include "codegen/halide/GlobalNorm.h"
#include "codegen/halide/GseMatmul.h"
#include "codegen/halide/GseQuantize.h"
#include "codegen/halide/LotaMerge.h"
#include "codegen/halide/TSignSgd.h"

using namespace Halide;

namespace qtc::halide {
namespace {

/// qt.matmul of two GSE operands.
class GseMatmulGenerator : public Generator<GseMatmulGenerator> {
public:
  GeneratorParam<int> group{"group", 32};
  GeneratorParam<std::string> accumulate{"accumulate", "f32"};
  GeneratorParam<bool> transposeA{"transpose_a", false};
  GeneratorParam<bool> transposeB{"transpose_b", false};
  /// "gemv": 1..8 rows of A, f32 accumulation, transpose_b layout only.
  GeneratorParam<std::string> shape{"shape", "gemm"};
  /// B's mantissas come packed by gse_pack_rhs (3-D), not as stored.
  GeneratorParam<bool> prepackedB{"prepacked_b", false};
  /// C times the scalar input "scale" (a fused arith.mulf epilogue).
  GeneratorParam<bool> epilogueScale{"epilogue_scale", false};

  Input<Buffer<int8_t>> aMantissas{"a_mantissas", 2};
  Input<Buffer<int8_t>> aExponents{"a_exponents", 2};
  Input<Buffer<>> bMantissas{"b_mantissas"}; // i8 [.., ..], or packed u8 3-D
  Input<Buffer<int8_t>> bExponents{"b_exponents", 2};
  Output<Buffer<float>> c{"c", 2};

  void configure() {
    bool packedUnsigned =
        prepackedB && get_target().arch == Target::X86 &&
        get_target().has_feature(Target::AVX512_SapphireRapids);
    bMantissas.set_type(packedUnsigned ? UInt(8) : Int(8));
    bMantissas.set_dimensions(prepackedB ? 3 : 2);
    if (epilogueScale)
      scale = add_input<float>("scale");
  }

  void generate() {
    options.group = group;
    options.prepackedRhs = prepackedB;
    options.wideInt = std::string(accumulate) == "wide_int";
    options.transposeA = transposeA;
    options.transposeB = transposeB;
    options.unsignedRhs =
        get_target().arch == Target::X86 &&
        get_target().has_feature(Target::AVX512_SapphireRapids) &&
        !get_target().has_gpu_feature();
    options.termViaF64 = get_target().has_gpu_feature();
    if (scale)
      options.outputScale = *scale;
    Expr K =
        transposeA ? aMantissas.dim(1).extent() : aMantissas.dim(0).extent();
    if (gemv()) {
      _halide_user_assert(!options.wideInt && !options.transposeA &&
                          options.transposeB)
          << "gse_matmul shape=gemv is the f32 X W^T form only";
      gemvPipeline = defineGseGemv(aMantissas, aExponents, bMantissas,
                                   bExponents, K, group, options.unsignedRhs);
      c = gemvPipeline.output;
      return;
    }
    // A packed B covers every column a tile reads: no boundary check there,
    // and its layout is dense (kk, n, ko), so 16 columns x 4 k load as one
    // 64-byte vector.
    if (prepackedB) {
      bMantissas.dim(0).set_bounds(0, 4).set_stride(1);
      bMantissas.dim(1).set_stride(4);
    }
    Func b = prepackedB ? Func(bMantissas) : zeroOutside(bMantissas);
    pipeline = defineGseMatmul(zeroOutside(aMantissas), zeroOutside(aExponents),
                               b, zeroOutside(bExponents), K, options);
    c = pipeline.output;
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
  bool gemv() const { return std::string(shape) == "gemv"; }

  GeneratorInput<float> *scale = nullptr;
  GseMatmulOptions options;
  GseMatmulPipeline pipeline;
  GseGemvPipeline gemvPipeline;
};

GseQuantizeOptions gseQuantizeOptions(int axis, int bits, int group,
                                      int expBits, const std::string &expRule,
                                      const std::string &rounding) {
  GseQuantizeOptions options;
  options.axis = axis;
  options.bits = bits;
  options.group = group;
  options.expBits = expBits;
  options.ceilRule = expRule == "ceil";
  options.rounding = rounding == "stochastic" ? GseRounding::Stochastic
                     : rounding == "rna"      ? GseRounding::RNA
                                              : GseRounding::RNE;
  return options;
}

/// qt.quantize of a 2-D f32 tensor to !qt.gse.
class GseQuantizeGenerator : public Generator<GseQuantizeGenerator> {
public:
  GeneratorParam<int> axis{"axis", 1};
  GeneratorParam<int> bits{"bits", 8};
  GeneratorParam<int> group{"group", 32};
  GeneratorParam<int> expBits{"exp_bits", 8};
  GeneratorParam<std::string> expRule{"exp_rule", "floor"};
  GeneratorParam<std::string> rounding{"rounding", "rne"};

  Input<Buffer<float>> x{"x", 2};
  Input<uint64_t> seed{"seed"};
  Output<Buffer<int8_t>> mantissas{"mantissas", 2};
  Output<Buffer<int8_t>> exponents{"exponents", 2};

  void generate() {
    options = gseQuantizeOptions(axis, bits, group, expBits, expRule, rounding);
    // A GPU kernel cannot report a NaN: the host checks the input first.
    options.hostCheck = get_target().has_gpu_feature();
    pipeline = defineGseQuantize(x, x.dim(0).extent(), seed, options,
                                 x.dim(1).extent());
    mantissas = pipeline.mantissas;
    exponents = pipeline.exponents;
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
class GseRequantizeGenerator : public Generator<GseRequantizeGenerator> {
public:
  GeneratorParam<int> fromAxis{"from_axis", 1};
  GeneratorParam<int> fromGroup{"from_group", 32};
  GeneratorParam<int> axis{"axis", 0};
  GeneratorParam<int> bits{"bits", 8};
  GeneratorParam<int> group{"group", 32};
  GeneratorParam<int> expBits{"exp_bits", 8};
  GeneratorParam<std::string> expRule{"exp_rule", "floor"};
  GeneratorParam<std::string> rounding{"rounding", "rne"};

  Input<Buffer<int8_t>> inMantissas{"in_mantissas", 2};
  Input<Buffer<int8_t>> inExponents{"in_exponents", 2};
  Input<uint64_t> seed{"seed"};
  Output<Buffer<int8_t>> mantissas{"mantissas", 2};
  Output<Buffer<int8_t>> exponents{"exponents", 2};

  void generate() {
    options = gseQuantizeOptions(axis, bits, group, expBits, expRule, rounding);
    Func values = gseValues(inMantissas, inExponents, fromAxis, fromGroup);
    pipeline =
        defineGseQuantize(values, inMantissas.dim(0).extent(), seed, options);
    mantissas = pipeline.mantissas;
    exponents = pipeline.exponents;
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
class ElementwiseGenerator : public Generator<ElementwiseGenerator> {
public:
  GeneratorParam<std::string> op{"op", "add"};

  Input<Buffer<float>> a{"a", 1};
  Input<Buffer<float>> b{"b", 1}; // unused by scale and neg
  Input<float> s{"s"};            // scale only
  Output<Buffer<float>> out{"out", 1};

  void generate() { out = defineElementwise(op, a, b, s); }

  void schedule() {
    scheduleElementwiseCpu(out, get_target().natural_vector_size<float>());
  }
};

/// One operand's sum of squares for qt.global_norm (t-SignSGD's norm).
class SumOfSquaresGenerator : public Generator<SumOfSquaresGenerator> {
public:
  Input<Buffer<float>> x{"x", 1};
  Output<Buffer<double>> sum{"sum", 0};

  void generate() { sum = defineSumOfSquares(x, x.dim(0).extent()); }
};

/// qt.requantize of an NF4 base weight to !qt.gse: the GSQ forward's cast
/// on load, with no f32 copy of the weight in memory.
class Nf4ToGseGenerator : public Generator<Nf4ToGseGenerator> {
public:
  GeneratorParam<int> block{"block", 64};
  GeneratorParam<int> axis{"axis", 0};
  GeneratorParam<int> group{"group", 32};

  Input<Buffer<int8_t>> codes{"codes", 1};
  Input<Buffer<float>> absmax{"absmax", 1};
  Input<int32_t> cols{"cols"};
  Output<Buffer<int8_t>> mantissas{"mantissas", 2};
  Output<Buffer<int8_t>> exponents{"exponents", 2};

  void generate() {
    options.axis = axis;
    options.group = group;
    Func values = nf4Values(codes, absmax, cols, block);
    pipeline = defineGseQuantize(values, cols, cast<uint64_t>(0), options);
    mantissas = pipeline.mantissas;
    exponents = pipeline.exponents;
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
class AffineMatmulGenerator : public Generator<AffineMatmulGenerator> {
public:
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<std::string> zero{"zero", "int"};
  GeneratorParam<bool> weakRows{"weak_rows", false};
  /// "gemv": the schedule for a few rows (the forward sums by groups, dX as
  /// dot products); callers pick it by row count (ScheduleThresholds.h).
  GeneratorParam<std::string> shape{"shape", "gemm"};
  /// y = x W^T (the backward dX) instead of y = x W.
  GeneratorParam<bool> transposed{"transposed", false};
  /// 0: codes one per byte (i8); 2, 4, 8: GPTQ qweight words (i32).
  GeneratorParam<int> packedBits{"packed_bits", 0};

  Input<Buffer<float>> x{"x", 2};
  Input<Buffer<>> codes{"codes", 2};
  Input<Buffer<float>> scales{"scales", 2};
  Input<Buffer<>> zeros{"zeros", 2}; // int8 (int zeros) or float32 (zeros.type)
  Input<Buffer<uint16_t>> weak{"weak", 2}; // f16 bits; unused without weak_rows
  Output<Buffer<float>> y{"y", 2};

  void configure() { codes.set_type(packedBits ? Int(32) : Int(8)); }

  void generate() {
    options.group = group;
    std::string form = zero;
    options.zero = form == "float"    ? AffineZero::Float
                   : form == "scaled" ? AffineZero::Scaled
                                      : AffineZero::Int;
    options.weakRows = weakRows;
    options.packedBits = packedBits;
    Func weakF16("weak_f16");
    weakF16(n, j) = reinterpret<float16_t>(weak(n, j));
    Expr weakCount = weakRows ? weak.dim(1).extent() : Expr(0);
    Expr K = packedBits ? codes.dim(1).extent() * (32 / packedBits)
                        : codes.dim(1).extent();
    Func xEdge = BoundaryConditions::repeat_edge(x);
    // The GEMV schedules read x in bounds only: unclamped, its vector loads
    // stay dense (a clamped index against another buffer's extent became a
    // gather, 17x slower for the transposed product).
    bool inBounds = gemv() && !get_target().has_gpu_feature();
    if (transposed)
      pipeline = defineAffineMatmulTransposed(
          inBounds ? Func(x) : xEdge, codes, scales, zeros, weakF16,
          codes.dim(0).extent(), K, weakCount, options);
    else if (inBounds)
      pipeline =
          defineAffineMatmulByGroups(x, codes, scales, zeros, weakF16,
                                     x.dim(0).extent(), weakCount, options);
    else
      pipeline = defineAffineMatmul(xEdge, codes, scales, zeros, weakF16,
                                    x.dim(0).extent(), weakCount, options);
    y = pipeline.output;
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
  bool gemv() const { return std::string(shape) == "gemv"; }

  Var n{"n"}, j{"j"};
  AffineMatmulOptions options;
  AffineMatmulPipeline pipeline;
};

/// LoTA-QAF's merge: ternary_product, masked_threshold, lota_offset and
/// lota_merge (zero = float) in one pipeline.
class LotaMergeGenerator : public Generator<LotaMergeGenerator> {
public:
  GeneratorParam<int> bits{"bits", 4};
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<std::string> offsetScale{"offset_scale", "inv_omega"};

  Input<Buffer<int8_t>> codes{"codes", 2};
  Input<Buffer<int8_t>> zeros{"zeros", 2};
  Input<Buffer<int8_t>> a{"a", 2};
  Input<Buffer<int8_t>> b{"b", 2};
  Input<float> omega{"omega"};
  Output<Buffer<int8_t>> mergedCodes{"merged_codes", 2};
  Output<Buffer<float>> mergedZeros{"merged_zeros", 2};

  void generate() {
    options.bits = bits;
    options.group = group;
    options.invOmega = std::string(offsetScale) == "inv_omega";
    pipeline = defineLotaMerge(codes, zeros, a, b, a.dim(0).extent(),
                               cast<double>(omega), options);
    mergedCodes = pipeline.codes;
    mergedZeros = pipeline.zeros;
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
class AdamWGenerator : public Generator<AdamWGenerator> {
public:
  GeneratorParam<std::string> paramType{"param_type", "f32"};

  Input<Buffer<>> param{"param", 1}; // f32 or f16 (param.type)
  Input<Buffer<float>> grad{"grad", 1};
  Input<Buffer<float>> m{"m", 1};
  Input<Buffer<float>> v{"v", 1};
  Input<double> lr{"lr"}, beta1{"beta1"}, beta2{"beta2"}, eps{"eps"},
      weightDecay{"weight_decay"}, correction1{"correction1"},
      correction2{"correction2"};
  Output<Buffer<>> newParam{"new_param", 1};
  Output<Buffer<float>> newM{"new_m", 1};
  Output<Buffer<float>> newV{"new_v", 1};

  void configure() {
    Type t = std::string(paramType) == "f16" ? Float(16) : Float(32);
    param.set_type(t);
    newParam.set_type(t);
  }

  void generate() {
    pipeline = defineAdamW(
        param, grad, m, v,
        {lr, beta1, beta2, eps, weightDecay, correction1, correction2},
        std::string(paramType) == "f16");
    newParam = pipeline.param;
    newM = pipeline.m;
    newV = pipeline.v;
  }

  void schedule() {
    scheduleAdamWCpu(pipeline, get_target().natural_vector_size<float>());
  }

private:
  AdamWPipeline pipeline;
};

/// qt.tsign_sgd over a flat view of a ternary adapter.
class TSignSgdGenerator : public Generator<TSignSgdGenerator> {
public:
  Input<Buffer<int8_t>> param{"param", 1};
  Input<Buffer<float>> grad{"grad", 1};
  Input<int64_t> step{"step"};
  Input<int64_t> totalSteps{"total_steps"};
  Input<float> gradNorm{"grad_norm"};
  Output<Buffer<int8_t>> newParam{"new_param", 1};

  void generate() {
    pipeline = defineTSignSgd(param, grad, grad.dim(0).extent(), step,
                              totalSteps, gradNorm);
    newParam = pipeline.param;
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
class F32MatmulGenerator : public Generator<F32MatmulGenerator> {
public:
  GeneratorParam<bool> transposeA{"transpose_a", false};
  GeneratorParam<bool> transposeB{"transpose_b", false};
  GeneratorParam<bool> lotaDeltaGrad{"lota_delta_grad", false};
  GeneratorParam<int> group{"group", 128};
  GeneratorParam<bool> ternaryA{"ternary_a", false};
  GeneratorParam<bool> ternaryB{"ternary_b", false};
  /// C times the scalar input "scale" (a fused arith.mulf epilogue).
  GeneratorParam<bool> epilogueScale{"epilogue_scale", false};

  Input<Buffer<>> a{"a", 2};                 // f32, or i8 with ternary_a
  Input<Buffer<>> b{"b", 2};                 // f32, or i8 with ternary_b
  Input<Buffer<float>> scales{"scales", 2};  // lota_delta_grad only
  Input<double> offsetScale{"offset_scale"}; // 1/omega or 1; same
  Output<Buffer<float>> c{"c", 2};

  void configure() {
    a.set_type(ternaryA ? Int(8) : Float(32));
    b.set_type(ternaryB ? Int(8) : Float(32));
    if (epilogueScale)
      scale = add_input<float>("scale");
  }

  void generate() {
    Expr K = transposeA ? a.dim(1).extent() : a.dim(0).extent();
    Func aF("a_f32"), bF("b_f32");
    Func aEdge = BoundaryConditions::repeat_edge(a);
    Func bEdge = BoundaryConditions::repeat_edge(b);
    aF(x, y) = cast<float>(aEdge(x, y));
    bF(x, y) = cast<float>(bEdge(x, y));
    pipeline = defineF32Matmul(aF, bF, K, transposeA, transposeB,
                               scale ? Expr(*scale) : Expr());
    if (lotaDeltaGrad)
      addLotaDeltaGrad(pipeline, scales, group, offsetScale);
    c = pipeline.output;
  }

  void schedule() {
    scheduleF32MatmulCpu(pipeline, get_target().natural_vector_size<float>(),
                         lotaDeltaGrad);
  }

private:
  Var x{"x"}, y{"y"};
  GeneratorInput<float> *scale = nullptr;
  F32MatmulPipeline pipeline;
};

/// Packs a GSE matmul's B operand once (frozen weights): gse_matmul with
/// prepacked_b=true then skips its per-call repacking. The packed extent in
/// columns is the output's; columns past B's hold mantissa 0.
class GsePackRhsGenerator : public Generator<GsePackRhsGenerator> {
public:
  GeneratorParam<bool> transposeB{"transpose_b", true};

  Input<Buffer<int8_t>> bMantissas{"b_mantissas", 2};
  Output<Buffer<>> packed{"packed", 3};

  void configure() { packed.set_type(unsignedRhs() ? UInt(8) : Int(8)); }

  void generate() {
    Expr cols =
        transposeB ? bMantissas.dim(1).extent() : bMantissas.dim(0).extent();
    packed = packGseRhs(bMantissas, cols, transposeB, unsignedRhs());
  }

  void schedule() {
    Var kk = packed.args()[0], n = packed.args()[1], ko = packed.args()[2];
    Var koo("koo"), koi("koi"), nP("nP"), nPi("nPi");
    packed.dim(0).set_bounds(0, 4); // kk: the 4 bytes of one dot product
    packed.bound(kk, 0, 4)
        .split(ko, koo, koi, 16, TailStrategy::GuardWithIf)
        .split(n, nP, nPi, 64, TailStrategy::GuardWithIf)
        .reorder(kk, koi, nPi, koo, nP)
        .vectorize(kk)
        .parallel(nP);
  }

private:
  bool unsignedRhs() const {
    return get_target().arch == Target::X86 &&
           get_target().has_feature(Target::AVX512_SapphireRapids);
  }
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
