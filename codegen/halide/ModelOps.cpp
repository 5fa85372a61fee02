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
  // Per position within a sequence, not per token: the batch's sequences
  // share the table (libm's cos and sin were most of the kernel's time).
  Var p("p");
  Expr angle = strict_float(f64(sign) * f64(p) * invFreq(i));
  rope.cosine = Func("rope_cos");
  rope.cosine(i, p) = cos(angle);
  rope.sine = Func("rope_sin");
  rope.sine(i, p) = sin(angle);
  Expr position = clamp(t % seqLen, 0, seqLen - 1);
  Expr within = d % headDim, base = d - within;
  Expr first = within < half;
  // Clamped so that bounds inference sees [0, half): the table's extent.
  Expr pair = clamp(select(first, within, within - half), 0, half - 1);
  Expr x1 = f64(x(clamp(base + pair, 0, width - 1), t));
  Expr x2 = f64(x(clamp(base + pair + half, 0, width - 1), t));
  Expr c = rope.cosine(pair, position), sn = rope.sine(pair, position);
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


} // namespace

Expr checkedLabel(Func labels, Expr t, Expr vocab, Expr ignoreIndex) {
  Expr label = labels(t);
  Expr ignored = label == cast(label.type(), ignoreIndex);
  Expr inside = label >= 0 && label < cast(label.type(), vocab);
  return require(ignored || inside, label, "label", label, "at position", t,
                 "is outside the vocabulary of", vocab,
                 "and not the ignore index", ignoreIndex);
}

Func countLabelled(Func labels, Expr tokens, Expr ignoreIndex,
                   const std::string &name) {
  RDom rt(0, tokens, "rt");
  Expr label = labels(rt);
  Func count(name);
  count() = 0;
  count() += select(label != cast(label.type(), ignoreIndex), 1, 0);
  return count;
}

CountedMean countedMean(Func term, Func counted, Expr tokens,
                        const std::string &prefix, const std::string &name) {
  RDom rt(0, tokens, "rt");
  CountedMean m;
  m.total = Func(prefix + "_total");
  m.total() = Expr(0.0);
  m.total() = strict_float(m.total() + term(rt));
  m.count = Func(prefix + "_count");
  m.count() = 0;
  m.count() += select(counted(rt), 1, 0);
  m.mean = Func(name);
  m.mean() = cast<float>(select(
      m.count() > 0, strict_float(m.total() / f64(m.count())), Expr(0.0)));
  return m;
}

CrossEntropy defineCrossEntropy(Func logits, Func labels, Expr vocab,
                                Expr tokens, Expr ignoreIndex) {
  Var t("t");
  CrossEntropy ce;
  logSumExp(logits, vocab, ce.rowMax, ce.lse);
  Expr label = checkedLabel(labels, t, vocab, ignoreIndex);
  ce.counted = Func("ce_counted");
  ce.counted(t) = label != cast(label.type(), ignoreIndex);
  Func term("ce_term");
  term(t) = select(ce.counted(t),
                   strict_float(ce.lse(t) -
                                f64(logits(clamp(cast<int32_t>(label), 0,
                                                 vocab - 1),
                                           t))),
                   Expr(0.0));
  ce.loss = countedMean(term, ce.counted, tokens, "ce", "cross_entropy").mean;
  return ce;
}

