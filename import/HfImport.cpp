//===- HfImport.cpp - A Hugging Face checkpoint as a qt forward graph -----===//
//
// The graph transformers' LlamaForCausalLM / Qwen2ForCausalLM computes, in
// qt's token-major layout: [B, S] ids become T = B * S rows, each decoder
// layer is
//
//   n = rmsnorm(h); q, k, v = linear(n) (+ bias); q, k = rope(q), rope(k)
//   h += linear(attention(q, k, v))         (o_proj, + bias)
//   n = rmsnorm(h); h += down(swiglu(gate(n), up(n)))
//
// and the logits are lm_head(rmsnorm(h)), lm_head being embed_tokens when
// the embeddings are tied. Linear weights stay in HF's [out, in] layout and
// stored dtype (`weight_layout out_in`), or, with `affineBase`, a quantized
// projection is an `!qt.affine` [in, out] base (GPTQ's layout, which LoTA
// and QEFT read); norm weights, biases and the embedding table are widened
// to f32 where they are read.
//
//===----------------------------------------------------------------------===//
#include "import/HfImport.h"
#include "dialect/QtOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <set>

namespace qtc {

using namespace mlir;

namespace {

constexpr int64_t kIgnoreIndex = -100;

/// A weight the graph reads: its HF name and type (a float tensor, or an
/// `!qt.affine` base).
struct Weight {
  std::string name;
  Type type;
};

/// One decoder layer's weights, by their name within the layer
/// ("self_attn.q_proj.weight").
struct LayerWeights {
  std::vector<std::string> local;
  std::vector<Weight> weights;

  int index(StringRef name) const {
    for (size_t i = 0; i < local.size(); ++i)
      if (local[i] == name)
        return static_cast<int>(i);
    return -1;
  }
};

class ForwardBuilder {
public:
  ForwardBuilder(MLIRContext &context, const HfModelConfig &config,
                 const WeightCatalog &weights, const HfImportOptions &options)
      : ctx(context), b(&context), c(config), weights(weights),
        options(options), f32(b.getF32Type()) {}

  Status build(OwningOpRef<ModuleOp> &out, std::vector<std::string> &unused);

private:
  /// The named tensor, checked to exist with `shape` and a float dtype.
  Status weight(const std::string &name, ArrayRef<int64_t> shape,
                Weight &out);
  /// A decoder projection's [out, in] weight: as weight(), or its affine
  /// form with `affineBase`.
  Status projection(const std::string &name, ArrayRef<int64_t> shape,
                    Weight &out);
  bool has(const std::string &name) const { return weights.count(name); }
  Status layerWeights(int64_t layer, LayerWeights &out);
  func::FuncOp layerFunction(const LayerWeights &weights);

  Location loc(StringRef name) {
    return NameLoc::get(b.getStringAttr(name), b.getUnknownLoc());
  }
  RankedTensorType f32Tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32);
  }
  /// `value` as f32 (arith.extf when stored narrower).
  Value widen(Value value, Location at) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getElementType().isF32())
      return value;
    return b.create<arith::ExtFOp>(at, f32Tensor(type.getShape()), value);
  }
  /// x [T, in] times an [out, in] float weight or an [in, out] affine one,
  /// plus its bias when present.
  Value linear(Value x, Value weight, Value bias, Location at) {
    int64_t tokens = cast<RankedTensorType>(x.getType()).getDimSize(0);
    auto affine = dyn_cast<qt::AffineType>(weight.getType());
    int64_t outFeatures =
        affine ? affine.getOutFeatures()
               : cast<RankedTensorType>(weight.getType()).getDimSize(0);
    Value y = b.create<qt::LinearOp>(
        at, f32Tensor({tokens, outFeatures}), x, weight,
        qt::WeightLayoutAttr::get(&ctx, affine ? qt::WeightLayout::InOut
                                               : qt::WeightLayout::OutIn));
    if (bias)
      y = b.create<qt::BiasAddOp>(at, y.getType(), y, widen(bias, at));
    return y;
  }

  MLIRContext &ctx;
  OpBuilder b;
  const HfModelConfig &c;
  const WeightCatalog &weights;
  const HfImportOptions &options;
  Type f32;
  ModuleOp module;
  std::set<std::string> used;
  int64_t affineCount = 0; // projections bound as !qt.affine
  /// One layer function per distinct list of weight names and function
  /// type (types are uniqued: comparing them compares the signature).
  std::vector<std::pair<std::vector<std::string>, func::FuncOp>> layers;
};

