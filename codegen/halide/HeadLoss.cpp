//===- HeadLoss.cpp - The lm_head matmul fused with cross-entropy ---------===//
#include "codegen/halide/HeadLoss.h"
#include "codegen/halide/FmaTiles.h"
#include "codegen/halide/ModelOps.h"

#include <limits>

using namespace Halide;

namespace qtc::halide {

namespace {

Expr f64(Expr e) { return cast<double>(e); }

/// h [tokens, width] and the labels read past the last token as that token:
/// the register tiles of tokens round up, and the extra rows are never
/// stored or summed. (h is not clamped along the width, which the inner
/// loops run over.)
Func tokensClamped(Func h, Expr tokens) {
  return BoundaryConditions::repeat_edge(h, {Range(), Range(0, tokens)});
}
Func labelsClamped(Func labels, Expr tokens) {
  return BoundaryConditions::repeat_edge(labels, {Range(0, tokens)});
}

Expr minusInfinity() { return Expr(-std::numeric_limits<double>::infinity()); }

Expr chunksOf(Expr vocab) {
  return (vocab + kHeadLossChunk - 1) / kHeadLossChunk;
}

/// logit(v, t, c) = sum_k h(k, t) W(k, c * chunk + v), W's chunk widened
/// and transposed once so that a run of vocabulary rows is contiguous. Rows
/// past the vocabulary read its last row; their logits are never used.
HeadLogits headLogits(Func h, Func w, Expr width, Expr vocab,
                      const std::string &name) {
  Var v("v"), t("t"), k("k"), c("c");
  HeadLogits l;
  l.headT = Func(name + "_w_t");
  l.headT(v, k, c) =
      cast<float>(w(k, min(c * kHeadLossChunk + v, vocab - 1)));
  l.rk = RDom(0, width, name + "_rk");
  l.acc = Func(name + "_acc");
  l.acc(v, t, c) = 0.0f;
  l.acc(v, t, c) += h(l.rk, t) * l.headT(v, l.rk, c);
  l.logit = Func(name);
  l.logit(v, t, c) = l.acc(v, t, c);
  return l;
}

/// Per token: the max and rescaled sum of exp over the chunks, one chunk at
/// a time, and the label's logit (0 for a label outside every chunk, as
/// the ignore index is).
HeadLogSumExp headLogSumExp(Func h, Func w, Func labels, Expr width,
                            Expr vocab, const std::string &name) {
  Var t("t"), c("c");
  HeadLogSumExp s;
  s.logits = headLogits(h, w, width, vocab, name + "_logits");
  RDom rv(0, kHeadLossChunk, name + "_rv");
  Expr inside = c * kHeadLossChunk + rv < vocab;
  Expr logit = f64(s.logits.logit(rv, t, c));
  s.chunkMax = Func(name + "_chunk_max");
  s.chunkMax(t, c) = minusInfinity();
  s.chunkMax(t, c) =
      max(s.chunkMax(t, c), select(inside, logit, minusInfinity()));
  s.chunkSum = Func(name + "_chunk_sum");
  s.chunkSum(t, c) = Expr(0.0);
  s.chunkSum(t, c) +=
      select(inside, exp(logit - s.chunkMax(t, c)), Expr(0.0));
  Expr offset = cast<int32_t>(clamp(labels(t), -1, vocab)) - c * kHeadLossChunk;
  s.chunkLabel = Func(name + "_chunk_label");
  s.chunkLabel(t, c) =
      select(offset >= 0 && offset < kHeadLossChunk,
             f64(s.logits.logit(clamp(offset, 0, kHeadLossChunk - 1), t, c)),
             Expr(0.0));
  s.rc = RDom(0, chunksOf(vocab), name + "_rc");
  s.state = Func(name + "_state");
  s.state(t) = Tuple(minusInfinity(), Expr(0.0), Expr(0.0));
  Expr m = s.state(t)[0], chunkMax = s.chunkMax(t, s.rc);
  Expr newMax = max(m, chunkMax);
  s.state(t) = Tuple(newMax,
                     s.state(t)[1] * exp(m - newMax) +
                         s.chunkSum(t, s.rc) * exp(chunkMax - newMax),
                     s.state(t)[2] + s.chunkLabel(t, s.rc));
  s.lse = Func(name);
  s.lse(t) = s.state(t)[0] + log(s.state(t)[1]);
  return s;
}

/// The mean over counted tokens of lse - the label's logit, from a
/// log-sum-exp's state.
void addLossTerms(Func &counted, Func &term, Func &total, Func &count,
                  Func &loss, const HeadLogSumExp &lse, Func labels,
                  Expr vocab, Expr tokens, Expr ignoreIndex,
                  const std::string &prefix) {
  Var t("t");
  Expr label = checkedLabel(labels, t, vocab, ignoreIndex);
  counted = Func(prefix + "_counted");
  counted(t) = label != cast(label.type(), ignoreIndex);
  term = Func(prefix + "_term");
  term(t) = select(counted(t), lse.lse(t) - lse.state(t)[2], Expr(0.0));
  CountedMean mean = countedMean(term, counted, tokens, prefix, prefix);
  total = mean.total;
  count = mean.count;
  loss = mean.mean;
}

} // namespace

HeadLoss defineHeadLoss(Func h, Func w, Func labels, Expr width, Expr vocab,
                        Expr tokens, Expr ignoreIndex) {
  HeadLoss l;
  h = tokensClamped(h, tokens);
  labels = labelsClamped(labels, tokens);
  l.lse = headLogSumExp(h, w, labels, width, vocab, "head_loss_lse");
  addLossTerms(l.counted, l.term, l.total, l.count, l.loss, l.lse, labels,
               vocab, tokens, ignoreIndex, "head_loss");
  return l;
}

HeadLossGrad defineHeadLossGrad(Func h, Func w, Func labels, Expr dloss,
                                Expr width, Expr vocab, Expr tokens,
                                Expr ignoreIndex) {
  Var v("v"), t("t"), c("c"), k("k");
  HeadLossGrad g;
  h = tokensClamped(h, tokens);
  labels = labelsClamped(labels, tokens);
  g.lse = headLogSumExp(h, w, labels, width, vocab, "head_loss_grad_lse");
  g.count =
      countLabelled(labels, tokens, ignoreIndex, "head_loss_grad_count");
  // dlogits of chunk c: (softmax - onehot) dloss / count on counted rows.
  g.logits = headLogits(h, w, width, vocab, "head_loss_grad_logits");
  Expr label = checkedLabel(labels, t, vocab, ignoreIndex);
  Expr counted = label != cast(label.type(), ignoreIndex);
  Expr row = c * kHeadLossChunk + v;
  Expr p = exp(f64(g.logits.logit(v, t, c)) - g.lse.lse(t)) -
           select(cast<int64_t>(row) == cast<int64_t>(label), Expr(1.0),
                  Expr(0.0));
  g.dlogits = Func("head_loss_grad_dlogits");
  g.dlogits(v, t, c) =
      select(counted && row < vocab,
             cast<float>(p * f64(dloss) / f64(g.count())), 0.0f);
  // dh = sum over the chunks c of part(c) = dlogits(c) W(c).
  g.rv = RDom(0, kHeadLossChunk, "rv");
  g.part = Func("head_loss_grad_part");
  g.part(k, t, c) = 0.0f;
  // W read past the width as its last column (register tiles of the width
  // round up; those sums are not stored).
  Func wEdge = BoundaryConditions::repeat_edge(w, {Range(0, width), Range()});
  g.part(k, t, c) +=
      g.dlogits(g.rv, t, c) *
      cast<float>(wEdge(k, min(c * kHeadLossChunk + g.rv, vocab - 1)));
  g.rc = RDom(0, chunksOf(vocab), "rc");
  g.dh = Func("head_loss_grad");
  g.dh(k, t) = 0.0f;
  g.dh(k, t) += g.part(k, t, g.rc);
  return g;
}

HeadLossAndGrad defineHeadLossAndGrad(Func h, Func w, Func labels, Expr dloss,
                                      Expr width, Expr vocab, Expr tokens,
                                      Expr ignoreIndex) {
  HeadLossAndGrad both;
  both.grad = defineHeadLossGrad(h, w, labels, dloss, width, vocab, tokens,
                                 ignoreIndex);
  addLossTerms(both.counted, both.term, both.total, both.count, both.loss,
               both.grad.lse, labelsClamped(labels, tokens), vocab, tokens,
               ignoreIndex, "head_loss");
  return both;
}

namespace {

/// One chunk of logits where `at` is: the chunk's rows of W transposed,
/// then tiles of tokens x 2 vectors of vocabulary rows accumulated in
/// registers over the width, tiles of tokens in parallel. (One token by four
/// vectors made 5 loads per 4 FMAs; a tile of 6 tokens makes 8 per 12.)
/// Tokens past the last tile's end read the last token (h is clamped along
/// tokens); their logits are never used.
void scheduleHeadLogits(HeadLogits l, LoopLevel at, int lanes) {
  const int tileRows = fmaTileRows(lanes);
  Var v = l.logit.args()[0], t = l.logit.args()[1], vo("vo"), vi("vi"),
      to("to"), ti("ti");
  l.headT.compute_at(at)
      .parallel(l.headT.args()[1])
      .vectorize(l.headT.args()[0], lanes, TailStrategy::GuardWithIf);
  l.logit.compute_at(at)
      .split(t, to, ti, tileRows, TailStrategy::RoundUp)
      .split(v, vo, vi, 2 * lanes, TailStrategy::RoundUp)
      .reorder(vi, ti, vo, to)
      .vectorize(vi, lanes)
      .unroll(ti)
      .parallel(to);
  Var av = l.acc.args()[0], at_ = l.acc.args()[1];
  l.acc.compute_at(l.logit, vo)
      .vectorize(av, lanes)
      .unroll(av)
      .unroll(at_);
  l.acc.update()
      .reorder(av, at_, l.rk)
      .vectorize(av, lanes)
      .unroll(av)
      .unroll(at_);
}

/// The online log-sum-exp: the chunks one after the other (outer), each
/// chunk's logits and statistics computed for every token before the next.
void scheduleHeadLogSumExp(HeadLogSumExp s, int lanes) {
  Var t = s.state.args()[0];
  s.state.compute_root();
  s.state.update().reorder(t, s.rc);
  LoopLevel chunk(s.state, s.rc);
  scheduleHeadLogits(s.logits, chunk, lanes);
  for (Func f : {s.chunkMax, s.chunkSum, s.chunkLabel}) {
    f.compute_at(chunk).parallel(f.args()[0]);
    if (f.has_update_definition())
      f.update().parallel(f.args()[0]);
  }
  s.lse.compute_root();
}

} // namespace

void scheduleHeadLossCpu(HeadLoss loss, int lanes) {
  scheduleHeadLogSumExp(loss.lse, lanes);
  loss.counted.compute_root();
  loss.total.compute_root();
  loss.count.compute_root();
}

void scheduleHeadLossAndGradCpu(HeadLossAndGrad both, int lanes) {
  scheduleHeadLossGradCpu(both.grad, lanes);
  both.counted.compute_root();
  both.total.compute_root();
  both.count.compute_root();
}

void scheduleHeadLossGradCpu(HeadLossGrad grad, int lanes) {
  scheduleHeadLogSumExp(grad.lse, lanes);
  grad.count.compute_root();
  // dh: the chunks one after the other (outer), tiles of tokens in
  // parallel; each chunk's logits and dlogits first, then per tile of
  // tokens its part in register tiles of 2 vectors of the width by the
  // tile's tokens, summed over the chunk's rows.
  const int tileRows = fmaTileRows(lanes);
  Var k = grad.dh.args()[0], t = grad.dh.args()[1], ko("ko"), ki("ki"),
      to("to"), ti("ti");
  grad.dh.vectorize(k, lanes, TailStrategy::GuardWithIf).parallel(t);
  grad.dh.update()
      .split(t, to, ti, tileRows, TailStrategy::GuardWithIf)
      .reorder(k, ti, to, grad.rc)
      .vectorize(k, lanes, TailStrategy::GuardWithIf)
      .parallel(to);
  LoopLevel chunk(grad.dh, grad.rc);
  scheduleHeadLogits(grad.logits, chunk, lanes);
  Var v = grad.dlogits.args()[0];
  grad.dlogits.compute_at(chunk)
      .parallel(grad.dlogits.args()[1])
      .vectorize(v, lanes, TailStrategy::GuardWithIf);
  Func rows = grad.part.in(grad.dh);
  Var rt = rows.args()[1];
  rows.compute_at(grad.dh, to)
      .bound_extent(rt, tileRows)
      .split(k, ko, ki, 2 * lanes, TailStrategy::GuardWithIf)
      .reorder(ki, rt, ko)
      .vectorize(ki, lanes, TailStrategy::GuardWithIf)
      .unroll(rt);
  Var pk = grad.part.args()[0], pt = grad.part.args()[1];
  grad.part.compute_at(rows, ko)
      .bound_extent(pk, 2 * lanes)
      .vectorize(pk, lanes)
      .unroll(pk)
      .unroll(pt);
  grad.part.update()
      .reorder(pk, pt, grad.rv)
      .vectorize(pk, lanes)
      .unroll(pk)
      .unroll(pt);
}

} // namespace qtc::halide