CrossEntropyGrad defineCrossEntropyGrad(Func logits, Func labels, Expr dloss,
                                        Expr vocab, Expr tokens,
                                        Expr ignoreIndex) {
  Var v("v"), t("t");
  CrossEntropyGrad g;
  logSumExp(logits, vocab, g.rowMax, g.lse);
  g.count = countLabelled(labels, tokens, ignoreIndex, "ce_grad_count");
  Expr label = checkedLabel(labels, t, vocab, ignoreIndex);
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

/// x(head * D + dd, token) transposed per sequence and head,
/// xT(j, dd, head, seq) = x(head * D + dd, seq * S + j), so that a
/// sequence's tokens are contiguous. The token is clamped to the last one:
/// vectors rounded up past a sequence's end read real rows they never use.
Func transposeHeads(Func x, Expr headDim, Expr seqLen, Expr tokens,
                    const std::string &name) {
  Var j("j"), dd("dd"), head("head"), seq("seq");
  Func xT(name);
  xT(j, dd, head, seq) =
      x(head * headDim + dd, min(seq * seqLen + j, tokens - 1));
  return xT;
}

/// dot(j, h, t) = sum_dd rows(rowHead * D + dd, t) * colsT(j, dd, colHead,
/// t / S): (rowHead, colHead) is (h, h / group) for a query (or dO) row
/// against the keys (or values) of its sequence, and (h / group, h) for a
/// key (or value) row against the queries (or dO) of head h.
AttentionRows headDots(Func rows, Func colsT, Expr group, Expr headDim,
                       Expr seqLen, bool rowsAreKv, const std::string &name) {
  Var j("j"), h("h"), t("t");
  AttentionRows r;
  r.rd = RDom(0, headDim, name + "_rd");
  Expr rowHead = rowsAreKv ? h / group : h;
  Expr colHead = rowsAreKv ? h : h / group;
  r.dot = Func(name);
  r.dot(j, h, t) = 0.0f;
  r.dot(j, h, t) += rows(rowHead * headDim + r.rd, t) *
                    colsT(j, r.rd, colHead, t / seqLen);
  return r;
}

/// The causal softmax rows of query token t: score(j, h, t) = dot * scale,
/// its max and the exponentials and their sum over keys 0..position.
struct CausalRows {
  Func score, rowMax, expScore, rowSum;
};
CausalRows causalRows(AttentionRows dots, Expr scale, RDom rj,
                      const std::string &name) {
  Var j("j"), h("h"), t("t");
  CausalRows r;
  r.score = Func(name + "_score");
  r.score(j, h, t) = dots.dot(j, h, t) * scale;
  r.rowMax = Func(name + "_max");
  r.rowMax(h, t) = Float(32).min();
  r.rowMax(h, t) = max(r.rowMax(h, t), r.score(rj, h, t));
  r.expScore = Func(name + "_exp");
  r.expScore(j, h, t) = exp(r.score(j, h, t) - r.rowMax(h, t));
  r.rowSum = Func(name + "_sum");
  r.rowSum(h, t) = 0.0f;
  r.rowSum(h, t) += r.expScore(rj, h, t);
  return r;
}

} // namespace

Attention defineAttention(Func q, Func k, Func v, Expr heads, Expr kvHeads,
                          Expr headDim, Expr seqLen, Expr tokens,
                          Expr scale) {
  Var j("j"), h("h"), t("t"), d("d"), dd("dd");
  Expr group = heads / kvHeads, scaleF = cast<float>(scale);
  Expr start = sequenceStart(t, seqLen), position = t % seqLen;
  Attention a;
  a.keysT = transposeHeads(k, headDim, seqLen, tokens, "attention_keys_t");
  a.scores =
      headDots(q, a.keysT, group, headDim, seqLen, false, "attention_dot");
  // Causal: keys 0..position of the query's own sequence.
  a.rj = RDom(0, seqLen, "rj");
  a.rj.where(a.rj <= position);
  CausalRows rows = causalRows(a.scores, scaleF, a.rj, "attention");
  a.score = rows.score;
  a.rowMax = rows.rowMax;
  a.expScore = rows.expScore;
  a.rowSum = rows.rowSum;
  // out = (sum_j e_j v_j) / sum_j e_j over head h's kv head.
  a.outAcc = Func("attention_out_acc");
  a.outAcc(dd, h, t) = 0.0f;
  a.outAcc(dd, h, t) += a.expScore(a.rj, h, t) *
                        v((h / group) * headDim + dd, start + a.rj);
  a.out = Func("attention");
  a.out(d, t) =
      a.outAcc(d % headDim, d / headDim, t) / a.rowSum(d / headDim, t);
  return a;
}

