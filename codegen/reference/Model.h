//===- Model.h - Llama/Qwen model ops and gradients (NUMERICS.md 6) -*- C++ -*-//
//
// All f32 (and f64 for gradient checks), each result computed in double and
// rounded once. Every op has its vector-Jacobian product next to it.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_MODEL_H
#define QTC_REFERENCE_MODEL_H

#include "codegen/reference/Array.h"
#include "runtime/Status.h"

#include <vector>

namespace qtc::ref {

/// y = x / sqrt(mean(x^2) + eps) * w over the last axis.
template <typename T>
Array<T> rmsnorm(const Array<T> &x, const Array<T> &w, double eps);
template <typename T>
void rmsnormGrad(const Array<T> &x, const Array<T> &w, double eps,
                 const Array<T> &dy, Array<T> &dx, Array<T> &dw);

/// Llama 3.x's rope frequency scaling (HF `rope_type = "llama3"`).
struct RopeLlama3 {
  double factor, lowFreqFactor, highFreqFactor;
  int64_t originalMaxPosition;
};

/// The rotation frequency of each of a head's D/2 pairs:
/// theta^(-2i/D), scaled per Llama 3 when `llama3` is given.
std::vector<double> ropeInvFreq(int64_t headDim, double theta,
                                const RopeLlama3 *llama3);

/// Rotary embedding of token-major x [T, heads * D]: within each head,
/// element i is paired with i + D/2 (HF Llama's rotate_half) and rotated by
/// positions[t] * invFreq[i].
template <typename T>
Array<T> rope(const Array<T> &x, int64_t heads,
              const std::vector<int64_t> &positions,
              const std::vector<double> &invFreq);
/// The VJP is the inverse rotation.
template <typename T>
Array<T> ropeGrad(const Array<T> &dy, int64_t heads,
                  const std::vector<int64_t> &positions,
                  const std::vector<double> &invFreq);

/// Causal grouped-query attention, token-major: q [T, Hq * D], k and v
/// [T, Hkv * D], T / seqLen sequences one after the other; query head h
/// reads key/value head h / (Hq / Hkv).
struct AttentionShape {
  int64_t heads, kvHeads, seqLen;
};
template <typename T>
Array<T> attention(const Array<T> &q, const Array<T> &k, const Array<T> &v,
                   AttentionShape shape, double scale);
template <typename T>
void attentionGrad(const Array<T> &q, const Array<T> &k, const Array<T> &v,
                   AttentionShape shape, double scale, const Array<T> &dout,
                   Array<T> &dq, Array<T> &dk, Array<T> &dv);

/// result[t, n] = x[t, n] + bias[n].
template <typename T>
Array<T> biasAdd(const Array<T> &x, const Array<T> &bias);

/// result[n] = sum over every leading index of x[..., n] (a bias's
/// gradient).
template <typename T>
Array<T> rowSum(const Array<T> &x);

/// silu(gate) * up.
template <typename T>
Array<T> swiglu(const Array<T> &gate, const Array<T> &up);
template <typename T>
void swigluGrad(const Array<T> &gate, const Array<T> &up, const Array<T> &dy,
                Array<T> &dgate, Array<T> &dup);

/// result[t, :] = table[ids[t], :]; an id outside [0, V) is an error.
Status embedding(const Array<float> &table, const std::vector<int64_t> &ids,
                 Array<float> &out);
/// dTable: rows of dY scatter-added at their ids; an id outside [0, V) is
/// an error.
template <typename T>
Status embeddingGrad(const Shape &tableShape, const std::vector<int64_t> &ids,
                     const Array<T> &dy, Array<T> &dtable);

/// Mean over counted tokens (label != ignoreIndex) of logsumexp(logits[t]) -
/// logits[t, label]. A label outside [0, V) that is not ignored is an error;
/// with no counted token the loss is 0 (and so is its gradient).
template <typename T>
Status crossEntropy(const Array<T> &logits, const std::vector<int64_t> &labels,
                    int64_t ignoreIndex, T &loss);
/// dLogits for an upstream gradient dLoss: (softmax - onehot) / count.
template <typename T>
Array<T> crossEntropyGrad(const Array<T> &logits,
                          const std::vector<int64_t> &labels,
                          int64_t ignoreIndex, T dloss);

} // namespace qtc::ref

#endif // QTC_REFERENCE_MODEL_H
