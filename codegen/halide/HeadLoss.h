//===- HeadLoss.h - The lm_head matmul fused with cross-entropy -*- C++ -*-===//
//
// loss = cross_entropy(h W^T, labels) and its input gradient
// dh = cross_entropy_grad(h W^T, labels, dloss) W, over h [T, K] (f32) and
// an [out, in] head W [V, K] (f32, f16 or bf16, widened on load), with the
// vocabulary in chunks of kHeadLossChunk rows: one chunk of logits
// [T, chunk] exists at a time, never the whole [T, V] (201 MB for SmolLM2
// at 4 x 256 tokens, and as much again for dlogits). The log-sum-exp runs
// online over the chunks (max and rescaled sum, f64); the gradient
// computes it first, then recomputes each chunk's logits for dlogits and
// its share of dh. Logits in f32 as the f32 matmul makes them.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_HEADLOSS_H
#define QTC_CODEGEN_HALIDE_HEADLOSS_H

#include "Halide.h"

namespace qtc::halide {

/// Vocabulary rows per chunk.
constexpr int kHeadLossChunk = 256;

/// One pass over the vocabulary's chunks: the logits of chunk c,
/// logit(v, t, c) = h(., t) . W(., c * chunk + v), and the online
/// log-sum-exp state per token.
struct HeadLogits {
  Halide::Func headT, acc, logit;
  Halide::RDom rk;
};
struct HeadLogSumExp {
  HeadLogits logits;
  Halide::Func chunkMax, chunkSum, chunkLabel, state, lse;
  Halide::RDom rc;
};

struct HeadLoss {
  Halide::Func loss;
  HeadLogSumExp lse;
  Halide::Func counted, term, total, count;
};
HeadLoss defineHeadLoss(Halide::Func h, Halide::Func w, Halide::Func labels,
                        Halide::Expr width, Halide::Expr vocab,
                        Halide::Expr tokens, Halide::Expr ignoreIndex);

struct HeadLossGrad {
  Halide::Func dh;
  HeadLogSumExp lse;
  HeadLogits logits;
  Halide::Func count, dlogits, part;
  Halide::RDom rv, rc;
};
HeadLossGrad defineHeadLossGrad(Halide::Func h, Halide::Func w,
                                Halide::Func labels, Halide::Expr dloss,
                                Halide::Expr width, Halide::Expr vocab,
                                Halide::Expr tokens, Halide::Expr ignoreIndex);

/// The loss and dh in one pipeline (a training step reads both): the
/// online log-sum-exp is computed once for both, so the logits are computed
/// twice in all rather than three times by head_loss and head_loss_grad.
struct HeadLossAndGrad {
  HeadLossGrad grad;
  Halide::Func counted, term, total, count, loss;
};
HeadLossAndGrad defineHeadLossAndGrad(Halide::Func h, Halide::Func w,
                                      Halide::Func labels, Halide::Expr dloss,
                                      Halide::Expr width, Halide::Expr vocab,
                                      Halide::Expr tokens,
                                      Halide::Expr ignoreIndex);

void scheduleHeadLossCpu(HeadLoss loss, int lanes);
void scheduleHeadLossAndGradCpu(HeadLossAndGrad both, int lanes);
void scheduleHeadLossGradCpu(HeadLossGrad grad, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_HEADLOSS_H