AttentionGrad defineAttentionGrad(Func q, Func k, Func v, Func dout,
                                  Expr heads, Expr kvHeads, Expr headDim,
                                  Expr seqLen, Expr tokens, Expr scale) {
  Var j("j"), i("i"), h("h"), t("t"), d("d"), dd("dd"), hk("hk"), seq("seq");
  Expr group = heads / kvHeads, scaleF = cast<float>(scale);
  Expr start = sequenceStart(t, seqLen), position = t % seqLen;
  AttentionGrad g;
  g.keysT = transposeHeads(k, headDim, seqLen, tokens, "attention_grad_k_t");
  g.valuesT = transposeHeads(v, headDim, seqLen, tokens, "attention_grad_v_t");
  g.queriesT =
      transposeHeads(q, headDim, seqLen, tokens, "attention_grad_q_t");
  g.doutT =
      transposeHeads(dout, headDim, seqLen, tokens, "attention_grad_do_t");
  g.rj = RDom(0, seqLen, "rj");
  g.rj.where(g.rj <= position);

  // Pass 1, per query token t and head h: lse = max + log(sum_j e_j) and
  // rowDot = sum_j P_j dP_j = (sum_j e_j dP_j) / sum_j e_j.
  g.statsScores = headDots(q, g.keysT, group, headDim, seqLen, false,
                           "attention_grad_stats_dot");
  CausalRows rows =
      causalRows(g.statsScores, scaleF, g.rj, "attention_grad_stats");
  g.statsScore = rows.score;
  g.statsRowMax = rows.rowMax;
  g.statsExp = rows.expScore;
  g.statsRowSum = rows.rowSum;
  g.statsDots = headDots(dout, g.valuesT, group, headDim, seqLen, false,
                         "attention_grad_stats_dprob_dot");
  g.statsDprob = Func("attention_grad_stats_dprob");
  g.statsDprob(j, h, t) = g.statsDots.dot(j, h, t);
  g.statsRowDot = Func("attention_grad_stats_rowdot");
  g.statsRowDot(h, t) = 0.0f;
  g.statsRowDot(h, t) += g.statsExp(g.rj, h, t) * g.statsDprob(g.rj, h, t);
  g.stats = Func("attention_grad_stats");
  g.stats(t, h) =
      Tuple(g.statsRowMax(h, t) + log(g.statsRowSum(h, t)),
            g.statsRowDot(h, t) / g.statsRowSum(h, t));
  // The stats of sequence seq's queries, contiguous (clamped as the
  // transposes are).
  g.statsT = Func("attention_grad_stats_t");
  Expr statsToken = min(seq * seqLen + i, tokens - 1);
  g.statsT(i, h, seq) =
      Tuple(g.stats(statsToken, h)[0], g.stats(statsToken, h)[1]);

  // Pass 2, per query token: dS_j = P_j (dP_j - rowDot) scale with
  // P_j = exp(score_j - lse); dq = sum_j dS_j k_j.
  g.dqScores = headDots(q, g.keysT, group, headDim, seqLen, false,
                        "attention_grad_dq_dot");
  g.dqScore = Func("attention_grad_dq_score");
  g.dqScore(j, h, t) = g.dqScores.dot(j, h, t) * scaleF;
  g.dqDots = headDots(dout, g.valuesT, group, headDim, seqLen, false,
                      "attention_grad_dq_dprob_dot");
  g.dqDprob = Func("attention_grad_dq_dprob");
  g.dqDprob(j, h, t) = g.dqDots.dot(j, h, t);
  g.dqDscore = Func("attention_grad_dq_dscore");
  g.dqDscore(j, h, t) = exp(g.dqScore(j, h, t) - g.stats(t, h)[0]) *
                        (g.dqDprob(j, h, t) - g.stats(t, h)[1]) * scaleF;
  g.dqAcc = Func("attention_grad_dq_acc");
  g.dqAcc(dd, h, t) = 0.0f;
  g.dqAcc(dd, h, t) += g.dqDscore(g.rj, h, t) *
                       k((h / group) * headDim + dd, start + g.rj);
  g.dq = Func("attention_grad_dq");
  g.dq(d, t) = g.dqAcc(d % headDim, d / headDim, t);

  // Pass 3, per key token t (at `position` in its sequence): its column of
  // P and dS over the queries i >= position of every query head h, then
  // dk and dv of its kv head hk summed over the group's heads (outer) and
  // the queries (inner).
  g.colScores = headDots(k, g.queriesT, group, headDim, seqLen, true,
                         "attention_grad_col_dot");
  g.colScore = Func("attention_grad_col_score");
  g.colScore(i, h, t) = g.colScores.dot(i, h, t) * scaleF;
  g.colProb = Func("attention_grad_col_prob");
  g.colProb(i, h, t) =
      exp(g.colScore(i, h, t) - g.statsT(i, h, t / seqLen)[0]);
  g.colDots = headDots(v, g.doutT, group, headDim, seqLen, true,
                       "attention_grad_col_dprob_dot");
  g.colDprob = Func("attention_grad_col_dprob");
  g.colDprob(i, h, t) = g.colDots.dot(i, h, t);
  g.colDscore = Func("attention_grad_col_dscore");
  g.colDscore(i, h, t) =
      g.colProb(i, h, t) *
      (g.colDprob(i, h, t) - g.statsT(i, h, t / seqLen)[1]) * scaleF;
  // Query i = position + ri.x: written as an upper bound on ri.x, which
  // bounds inference tightens the columns' extent to (a lower bound it
  // does not).
  g.ri = RDom(0, seqLen, 0, group, "ri");
  g.ri.where(g.ri.x < seqLen - position);
  Expr queryHead = hk * group + g.ri.y, query = position + g.ri.x;
  // Clamped for bounds inference only: the where clause keeps the query
  // inside the sequence.
  Expr queryToken = min(start + query, start + seqLen - 1);
  g.kvAcc = Func("attention_grad_kv_acc");
  g.kvAcc(dd, hk, t) = Tuple(0.0f, 0.0f);
  g.kvAcc(dd, hk, t) =
      Tuple(g.kvAcc(dd, hk, t)[0] +
                g.colDscore(query, queryHead, t) *
                    q(queryHead * headDim + dd, queryToken),
            g.kvAcc(dd, hk, t)[1] +
                g.colProb(query, queryHead, t) *
                    dout(queryHead * headDim + dd, queryToken));
  g.kv = Func("attention_grad_kv");
  Expr ddOf = d % headDim, hkOf = d / headDim;
  g.kv(d, t) = Tuple(g.kvAcc(ddOf, hkOf, t)[0], g.kvAcc(ddOf, hkOf, t)[1]);
  g.dk = Func("attention_grad_dk");
  g.dk(d, t) = g.kv(d, t)[0];
  g.dv = Func("attention_grad_dv");
  g.dv(d, t) = g.kv(d, t)[1];
  return g;
}

