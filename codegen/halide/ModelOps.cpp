//===- ModelOps.cpp - The model ops' kernels and gradients ----------------===//
#include "codegen/halide/ModelOps.h"
#include "codegen/halide/Elementwise.h"
#include "codegen/halide/Layout.h"

using namespace Halide;

namespace qtc::halide {

namespace {

Expr f64(Expr e) { return cast<double>(e); }

/// 1 / sqrt(mean_d x(d, t)^2 + eps) per row, in f64, summed in order.
Func inverseRms(Func x, Expr width, Expr eps, const char *name) {
  Var t("t");
  RDom d(0, width, "d");
  Func sumSquares(std::string(name) + "_sum_squares");
  Expr v = f64(x(d, t));
  sumSquares(t) = Expr(0.0);
  sumSquares(t) = strict_float(sumSquares(t) + v * v);
  Func inv(name);
  inv(t) = strict_float(Expr(1.0) / sqrt(sumSquares(t) / f64(width) + f64(eps)));
  return inv;
}

} // namespace

RMSNorm defineRMSNorm(Func x, Func w, Expr width, Expr eps) {
  Var d("d"), t("t");
  RMSNorm norm;
  norm.inv = inverseRms(x, width, eps, "rmsnorm_inv");
  norm.y = Func("rmsnorm");
  norm.y(d, t) =
      cast<float>(strict_float(f64(x(d, t)) * norm.inv(t) * f64(w(d))));
  return norm;
}

RMSNormGrad defineRMSNormGrad(Func x, Func w, Func dy, Expr width,
                              Expr tokens, Expr eps) {
  Var d("d"), t("t");
  RMSNormGrad g;
  g.inv = inverseRms(x, width, eps, "rmsnorm_grad_inv");
  RDom rd(0, width, "rd");
  g.dot = Func("rmsnorm_grad_dot");
  g.dot(t) = Expr(0.0);
  g.dot(t) =
      strict_float(g.dot(t) + f64(dy(rd, t)) * f64(w(rd)) * f64(x(rd, t)));
  Expr inv = g.inv(t);
  g.dx = Func("rmsnorm_dx");
  g.dx(d, t) = cast<float>(
      strict_float(inv * f64(dy(d, t)) * f64(w(d)) -
                   inv * inv * inv * f64(x(d, t)) * g.dot(t) / f64(width)));
  RDom rt(0, tokens, "rt");
  Func &dwSum = g.dwSum;
  dwSum = Func("rmsnorm_dw_sum");
  dwSum(d) = Expr(0.0);
  dwSum(d) = strict_float(dwSum(d) + f64(dy(d, rt)) * f64(x(d, rt)) * g.inv(rt));
  g.dw = Func("rmsnorm_dw");
  g.dw(d) = cast<float>(dwSum(d));
  return g;
}

Func defineSwiGLU(Func gate, Func up) {
  Var i("i");
  Func out("swiglu");
  Expr g = gate(i);
  out(i) = g / (1.0f + exp(-g)) * up(i);
  return out;
}

SwiGLUGrad defineSwiGLUGrad(Func gate, Func up, Func dy) {
  Var i("i");
  Expr g = gate(i);
  Expr sig = 1.0f / (1.0f + exp(-g));
  SwiGLUGrad grad;
  grad.dup = Func("swiglu_dup");
  grad.dup(i) = dy(i) * g * sig;
  grad.dgate = Func("swiglu_dgate");
  grad.dgate(i) = dy(i) * up(i) * sig * (1.0f + g * (1.0f - sig));
  return grad;
}

void scheduleRMSNormCpu(RMSNorm norm, int lanes) {
  scheduleRowsCpu(norm.y, lanes);
  norm.inv.compute_at(norm.y, norm.y.args()[1]);
}

void scheduleRMSNormGradCpu(RMSNormGrad grad, int lanes) {
  Var row = grad.dot.args()[0];
  grad.inv.compute_root().parallel(grad.inv.args()[0]);
  grad.dot.compute_root().parallel(row);
  grad.dot.update().parallel(row);
  scheduleRowsCpu(grad.dx, lanes);
  // dw reduces over the tokens: columns in parallel blocks, each a
  // vector of columns accumulated down the rows.
  Var dw = grad.dw.args()[0], dwo("dwo"), dwi("dwi");
  grad.dw.split(dw, dwo, dwi, lanes, TailStrategy::GuardWithIf)
      .parallel(dwo)
      .vectorize(dwi);
  Func dwSum = grad.dwSum;
  Var column = dwSum.args()[0];
  dwSum.compute_at(grad.dw, dwo)
      .vectorize(column, lanes, TailStrategy::GuardWithIf);
  dwSum.update().vectorize(column, lanes, TailStrategy::GuardWithIf);
}

void scheduleSwiGLUGradCpu(SwiGLUGrad grad, int lanes) {
  scheduleElementwiseCpu(grad.dgate, lanes);
  scheduleElementwiseCpu(grad.dup, lanes);
}

Rope defineRope(Func x, Func invFreq, Expr heads, Expr width, Expr seqLen,
                Expr sign) {
  Var d("d"), t("t"), i("i");
  Expr headDim = width / heads, half = headDim / 2;
  Rope rope;
  Expr angle = strict_float(f64(sign) * f64(t % seqLen) * invFreq(i));
  rope.cosine = Func("rope_cos");
  rope.cosine(i, t) = cos(angle);
  rope.sine = Func("rope_sin");
  rope.sine(i, t) = sin(angle);
  Expr within = d % headDim, base = d - within;
  Expr first = within < half;
  // Clamped so that bounds inference sees [0, half): the table's extent.
  Expr pair = clamp(select(first, within, within - half), 0, half - 1);
  Expr x1 = f64(x(clamp(base + pair, 0, width - 1), t));
  Expr x2 = f64(x(clamp(base + pair + half, 0, width - 1), t));
  Expr c = rope.cosine(pair, t), sn = rope.sine(pair, t);
  rope.y = Func("rope");
  rope.y(d, t) = cast<float>(
      select(first, strict_float(x1 * c - x2 * sn), strict_float(x2 * c + x1 * sn)));
  return rope;
}

Func defineBiasAdd(Func x, Func bias) {
  Var d("d"), t("t");
  Func y("bias_add");
  y(d, t) = cast<float>(strict_float(f64(x(d, t)) + f64(bias(d))));
  return y;
}

Func defineRowSum(Func x, Expr tokens) {
  Var d("d");
  RDom rt(0, tokens, "rt");
  Func sum("row_sum_f64");
  sum(d) = Expr(0.0);
  sum(d) = strict_float(sum(d) + f64(x(d, rt)));
  Func out("row_sum");
  out(d) = cast<float>(sum(d));
  return out;
}

Func defineEmbedding(Func table, Func ids, Expr vocab) {
  Var d("d"), t("t");
  Expr id = ids(t);
  Expr inside = id >= 0 && id < cast(id.type(), vocab);
  Func out("embedding");
  out(d, t) = require(inside,
                      table(d, clamp(cast<int32_t>(id), 0, vocab - 1)),
                      "token id", id, "at position", t,
                      "is outside the vocabulary of", vocab);
  return out;
}

EmbeddingGrad defineEmbeddingGrad(Func ids, Func dy, Expr vocab,
                                  Expr tokens) {
  Var d("d"), v("v");
  RDom rt(0, tokens, "rt");
  EmbeddingGrad g;
  g.sums = Func("embedding_grad_sums");
  g.sums(d, v) = Expr(0.0);
  Expr id = ids(rt);
  Expr inside = id >= 0 && id < cast(id.type(), vocab);
  Expr row = clamp(cast<int32_t>(id), 0, vocab - 1);
  g.sums(d, row) = require(inside, strict_float(g.sums(d, row) + f64(dy(d, rt))),
                           "token id", id, "at position", rt.x,
                           "is outside the vocabulary of", vocab);
  g.dtable = Func("embedding_grad");
  g.dtable(d, v) = cast<float>(g.sums(d, v));
  return g;
}

namespace {

/// Per row t of logits(v, t): the max, then max + log(sum exp(l - max)),
/// both in f64 in column order (the reference's logSumExp).
void logSumExp(Func logits, Expr vocab, Func &rowMax, Func &lse) {
  Var t("t");
  RDom rv(0, vocab, "rv");
  rowMax = Func("ce_max");
  rowMax(t) = f64(Float(64).min());
  rowMax(t) = max(rowMax(t), f64(logits(rv, t)));
  Func sum("ce_sum_exp");
  sum(t) = Expr(0.0);
  sum(t) = strict_float(sum(t) + exp(f64(logits(rv, t)) - rowMax(t)));
  lse = Func("ce_lse");
  lse(t) = strict_float(rowMax(t) + log(sum(t)));
}

Expr labelChecked(Func labels, Expr t, Expr vocab, Expr ignoreIndex) {
  Expr label = labels(t);
  Expr ignored = label == cast(label.type(), ignoreIndex);
  Expr inside = label >= 0 && label < cast(label.type(), vocab);
  return require(ignored || inside, label, "label", label, "at position", t,
                 "is outside the vocabulary of", vocab,
                 "and not the ignore index", ignoreIndex);
}

} // namespace

CrossEntropy defineCrossEntropy(Func logits, Func labels, Expr vocab,
                                Expr tokens, Expr ignoreIndex) {
  Var t("t");
  CrossEntropy ce;
  logSumExp(logits, vocab, ce.rowMax, ce.lse);
  Expr label = labelChecked(labels, t, vocab, ignoreIndex);
  ce.counted = Func("ce_counted");
  ce.counted(t) = label != cast(label.type(), ignoreIndex);
  Func term("ce_term");
  term(t) = select(ce.counted(t),
                   strict_float(ce.lse(t) -
                                f64(logits(clamp(cast<int32_t>(label), 0,
                                                 vocab - 1),
                                           t))),
                   Expr(0.0));
  RDom rt(0, tokens, "rt");
  Func total("ce_total"), count("ce_count");
  total() = Expr(0.0);
  total() = strict_float(total() + term(rt));
  count() = 0;
  count() += select(ce.counted(rt), 1, 0);
  ce.loss = Func("cross_entropy");
  ce.loss() = cast<float>(
      select(count() > 0, strict_float(total() / f64(count())), Expr(0.0)));
  return ce;
}

CrossEntropyGrad defineCrossEntropyGrad(Func logits, Func labels, Expr dloss,
                                        Expr vocab, Expr tokens,
                                        Expr ignoreIndex) {
  Var v("v"), t("t");
  CrossEntropyGrad g;
  logSumExp(logits, vocab, g.rowMax, g.lse);
  RDom rt(0, tokens, "rt");
  g.count = Func("ce_grad_count");
  Expr rowLabel = labels(rt);
  g.count() = 0;
  g.count() += select(rowLabel != cast(rowLabel.type(), ignoreIndex), 1, 0);
  Expr label = labelChecked(labels, t, vocab, ignoreIndex);
  Expr counted = label != cast(label.type(), ignoreIndex);
  Expr p = strict_float(exp(f64(logits(v, t)) - g.lse(t)) -
                        select(cast<int64_t>(v) == cast<int64_t>(label),
                               Expr(1.0), Expr(0.0)));
  g.dlogits = Func("cross_entropy_grad");
  g.dlogits(v, t) = select(
      counted,
      cast<float>(strict_float(p * f64(dloss) / f64(g.count()))), 0.0f);
  return g;
}

namespace {

/// Where query token t's sequence starts (written so that bounds inference
/// sees it is at least 0).
Expr sequenceStart(Expr t, Expr seqLen) { return (t / seqLen) * seqLen; }

} // namespace

Attention defineAttention(Func q, Func k, Func v, Expr heads, Expr kvHeads,
                          Expr headDim, Expr seqLen, Expr scale) {
  Var j("j"), h("h"), t("t"), d("d");
  Expr group = heads / kvHeads;
  Expr start = sequenceStart(t, seqLen), position = t % seqLen;
  Attention a;
  // score(j, h, t) = scale * q_t . k_(start + j) over head h's D columns.
  RDom rd(0, headDim, "rd");
  Func dot("attention_dot");
  dot(j, h, t) = Expr(0.0);
  dot(j, h, t) = strict_float(
      dot(j, h, t) +
      f64(q(h * headDim + rd, t)) *
          f64(k((h / group) * headDim + rd, start + min(j, position))));
  a.score = Func("attention_score");
  a.score(j, h, t) = strict_float(dot(j, h, t) * f64(scale));
  // Causal: keys 0..position of the query's own sequence.
  RDom rj(0, seqLen, "rj");
  rj.where(rj <= position);
  a.rowMax = Func("attention_max");
  a.rowMax(h, t) = f64(Float(64).min());
  a.rowMax(h, t) = max(a.rowMax(h, t), a.score(rj, h, t));
  a.expScore = Func("attention_exp");
  a.expScore(j, h, t) = exp(strict_float(a.score(j, h, t) - a.rowMax(h, t)));
  a.rowSum = Func("attention_sum");
  a.rowSum(h, t) = Expr(0.0);
  a.rowSum(h, t) = strict_float(a.rowSum(h, t) + a.expScore(rj, h, t));
  // out(h * D + dd, t) = sum_j p_j v_(start + j) over head h's kv head.
  Expr hq = d / headDim, dd = d % headDim;
  Func acc("attention_acc");
  acc(d, t) = Expr(0.0);
  Expr p = strict_float(a.expScore(rj, hq, t) / a.rowSum(hq, t));
  acc(d, t) = strict_float(
      acc(d, t) + p * f64(v((hq / group) * headDim + dd, start + rj)));
  a.out = Func("attention");
  a.out(d, t) = cast<float>(acc(d, t));
  return a;
}

AttentionGrad defineAttentionGrad(Func q, Func k, Func v, Func dout,
                                  Expr heads, Expr kvHeads, Expr headDim,
                                  Expr seqLen, Expr scale) {
  Var j("j"), h("h"), t("t"), d("d");
  AttentionGrad g;
  g.forward = defineAttention(q, k, v, heads, kvHeads, headDim, seqLen, scale);
  const Attention &a = g.forward;
  Expr group = heads / kvHeads;
  Expr start = sequenceStart(t, seqLen), position = t % seqLen;
  g.prob = Func("attention_grad_prob");
  g.prob(j, h, t) = strict_float(a.expScore(j, h, t) / a.rowSum(h, t));
  // dP[j] = dO_t . v_(start + j); dS = P (dP - sum_j P dP) * scale.
  RDom rd(0, headDim, "rd");
  g.dprob = Func("attention_grad_dprob");
  g.dprob(j, h, t) = Expr(0.0);
  g.dprob(j, h, t) = strict_float(
      g.dprob(j, h, t) +
      f64(dout(h * headDim + rd, t)) *
          f64(v((h / group) * headDim + rd, start + min(j, position))));
  RDom rj(0, seqLen, "rj");
  rj.where(rj <= position);
  g.rowDot = Func("attention_grad_rowdot");
  g.rowDot(h, t) = Expr(0.0);
  g.rowDot(h, t) = strict_float(g.rowDot(h, t) +
                                g.prob(rj, h, t) * g.dprob(rj, h, t));
  g.dscore = Func("attention_grad_dscore");
  g.dscore(j, h, t) = strict_float(
      g.prob(j, h, t) * (g.dprob(j, h, t) - g.rowDot(h, t)) * f64(scale));
  // dq(h * D + dd, t) = sum over keys j <= position of dS_j k_(start + j).
  Expr hq = d / headDim, dd = d % headDim;
  Func dqSum("attention_grad_dq_sum");
  dqSum(d, t) = Expr(0.0);
  dqSum(d, t) = strict_float(
      dqSum(d, t) + g.dscore(rj, hq, t) *
                        f64(k((hq / group) * headDim + dd, start + rj)));
  g.dq = Func("attention_grad_dq");
  g.dq(d, t) = cast<float>(dqSum(d, t));
  // dk and dv of key token t (position j in its sequence), kv head hk:
  // sums over the group's query heads (outer) and the query rows i >= j
  // (inner), the reference's order.
  Expr hk = d / headDim;
  RDom ri(0, seqLen, 0, group, "ri");
  ri.where(ri.x >= position);
  // Clamped for bounds inference only: the where clause keeps ri.x in
  // [position, seqLen), inside the sequence.
  Expr queryHead = hk * group + ri.y;
  Expr query = min(start + ri.x, start + seqLen - 1);
  Func dkSum("attention_grad_dk_sum"), dvSum("attention_grad_dv_sum");
  dkSum(d, t) = Expr(0.0);
  dkSum(d, t) = strict_float(
      dkSum(d, t) + g.dscore(position, queryHead, query) *
                        f64(q(queryHead * headDim + dd, query)));
  dvSum(d, t) = Expr(0.0);
  dvSum(d, t) = strict_float(
      dvSum(d, t) + g.prob(position, queryHead, query) *
                        f64(dout(queryHead * headDim + dd, query)));
  g.dk = Func("attention_grad_dk");
  g.dk(d, t) = cast<float>(dkSum(d, t));
  g.dv = Func("attention_grad_dv");
  g.dv(d, t) = cast<float>(dvSum(d, t));
  return g;
}

void scheduleAttentionCpu(Attention a) {
  // One query token's rows at a time: its scores for every head, then its
  // output row.
  Var t = a.out.args()[1];
  a.out.parallel(t);
  a.score.compute_at(a.out, t);
  a.rowMax.compute_at(a.out, t);
  a.expScore.compute_at(a.out, t);
  a.rowSum.compute_at(a.out, t);
}

void scheduleAttentionGradCpu(AttentionGrad g) {
  // The probabilities and dS of every (key, head, query): computed once,
  // rows in parallel, then read by dq, dk and dv.
  Var t = g.prob.args()[2];
  g.prob.compute_root().parallel(t);
  g.forward.score.compute_at(g.prob, t);
  g.forward.rowMax.compute_at(g.prob, t);
  g.forward.expScore.compute_at(g.prob, t);
  g.forward.rowSum.compute_at(g.prob, t);
  g.dscore.compute_root().parallel(g.dscore.args()[2]);
  g.dprob.compute_at(g.dscore, g.dscore.args()[2]);
  g.rowDot.compute_at(g.dscore, g.dscore.args()[2]);
  g.dq.parallel(g.dq.args()[1]);
  g.dk.parallel(g.dk.args()[1]);
  g.dv.parallel(g.dv.args()[1]);
}

void scheduleRopeCpu(Rope rope, int lanes) {
  Var t = rope.y.args()[1];
  scheduleRowsCpu(rope.y, lanes);
  rope.cosine.compute_at(rope.y, t);
  rope.sine.compute_at(rope.y, t);
}

void scheduleRowSumCpu(Func out, int lanes) {
  Var d = out.args()[0], dO("do"), di("di");
  out.split(d, dO, di, lanes * 4, TailStrategy::GuardWithIf).parallel(dO);
}

void scheduleEmbeddingGradCpu(EmbeddingGrad grad, int lanes) {
  Var d = grad.dtable.args()[0], v = grad.dtable.args()[1];
  grad.sums.compute_root();
  grad.sums.vectorize(grad.sums.args()[0], lanes, TailStrategy::GuardWithIf)
      .parallel(grad.sums.args()[1]);
  // The scatter runs in token order; each row is one vector loop.
  grad.sums.update().vectorize(grad.sums.args()[0], lanes,
                               TailStrategy::GuardWithIf);
  grad.dtable.vectorize(d, lanes, TailStrategy::GuardWithIf).parallel(v);
}

namespace {

/// Rows in parallel: each row's max, then its log-sum-exp.
void scheduleLogSumExp(Func rowMax, Func lse) {
  Var t = rowMax.args()[0];
  rowMax.compute_root().parallel(t);
  rowMax.update().parallel(t);
  lse.compute_root().parallel(lse.args()[0]);
}

} // namespace

void scheduleCrossEntropyCpu(CrossEntropy ce) {
  scheduleLogSumExp(ce.rowMax, ce.lse);
}

void scheduleCrossEntropyGradCpu(CrossEntropyGrad grad, int lanes) {
  scheduleLogSumExp(grad.rowMax, grad.lse);
  grad.count.compute_root();
  scheduleRowsCpu(grad.dlogits, lanes);
}

} // namespace qtc::halide
