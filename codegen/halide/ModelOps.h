//===- ModelOps.h - The model ops' kernels and gradients --------*- C++ -*-===//
//
// The elementwise and row-reduction model ops of a decoder layer
// (NUMERICS.md 6), token-major: x [T, D] is indexed (d, t) in Halide's
// innermost-first order. RMSNorm computes in f64 in the reference's order
// (strict_float: no reassociation, no FMA contraction) and rounds each
// result once, bit for bit the reference; SwiGLU computes in f32 with
// Halide's vectorized exp, within a few ulp of the reference's f64.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_MODELOPS_H
#define QTC_CODEGEN_HALIDE_MODELOPS_H

#include "Halide.h"

#include <string>

namespace qtc::halide {

struct RMSNorm {
  Halide::Func y;
  /// Per-row 1/rms (f64), computed once per row.
  Halide::Func inv;
};
/// y(d, t) = x(d, t) * w(d) / sqrt(mean_d x(d, t)^2 + eps), D = width.
RMSNorm defineRMSNorm(Halide::Func x, Halide::Func w, Halide::Expr width,
                      Halide::Expr eps);

struct RMSNormGrad {
  Halide::Func dx, dw;
  /// Per-row 1/rms and sum_d dy w x (f64), computed once per row; dw's f64
  /// column sums.
  Halide::Func inv, dot, dwSum;
};
/// dx(d, t) = inv dy w - inv^3 x (sum_d dy w x) / D; dw(d) = sum_t dy x inv.
RMSNormGrad defineRMSNormGrad(Halide::Func x, Halide::Func w, Halide::Func dy,
                              Halide::Expr width, Halide::Expr tokens,
                              Halide::Expr eps);

/// silu(gate) * up over flat f32 views.
Halide::Func defineSwiGLU(Halide::Func gate, Halide::Func up);
struct SwiGLUGrad {
  Halide::Func dgate, dup;
};
SwiGLUGrad defineSwiGLUGrad(Halide::Func gate, Halide::Func up,
                            Halide::Func dy);

/// Rope over token-major x(d, t), width = heads * D: within each head, the
/// pair (i, i + D/2) rotated by sign * (t mod seqLen) * invFreq(i), in f64
/// (libm's cos and sin, as the reference) and rounded once.
struct Rope {
  Halide::Func y;
  /// cos and sin per (pair, position in the sequence), computed once for
  /// every head and sequence.
  Halide::Func cosine, sine;
};
Rope defineRope(Halide::Func x, Halide::Func invFreq, Halide::Expr heads,
                Halide::Expr width, Halide::Expr seqLen, Halide::Expr sign);

/// x(d, t) + bias(d), in f64 rounded once (the reference's order).
Halide::Func defineBiasAdd(Halide::Func x, Halide::Func bias);
/// result(d) = sum over t of x(d, t), f64 in row order, rounded once.
Halide::Func defineRowSum(Halide::Func x, Halide::Expr tokens);

/// table(d, ids(t)); an id outside [0, vocab) fails the pipeline.
Halide::Func defineEmbedding(Halide::Func table, Halide::Func ids,
                             Halide::Expr vocab);
/// dtable(d, v): dy(d, t) scatter-added over the tokens with ids(t) = v, f64
/// in token order, rounded once.
struct EmbeddingGrad {
  Halide::Func dtable, sums;
};
EmbeddingGrad defineEmbeddingGrad(Halide::Func ids, Halide::Func dy,
                                  Halide::Expr vocab, Halide::Expr tokens);

/// labels(t), failing the pipeline unless it is ignoreIndex or inside
/// [0, vocab).
Halide::Expr checkedLabel(Halide::Func labels, Halide::Expr t,
                          Halide::Expr vocab, Halide::Expr ignoreIndex);

/// How many tokens have a label other than ignoreIndex (the loss's
/// denominator), one pass in token order.
Halide::Func countLabelled(Halide::Func labels, Halide::Expr tokens,
                           Halide::Expr ignoreIndex, const std::string &name);

/// The mean over the counted tokens of term(t) (0 where not counted): f64
/// summed in token order, rounded once to f32; 0 with no counted token.
struct CountedMean {
  Halide::Func total, count, mean;
};
CountedMean countedMean(Halide::Func term, Halide::Func counted,
                        Halide::Expr tokens, const std::string &prefix,
                        const std::string &name);

/// Mean over counted tokens (labels(t) != ignoreIndex) of logsumexp(logits
/// row) - logits(label, t), f64 per row as the reference; 0 with no counted
/// token. A counted label outside [0, vocab) fails the pipeline.
struct CrossEntropy {
  Halide::Func loss;
  /// Per row: the max, the log-sum-exp and whether it counts.
  Halide::Func rowMax, lse, counted;
};
CrossEntropy defineCrossEntropy(Halide::Func logits, Halide::Func labels,
                                Halide::Expr vocab, Halide::Expr tokens,
                                Halide::Expr ignoreIndex);
/// (softmax - onehot) * dloss / counted on counted rows, 0 elsewhere.
struct CrossEntropyGrad {
  Halide::Func dlogits, rowMax, lse, count;
};
CrossEntropyGrad defineCrossEntropyGrad(Halide::Func logits,
                                        Halide::Func labels, Halide::Expr dloss,
                                        Halide::Expr vocab,
                                        Halide::Expr tokens,
                                        Halide::Expr ignoreIndex);

/// Causal grouped-query attention over token-major q(d, t) [heads * D] and
/// k, v(d, t) [kvHeads * D], sequences of seqLen tokens one after the
/// other; f32. Each query token's rows of scores (one per head, over the
/// keys of its sequence up to itself) are computed at its output row and
/// dropped: nothing of size T x seqLen exists. The keys are transposed per
/// sequence and kv head once, so that a row of scores is a run of vector
/// FMAs.
struct AttentionRows {
  /// dot(j, h, t): the head-width dot product of row t with key j (or, in
  /// the backward's key-major pass, of key t with query j).
  Halide::Func dot;
  Halide::RDom rd;
};
struct Attention {
  Halide::Func out;
  Halide::Func keysT;
  AttentionRows scores;
  /// Per (key, head, query): the scaled score and its exponential; per
  /// (head, query): the max and the exponentials' sum.
  Halide::Func score, rowMax, expScore, rowSum, outAcc;
  Halide::RDom rj;
};
Attention defineAttention(Halide::Func q, Halide::Func k, Halide::Func v,
                          Halide::Expr heads, Halide::Expr kvHeads,
                          Halide::Expr headDim, Halide::Expr seqLen,
                          Halide::Expr tokens, Halide::Expr scale);

/// dq, dk, dv from the output gradient, flash-style in three passes, none
/// keeping more than one row of scores per head and token:
///  1. per query token: the log-sum-exp of its scores and
///     rowDot = sum_j P dP (dP = dO . v), kept per (token, head);
///  2. per query token: dS = P (dP - rowDot) scale, dq = dS K;
///  3. per key token: its column of P and dS over the queries at or after
///     it, dk = dS^T Q and dv = P^T dO.
/// Scores are recomputed in each pass (as the reference recomputes the
/// probabilities), q, k, v and dO transposed per sequence and head once.
struct AttentionGrad {
  Halide::Func dq, dk, dv;
  Halide::Func keysT, valuesT, queriesT, doutT, statsT;
  /// Pass 1: stats(t, h) = {lse, rowDot}.
  Halide::Func stats, statsScore, statsRowMax, statsExp, statsRowSum,
      statsDprob, statsRowDot;
  AttentionRows statsScores, statsDots;
  /// Pass 2.
  Halide::Func dqScore, dqDprob, dqDscore, dqAcc;
  AttentionRows dqScores, dqDots;
  /// Pass 3: per key token, columns over the queries.
  Halide::Func kv, colScore, colDprob, colProb, colDscore, kvAcc;
  AttentionRows colScores, colDots;
  Halide::RDom rj, ri;
};
AttentionGrad defineAttentionGrad(Halide::Func q, Halide::Func k,
                                  Halide::Func v, Halide::Func dout,
                                  Halide::Expr heads, Halide::Expr kvHeads,
                                  Halide::Expr headDim, Halide::Expr seqLen,
                                  Halide::Expr tokens, Halide::Expr scale);

/// CPU schedules: rows in parallel, the width vectorized with `lanes`
/// (single-Func ops take Layout.h's scheduleRowsCpu, the flat ones
/// Elementwise.h's scheduleElementwiseCpu).
void scheduleRMSNormCpu(RMSNorm norm, int lanes);
void scheduleRMSNormGradCpu(RMSNormGrad grad, int lanes);
void scheduleSwiGLUGradCpu(SwiGLUGrad grad, int lanes);
void scheduleRopeCpu(Rope rope, int lanes);
void scheduleAttentionCpu(Attention attention, int lanes);
void scheduleAttentionGradCpu(AttentionGrad grad, int lanes);
void scheduleRowSumCpu(Halide::Func out, int lanes);
void scheduleEmbeddingGradCpu(EmbeddingGrad grad, int lanes);
void scheduleCrossEntropyCpu(CrossEntropy ce);
void scheduleCrossEntropyGradCpu(CrossEntropyGrad grad, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_MODELOPS_H