namespace {

/// Once, before the passes; the transposes are O(T x width), and the
/// writes, not the reads, are the contiguous side.
void scheduleTranspose(Func xT, int lanes) {
  Var j = xT.args()[0], seq = xT.args()[3];
  xT.compute_root().parallel(seq).vectorize(j, lanes,
                                            TailStrategy::GuardWithIf);
}

/// A row of dot products where `row` (its pure consumer) is computed: tiles
/// of four vectors accumulated in registers over the head width. Rounded up:
/// the tail's extra lanes read clamped rows and are never used.
void scheduleDots(Func row, AttentionRows dots, LoopLevel at, int lanes) {
  Var j = row.args()[0], jo("jo"), ji("ji");
  row.compute_at(at)
      .split(j, jo, ji, 4 * lanes, TailStrategy::RoundUp)
      .vectorize(ji, lanes);
  Var dj = dots.dot.args()[0];
  dots.dot.compute_at(row, jo).vectorize(dj, lanes).unroll(dj);
  dots.dot.update().reorder(dj, dots.rd).vectorize(dj, lanes).unroll(dj);
}

/// An accumulation over keys (or queries) of head-width rows, read by
/// `consumer`: computed in tiles of four vectors of the width where
/// `at` is, each tile a small buffer of its own that stays in registers
/// through the whole reduction (not stored and reloaded per key).
void scheduleHeadAccumulation(Func acc, Func consumer, LoopLevel at,
                              std::vector<VarOrRVar> reduction, int lanes) {
  Func rows = acc.in(consumer);
  Var dd = rows.args()[0], ddo("ddo"), ddi("ddi");
  rows.compute_at(at)
      .split(dd, ddo, ddi, 4 * lanes, TailStrategy::GuardWithIf)
      .vectorize(ddi, lanes, TailStrategy::GuardWithIf);
  Var tile = acc.args()[0];
  acc.compute_at(rows, ddo)
      .vectorize(tile, lanes, TailStrategy::GuardWithIf)
      .unroll(tile);
  std::vector<VarOrRVar> order = {tile};
  order.insert(order.end(), reduction.begin(), reduction.end());
  acc.update()
      .reorder(order)
      .vectorize(tile, lanes, TailStrategy::GuardWithIf)
      .unroll(tile);
}

} // namespace