Status ForwardBuilder::weight(const std::string &name,
                              ArrayRef<int64_t> shape, Weight &out) {
  auto found = weights.find(name);
  if (found == weights.end())
    return Status::error("the checkpoint has no tensor '" + name + "'");
  const WeightInfo *entry = &found->second;
  Type element;
  switch (entry->dtype) {
  case DType::F32:
    element = b.getF32Type();
    break;
  case DType::F16:
    element = b.getF16Type();
    break;
  case DType::BF16:
    element = b.getBF16Type();
    break;
  default:
    return Status::error("tensor '" + name + "' is " +
                         dtypeName(entry->dtype) +
                         "; model weights must be F32, F16 or BF16");
  }
  if (entry->shape != Shape(shape.begin(), shape.end()))
    return Status::error("tensor '" + name + "' has shape " +
                         formatShape(entry->shape) + ", the config implies " +
                         formatShape(Shape(shape.begin(), shape.end())));
  used.insert(name);
  out = {name, RankedTensorType::get(shape, element)};
  return Status::success();
}

Status ForwardBuilder::projection(const std::string &name,
                                  ArrayRef<int64_t> shape, Weight &out) {
  QTC_RETURN_IF_ERROR(weight(name, shape, out));
  const WeightInfo &info = weights.at(name);
  if (!options.affineBase || !info.affine)
    return Status::success();
  const AffineForm &form = *info.affine;
  // The catalog's form describes the [out, in] tensor just checked.
  if (form.out != shape[0] || form.in != shape[1])
    return Status::error("tensor '" + name + "' has an affine form of " +
                         std::to_string(form.out) + " x " +
                         std::to_string(form.in) + ", the config implies " +
                         std::to_string(shape[0]) + " x " +
                         std::to_string(shape[1]));
  out.type = qt::AffineType::get(
      &ctx, {form.in, form.out}, form.bits, static_cast<unsigned>(form.group),
      form.scaledZero ? qt::ZeroForm::Scaled : qt::ZeroForm::Int);
  ++affineCount;
  return Status::success();
}

Status ForwardBuilder::layerWeights(int64_t layer, LayerWeights &out) {
  std::string prefix = "model.layers." + std::to_string(layer) + ".";
  int64_t H = c.hiddenSize, I = c.intermediateSize;
  int64_t qWidth = c.numHeads * c.headDim, kvWidth = c.numKvHeads * c.headDim;
  struct Expected {
    const char *name;
    std::vector<int64_t> shape;
    bool optional;
  };
  // Biases are taken where the checkpoint has them: Qwen2's q/k/v, Llama's
  // attention_bias (q/k/v/o) and mlp_bias.
  const Expected expected[] = {
      {"input_layernorm.weight", {H}, false},
      {"self_attn.q_proj.weight", {qWidth, H}, false},
      {"self_attn.q_proj.bias", {qWidth}, true},
      {"self_attn.k_proj.weight", {kvWidth, H}, false},
      {"self_attn.k_proj.bias", {kvWidth}, true},
      {"self_attn.v_proj.weight", {kvWidth, H}, false},
      {"self_attn.v_proj.bias", {kvWidth}, true},
      {"self_attn.o_proj.weight", {H, qWidth}, false},
      {"self_attn.o_proj.bias", {H}, true},
      {"post_attention_layernorm.weight", {H}, false},
      {"mlp.gate_proj.weight", {I, H}, false},
      {"mlp.gate_proj.bias", {I}, true},
      {"mlp.up_proj.weight", {I, H}, false},
      {"mlp.up_proj.bias", {I}, true},
      {"mlp.down_proj.weight", {H, I}, false},
      {"mlp.down_proj.bias", {H}, true},
  };
  for (const Expected &e : expected) {
    std::string name = prefix + e.name;
    if (e.optional && !has(name))
      continue;
    Weight w;
    bool isProjection = e.shape.size() == 2;
    QTC_RETURN_IF_ERROR(isProjection ? projection(name, e.shape, w)
                                     : weight(name, e.shape, w));
    out.local.push_back(e.name);
    out.weights.push_back(w);
  }
  return Status::success();
}