void scheduleAttentionCpu(Attention a, int lanes) {
  // One query token at a time: its rows of scores for every head, then its
  // output row.
  Var d = a.out.args()[0], t = a.out.args()[1];
  a.out.parallel(t).vectorize(d, lanes, TailStrategy::GuardWithIf);
  LoopLevel row(a.out, t);
  scheduleTranspose(a.keysT, lanes);
  scheduleDots(a.score, a.scores, row, lanes);
  a.rowMax.compute_at(row);
  a.rowSum.compute_at(row);
  a.expScore.compute_at(row).vectorize(a.expScore.args()[0], lanes,
                                       TailStrategy::RoundUp);
  scheduleHeadAccumulation(a.outAcc, a.out, row, {RVar(a.rj)}, lanes);
}

void scheduleAttentionGradCpu(AttentionGrad g, int lanes) {
  for (Func xT : {g.keysT, g.valuesT, g.queriesT, g.doutT})
    scheduleTranspose(xT, lanes);
  // Pass 1: the stats of every (token, head), rows in parallel.
  Var st = g.stats.args()[0], sh = g.stats.args()[1];
  g.stats.compute_root().reorder(sh, st).parallel(st);
  LoopLevel statsRow(g.stats, st);
  scheduleDots(g.statsScore, g.statsScores, statsRow, lanes);
  scheduleDots(g.statsDprob, g.statsDots, statsRow, lanes);
  g.statsRowMax.compute_at(statsRow);
  g.statsRowSum.compute_at(statsRow);
  g.statsRowDot.compute_at(statsRow);
  g.statsExp.compute_at(statsRow).vectorize(g.statsExp.args()[0], lanes,
                                            TailStrategy::RoundUp);
  g.statsT.compute_root()
      .parallel(g.statsT.args()[2])
      .vectorize(g.statsT.args()[0], lanes, TailStrategy::GuardWithIf);
  // Pass 2: dq, query rows in parallel.
  Var d = g.dq.args()[0], t = g.dq.args()[1];
  g.dq.parallel(t).vectorize(d, lanes, TailStrategy::GuardWithIf);
  LoopLevel dqRow(g.dq, t);
  scheduleDots(g.dqScore, g.dqScores, dqRow, lanes);
  scheduleDots(g.dqDprob, g.dqDots, dqRow, lanes);
  g.dqDscore.compute_at(dqRow).vectorize(g.dqDscore.args()[0], lanes,
                                         TailStrategy::RoundUp);
  scheduleHeadAccumulation(g.dqAcc, g.dq, dqRow, {RVar(g.rj)}, lanes);
  // Pass 3: dk and dv, key rows in parallel.
  Var kd = g.kv.args()[0], kt = g.kv.args()[1];
  g.kv.compute_root().parallel(kt).vectorize(kd, lanes,
                                             TailStrategy::GuardWithIf);
  LoopLevel column(g.kv, kt);
  scheduleDots(g.colScore, g.colScores, column, lanes);
  scheduleDots(g.colDprob, g.colDots, column, lanes);
  g.colProb.compute_at(column).vectorize(g.colProb.args()[0], lanes,
                                         TailStrategy::RoundUp);
  g.colDscore.compute_at(column).vectorize(g.colDscore.args()[0], lanes,
                                           TailStrategy::RoundUp);
  scheduleHeadAccumulation(g.kvAcc, g.kv, column, {g.ri.x, g.ri.y},
                           lanes);
  for (Func f : {g.dk, g.dv})
    f.parallel(f.args()[1]).vectorize(f.args()[0], lanes,
                                      TailStrategy::GuardWithIf);
}

void scheduleRopeCpu(Rope rope, int lanes) {
  scheduleRowsCpu(rope.y, lanes);
  // The tables once per call, positions in parallel.
  rope.cosine.compute_root().parallel(rope.cosine.args()[1]);
  rope.sine.compute_root().parallel(rope.sine.args()[1]);
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