func::FuncOp ForwardBuilder::layerFunction(const LayerWeights &weights) {
  int64_t T = options.batch * options.seqLen, H = c.hiddenSize;
  RankedTensorType hidden = f32Tensor({T, H});
  SmallVector<Type> inputs = {hidden};
  for (const Weight &w : weights.weights)
    inputs.push_back(w.type);
  FunctionType type = b.getFunctionType(inputs, {hidden});
  for (auto &[local, func] : layers)
    if (local == weights.local && func.getFunctionType() == type)
      return func;

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  std::string name = layers.empty()
                         ? "decoder_layer"
                         : "decoder_layer_" + std::to_string(layers.size());
  auto func = b.create<func::FuncOp>(loc("decoder_layer"), name, type);
  func.setPrivate();
  for (auto [i, local] : llvm::enumerate(weights.local))
    func.setArgAttr(i + 1, "qt.name", b.getStringAttr(local));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  auto arg = [&](StringRef local) -> Value {
    int i = weights.index(local);
    return i < 0 ? Value() : body->getArgument(i + 1);
  };
  auto proj = [&](Value x, StringRef module) {
    std::string base = module.str();
    return linear(x, arg(base + ".weight"), arg(base + ".bias"), loc(base));
  };
  auto norm = [&](Value x, StringRef module) {
    Location at = loc(module);
    return b.create<qt::RMSNormOp>(at, x.getType(), x, widen(arg(module.str() + ".weight"), at),
                                   b.getF32FloatAttr(c.rmsNormEps))
        .getResult();
  };
  auto rope = [&](Value x, int64_t heads, StringRef where) {
    qt::RopeLlama3Attr scaling;
    if (c.llama3)
      scaling = qt::RopeLlama3Attr::get(
          &ctx, APFloat(c.llama3->factor), APFloat(c.llama3->lowFreqFactor),
          APFloat(c.llama3->highFreqFactor), c.llama3->originalMaxPosition);
    return b.create<qt::RopeOp>(loc(where), x.getType(), x, Value(),
                                b.getI64IntegerAttr(heads),
                                b.getI64IntegerAttr(options.seqLen),
                                b.getF64FloatAttr(c.ropeTheta), scaling,
                                UnitAttr())
        .getResult();
  };

  Value h = body->getArgument(0);
  Value n = norm(h, "input_layernorm");
  Value q = rope(proj(n, "self_attn.q_proj"), c.numHeads, "self_attn.rope_q");
  Value k =
      rope(proj(n, "self_attn.k_proj"), c.numKvHeads, "self_attn.rope_k");
  Value v = proj(n, "self_attn.v_proj");
  Value a = b.create<qt::AttentionOp>(
      loc("self_attn"), q.getType(), q, k, v, b.getI64IntegerAttr(c.numHeads),
      b.getI64IntegerAttr(c.numKvHeads), b.getI64IntegerAttr(options.seqLen),
      FloatAttr());
  h = b.create<arith::AddFOp>(loc("self_attn.residual"), h,
                              proj(a, "self_attn.o_proj"));
  n = norm(h, "post_attention_layernorm");
  Value gate = proj(n, "mlp.gate_proj"), up = proj(n, "mlp.up_proj");
  Value act =
      b.create<qt::SwiGLUOp>(loc("mlp.act_fn"), gate.getType(), gate, up);
  h = b.create<arith::AddFOp>(loc("mlp.residual"), h,
                              proj(act, "mlp.down_proj"));
  b.create<func::ReturnOp>(loc("decoder_layer"), h);
  layers.emplace_back(weights.local, func);
  return func;
}

Status ForwardBuilder::build(OwningOpRef<ModuleOp> &out,
                             std::vector<std::string> &unused) {
  int64_t B = options.batch, S = options.seqLen, T = B * S;
  int64_t H = c.hiddenSize, V = c.vocabSize;
  module = ModuleOp::create(b.getUnknownLoc());
  OwningOpRef<ModuleOp> owned(module);

  // Every weight first, so that a missing or misshapen tensor is reported
  // before any IR is built.
  Weight embed, finalNorm, lmHead;
  QTC_RETURN_IF_ERROR(weight("model.embed_tokens.weight", {V, H}, embed));
  // Grown layer by layer: the config's layer count is only believed as far
  // as the checkpoint holds the layers' tensors.
  std::vector<LayerWeights> layerWeights;
  for (int64_t l = 0; l < c.numLayers; ++l)
    QTC_RETURN_IF_ERROR(this->layerWeights(l, layerWeights.emplace_back()));
  if (options.affineBase && !affineCount)
    return Status::error(
        "an affine base was asked for, but no decoder projection is stored "
        "in an affine form (GGUF Q4_0, Q4_1 or Q8_0; GPTQ without desc_act)");
  QTC_RETURN_IF_ERROR(weight("model.norm.weight", {H}, finalNorm));
  bool tied = c.tieWordEmbeddings;
  if (!tied) {
    if (!has("lm_head.weight"))
      return Status::error("the checkpoint has no 'lm_head.weight' and the "
                           "config does not tie the embeddings "
                           "(tie_word_embeddings false)");
    QTC_RETURN_IF_ERROR(weight("lm_head.weight", {V, H}, lmHead));
  }

  IntegerType idType = b.getIntegerType(options.idBits);
  SmallVector<Type> inputs = {RankedTensorType::get({B, S}, idType)};
  SmallVector<std::string> names = {"input_ids"};
  auto addWeight = [&](const Weight &w) {
    inputs.push_back(w.type);
    names.push_back(w.name);
    return inputs.size() - 1;
  };
  size_t embedArg = addWeight(embed);
  std::vector<std::vector<size_t>> layerArgs(c.numLayers);
  for (int64_t l = 0; l < c.numLayers; ++l)
    for (const Weight &w : layerWeights[l].weights)
      layerArgs[l].push_back(addWeight(w));
  size_t normArg = addWeight(finalNorm);
  size_t headArg = tied ? embedArg : addWeight(lmHead);
  size_t labelsArg = 0;
  if (options.labels) {
    inputs.push_back(RankedTensorType::get({B, S}, idType));
    names.push_back("labels");
    labelsArg = inputs.size() - 1;
  }
  SmallVector<Type> results;
  if (!options.lossOnly)
    results.push_back(f32Tensor({B, S, V}));
  if (options.labels)
    results.push_back(RankedTensorType::get({}, f32));

  b.setInsertionPointToEnd(module.getBody());
  auto forward = b.create<func::FuncOp>(loc("forward"), "forward",
                                        b.getFunctionType(inputs, results));
  // The checkpoint's weights are the frozen base every method trains
  // around; qt-apply-method adds the trainable parameters.
  for (auto [i, name] : llvm::enumerate(names)) {
    forward.setArgAttr(i, "qt.name", b.getStringAttr(name));
    auto tensor = dyn_cast<RankedTensorType>(inputs[i]);
    if (!tensor || isa<FloatType>(tensor.getElementType()))
      forward.setArgAttr(i, "qt.frozen", b.getUnitAttr());
  }
  Block *body = forward.addEntryBlock();
  b.setInsertionPointToStart(body);

  // Layer functions are created at the module's end; the forward stays
  // first.
  SmallVector<ReassociationIndices> rows = {{0, 1}};
  Value ids = b.create<tensor::CollapseShapeOp>(
      loc("input_ids"), RankedTensorType::get({T}, idType),
      body->getArgument(0), rows);
  Value table = widen(body->getArgument(embedArg), loc("model.embed_tokens"));
  Value h = b.create<qt::EmbeddingOp>(loc("model.embed_tokens"),
                                      f32Tensor({T, H}), table, ids);
  for (int64_t l = 0; l < c.numLayers; ++l) {
    func::FuncOp layer = layerFunction(layerWeights[l]);
    SmallVector<Value> operands = {h};
    for (size_t arg : layerArgs[l])
      operands.push_back(body->getArgument(arg));
    h = b.create<func::CallOp>(loc("model.layers." + std::to_string(l)),
                               layer, operands)
            .getResult(0);
  }
  Value normWeight = widen(body->getArgument(normArg), loc("model.norm"));
  h = b.create<qt::RMSNormOp>(loc("model.norm"), h.getType(), h, normWeight,
                              b.getF32FloatAttr(c.rmsNormEps));
  Value logits =
      linear(h, body->getArgument(headArg), Value(), loc("lm_head"));
  SmallVector<ReassociationIndices> split = {{0, 1}, {2}};
  SmallVector<Value> returned;
  if (!options.lossOnly)
    returned.push_back(b.create<tensor::ExpandShapeOp>(
        loc("lm_head"), f32Tensor({B, S, V}), logits, split));

  if (options.labels) {
    // transformers' ForCausalLMLoss: token t predicts label t + 1 of its
    // sequence; the last token of each sequence predicts nothing.
    Location at = loc("loss");
    Value labels = body->getArgument(labelsArg);
    auto sliceType = RankedTensorType::get({B, S - 1}, idType);
    Value next = b.create<tensor::ExtractSliceOp>(
        at, sliceType, labels, ValueRange(), ValueRange(), ValueRange(),
        b.getDenseI64ArrayAttr({0, 1}), b.getDenseI64ArrayAttr({B, S - 1}),
        b.getDenseI64ArrayAttr({1, 1}));
    Value ignore = b.create<arith::ConstantOp>(
        at, b.getIntegerAttr(idType, kIgnoreIndex));
    SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(1)};
    Value shifted = b.create<tensor::PadOp>(
        at, RankedTensorType::get({B, S}, idType), next, low, high, ignore);
    Value flat = b.create<tensor::CollapseShapeOp>(
        at, RankedTensorType::get({T}, idType), shifted, rows);
    returned.push_back(b.create<qt::CrossEntropyOp>(
        at, RankedTensorType::get({}, f32), logits, flat,
        b.getI64IntegerAttr(kIgnoreIndex)));
  }
  b.create<func::ReturnOp>(loc("forward"), returned);

  for (const auto &[name, info] : weights)
    if (!used.count(name))
      unused.push_back(name);
  out = std::move(owned);
  return Status::success();
}

} // namespace

Status importHfModel(MLIRContext &context, const HfModelConfig &config,
                     const WeightCatalog &weights,
                     const HfImportOptions &options,
                     OwningOpRef<ModuleOp> &out,
                     std::vector<std::string> &unused) {
  if (options.batch < 1 || options.seqLen < 2)
    return Status::error("--batch must be at least 1 and --seq-len at least "
                         "2, got " +
                         std::to_string(options.batch) + " and " +
                         std::to_string(options.seqLen));
  // T * vocab logits must be addressable; keep every extent within 2^31.
  int64_t tokens = 0, logits = 0;
  if (__builtin_mul_overflow(options.batch, options.seqLen, &tokens) ||
      tokens > (int64_t(1) << 31) ||
      __builtin_mul_overflow(tokens, config.vocabSize, &logits))
    return Status::error("--batch " + std::to_string(options.batch) +
                         " x --seq-len " + std::to_string(options.seqLen) +
                         " tokens are too many");
  if (options.idBits != 32 && options.idBits != 64)
    return Status::error("token ids are i32 or i64");
  if (options.lossOnly && !options.labels)
    return Status::error("--loss-only needs --labels");
  return ForwardBuilder(context, config, weights, options)
      .build(out, unused);
}

} // namespace qtc
