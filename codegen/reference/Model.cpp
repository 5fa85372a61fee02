//===- Model.cpp - Llama/Qwen model ops and gradients (NUMERICS.md 6) -----===//
#include "codegen/reference/Model.h"

#include <algorithm>
#include <cmath>

namespace qtc::ref {

template <typename T>
Array<T> rmsnorm(const Array<T> &x, const Array<T> &w, double eps) {
  int64_t D = x.shape.back(), rows = x.numel() / D;
  Array<T> y(x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const T *xr = &x[r * D];
    double sumSquares = 0;
    for (int64_t d = 0; d < D; ++d)
      sumSquares += static_cast<double>(xr[d]) * xr[d];
    double inv = 1.0 / std::sqrt(sumSquares / D + eps);
    for (int64_t d = 0; d < D; ++d)
      y[r * D + d] = static_cast<T>(xr[d] * inv * w[d]);
  }
  return y;
}

template <typename T>
void rmsnormGrad(const Array<T> &x, const Array<T> &w, double eps,
                 const Array<T> &dy, Array<T> &dx, Array<T> &dw) {
  int64_t D = x.shape.back(), rows = x.numel() / D;
  dx = Array<T>(x.shape);
  std::vector<double> dwSum(D, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const T *xr = &x[r * D], *dyr = &dy[r * D];
    double sumSquares = 0, gx = 0;
    for (int64_t d = 0; d < D; ++d) {
      sumSquares += static_cast<double>(xr[d]) * xr[d];
      gx += static_cast<double>(dyr[d]) * w[d] * xr[d];
    }
    double inv = 1.0 / std::sqrt(sumSquares / D + eps);
    for (int64_t d = 0; d < D; ++d) {
      dx[r * D + d] = static_cast<T>(inv * dyr[d] * w[d] -
                                     inv * inv * inv * xr[d] * gx / D);
      dwSum[d] += static_cast<double>(dyr[d]) * xr[d] * inv;
    }
  }
  dw = Array<T>(w.shape);
  for (int64_t d = 0; d < D; ++d)
    dw[d] = static_cast<T>(dwSum[d]);
}

std::vector<double> ropeInvFreq(int64_t headDim, double theta,
                                const RopeLlama3 *llama3) {
  std::vector<double> invFreq(headDim / 2);
  for (int64_t i = 0; i < headDim / 2; ++i)
    invFreq[i] = std::pow(theta, -2.0 * static_cast<double>(i) / headDim);
  if (!llama3)
    return invFreq;
  // transformers' _compute_llama3_parameters.
  double old = static_cast<double>(llama3->originalMaxPosition);
  double lowWavelen = old / llama3->lowFreqFactor;
  double highWavelen = old / llama3->highFreqFactor;
  for (double &f : invFreq) {
    double wavelen = 2.0 * M_PI / f;
    if (wavelen > lowWavelen) {
      f /= llama3->factor;
    } else if (wavelen >= highWavelen) {
      double smooth = (old / wavelen - llama3->lowFreqFactor) /
                      (llama3->highFreqFactor - llama3->lowFreqFactor);
      f = (1.0 - smooth) * f / llama3->factor + smooth * f;
    }
  }
  return invFreq;
}

namespace {

/// Rotates each (i, i + D/2) pair of every head of x [T, heads * D] by
/// sign * positions[t] * invFreq[i].
template <typename T>
Array<T> rotate(const Array<T> &x, int64_t heads,
                const std::vector<int64_t> &positions,
                const std::vector<double> &invFreq, double sign) {
  int64_t tokens = x.dim(0), width = x.dim(1), D = width / heads,
          half = D / 2;
  Array<T> y(x.shape);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < half; ++i) {
      double angle = sign * static_cast<double>(positions[t]) * invFreq[i];
      double c = std::cos(angle), sn = std::sin(angle);
      for (int64_t h = 0; h < heads; ++h) {
        int64_t base = t * width + h * D;
        double x1 = x[base + i], x2 = x[base + i + half];
        y[base + i] = static_cast<T>(x1 * c - x2 * sn);
        y[base + i + half] = static_cast<T>(x2 * c + x1 * sn);
      }
    }
  return y;
}

} // namespace

template <typename T>
Array<T> rope(const Array<T> &x, int64_t heads,
              const std::vector<int64_t> &positions,
              const std::vector<double> &invFreq) {
  return rotate(x, heads, positions, invFreq, 1.0);
}

template <typename T>
Array<T> ropeGrad(const Array<T> &dy, int64_t heads,
                  const std::vector<int64_t> &positions,
                  const std::vector<double> &invFreq) {
  return rotate(dy, heads, positions, invFreq, -1.0);
}

namespace {

/// Where one (sequence, query head) reads and writes in token-major
/// storage: row r of the head is element `base + r * stride + d`.
struct HeadView {
  int64_t qBase, kBase, qStride, kStride, S, D;
};

HeadView headView(int64_t qWidth, int64_t kWidth, AttentionShape shape,
                  int64_t seq, int64_t h) {
  int64_t D = qWidth / shape.heads;
  int64_t hk = h / (shape.heads / shape.kvHeads);
  int64_t firstToken = seq * shape.seqLen;
  return {firstToken * qWidth + h * D, firstToken * kWidth + hk * D, qWidth,
          kWidth, shape.seqLen, D};
}

/// Causal softmax probabilities of one (sequence, query head): p [S, S].
template <typename T>
std::vector<double> attentionProbs(const Array<T> &q, const Array<T> &k,
                                   const HeadView &view, double scale) {
  int64_t S = view.S, D = view.D;
  std::vector<double> p(S * S, 0.0);
  for (int64_t i = 0; i < S; ++i) {
    const T *qi = &q[view.qBase + i * view.qStride];
    double maxScore = -INFINITY;
    for (int64_t j = 0; j <= i; ++j) {
      const T *kj = &k[view.kBase + j * view.kStride];
      double dot = 0;
      for (int64_t d = 0; d < D; ++d)
        dot += static_cast<double>(qi[d]) * kj[d];
      p[i * S + j] = dot * scale;
      maxScore = std::max(maxScore, p[i * S + j]);
    }
    double sum = 0;
    for (int64_t j = 0; j <= i; ++j)
      sum += p[i * S + j] = std::exp(p[i * S + j] - maxScore);
    for (int64_t j = 0; j <= i; ++j)
      p[i * S + j] /= sum;
  }
  return p;
}

} // namespace

template <typename T>
Array<T> attention(const Array<T> &q, const Array<T> &k, const Array<T> &v,
                   AttentionShape shape, double scale) {
  int64_t sequences = q.dim(0) / shape.seqLen;
  Array<T> out(q.shape);
  for (int64_t seq = 0; seq < sequences; ++seq)
    for (int64_t h = 0; h < shape.heads; ++h) {
      HeadView view = headView(q.dim(1), k.dim(1), shape, seq, h);
      std::vector<double> p = attentionProbs(q, k, view, scale);
      for (int64_t i = 0; i < view.S; ++i)
        for (int64_t d = 0; d < view.D; ++d) {
          double sum = 0;
          for (int64_t j = 0; j <= i; ++j)
            sum += p[i * view.S + j] * v[view.kBase + j * view.kStride + d];
          out[view.qBase + i * view.qStride + d] = static_cast<T>(sum);
        }
    }
  return out;
}

template <typename T>
void attentionGrad(const Array<T> &q, const Array<T> &k, const Array<T> &v,
                   AttentionShape shape, double scale, const Array<T> &dout,
                   Array<T> &dq, Array<T> &dk, Array<T> &dv) {
  int64_t sequences = q.dim(0) / shape.seqLen;
  std::vector<double> dqSum(q.numel(), 0.0), dkSum(k.numel(), 0.0),
      dvSum(v.numel(), 0.0);
  for (int64_t seq = 0; seq < sequences; ++seq)
    for (int64_t h = 0; h < shape.heads; ++h) {
      HeadView view = headView(q.dim(1), k.dim(1), shape, seq, h);
      int64_t S = view.S, D = view.D;
      std::vector<double> p = attentionProbs(q, k, view, scale);
      for (int64_t i = 0; i < S; ++i) {
        int64_t qi = view.qBase + i * view.qStride;
        // dP[i, j] = dO_i . v_j; dS = P (dP - sum_j P dP).
        std::vector<double> dp(i + 1);
        double rowDot = 0;
        for (int64_t j = 0; j <= i; ++j) {
          int64_t kj = view.kBase + j * view.kStride;
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += static_cast<double>(dout[qi + d]) * v[kj + d];
          dp[j] = dot;
          rowDot += p[i * S + j] * dot;
        }
        for (int64_t j = 0; j <= i; ++j) {
          int64_t kj = view.kBase + j * view.kStride;
          double ds = p[i * S + j] * (dp[j] - rowDot) * scale;
          for (int64_t d = 0; d < D; ++d) {
            dqSum[qi + d] += ds * k[kj + d];
            dkSum[kj + d] += ds * q[qi + d];
            dvSum[kj + d] += p[i * S + j] * dout[qi + d];
          }
        }
      }
    }
  dq = Array<T>(q.shape);
  dk = Array<T>(k.shape);
  dv = Array<T>(v.shape);
  for (int64_t i = 0; i < q.numel(); ++i)
    dq[i] = static_cast<T>(dqSum[i]);
  for (int64_t i = 0; i < k.numel(); ++i) {
    dk[i] = static_cast<T>(dkSum[i]);
    dv[i] = static_cast<T>(dvSum[i]);
  }
}

template <typename T>
Array<T> biasAdd(const Array<T> &x, const Array<T> &bias) {
  int64_t N = x.shape.back();
  Array<T> y(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    y[i] = static_cast<T>(static_cast<double>(x[i]) + bias[i % N]);
  return y;
}

template <typename T>
Array<T> rowSum(const Array<T> &x) {
  int64_t N = x.shape.back();
  std::vector<double> sums(N, 0.0);
  for (int64_t i = 0; i < x.numel(); ++i)
    sums[i % N] += x[i];
  Array<T> y({N});
  for (int64_t n = 0; n < N; ++n)
    y[n] = static_cast<T>(sums[n]);
  return y;
}

template <typename T>
Array<T> swiglu(const Array<T> &gate, const Array<T> &up) {
  Array<T> y(gate.shape);
  for (int64_t i = 0; i < y.numel(); ++i) {
    double g = gate[i];
    y[i] = static_cast<T>(g / (1.0 + std::exp(-g)) * up[i]);
  }
  return y;
}

template <typename T>
void swigluGrad(const Array<T> &gate, const Array<T> &up, const Array<T> &dy,
                Array<T> &dgate, Array<T> &dup) {
  dgate = Array<T>(gate.shape);
  dup = Array<T>(up.shape);
  for (int64_t i = 0; i < gate.numel(); ++i) {
    double g = gate[i], sig = 1.0 / (1.0 + std::exp(-g));
    dup[i] = static_cast<T>(dy[i] * g * sig);
    dgate[i] = static_cast<T>(dy[i] * up[i] * sig * (1.0 + g * (1.0 - sig)));
  }
}

namespace {

Status checkIds(const std::vector<int64_t> &ids, int64_t vocab) {
  for (size_t t = 0; t < ids.size(); ++t)
    if (ids[t] < 0 || ids[t] >= vocab)
      return Status::error("token id " + std::to_string(ids[t]) +
                           " at position " + std::to_string(t) +
                           " is outside the vocabulary [0, " +
                           std::to_string(vocab) + ")");
  return Status::success();
}

} // namespace

Status embedding(const Array<float> &table, const std::vector<int64_t> &ids,
                 Array<float> &out) {
  int64_t V = table.dim(0), D = table.dim(1);
  QTC_RETURN_IF_ERROR(checkIds(ids, V));
  Array<float> y({static_cast<int64_t>(ids.size()), D});
  for (size_t t = 0; t < ids.size(); ++t)
    std::copy_n(&table[ids[t] * D], D, &y[t * D]);
  out = std::move(y);
  return Status::success();
}

template <typename T>
Status embeddingGrad(const Shape &tableShape, const std::vector<int64_t> &ids,
                     const Array<T> &dy, Array<T> &dtable) {
  int64_t D = tableShape[1];
  QTC_RETURN_IF_ERROR(checkIds(ids, tableShape[0]));
  std::vector<double> sums(numElements(tableShape), 0.0);
  for (size_t t = 0; t < ids.size(); ++t)
    for (int64_t d = 0; d < D; ++d)
      sums[ids[t] * D + d] += dy[t * D + d];
  Array<T> out(tableShape);
  for (int64_t i = 0; i < out.numel(); ++i)
    out[i] = static_cast<T>(sums[i]);
  dtable = std::move(out);
  return Status::success();
}

namespace {

template <typename T>
Status checkLabels(const Array<T> &logits, const std::vector<int64_t> &labels,
                   int64_t ignoreIndex, int64_t &counted) {
  int64_t V = logits.dim(1);
  counted = 0;
  for (size_t t = 0; t < labels.size(); ++t) {
    if (labels[t] == ignoreIndex)
      continue;
    if (labels[t] < 0 || labels[t] >= V)
      return Status::error("label " + std::to_string(labels[t]) +
                           " at position " + std::to_string(t) +
                           " is outside the vocabulary [0, " +
                           std::to_string(V) + ") and not the ignore index " +
                           std::to_string(ignoreIndex));
    ++counted;
  }
  return Status::success();
}

template <typename T>
double logSumExp(const T *row, int64_t V) {
  double maxLogit = -INFINITY;
  for (int64_t v = 0; v < V; ++v)
    maxLogit = std::max(maxLogit, static_cast<double>(row[v]));
  double sum = 0;
  for (int64_t v = 0; v < V; ++v)
    sum += std::exp(row[v] - maxLogit);
  return maxLogit + std::log(sum);
}

} // namespace

template <typename T>
Status crossEntropy(const Array<T> &logits, const std::vector<int64_t> &labels,
                    int64_t ignoreIndex, T &loss) {
  int64_t counted = 0, V = logits.dim(1);
  QTC_RETURN_IF_ERROR(checkLabels(logits, labels, ignoreIndex, counted));
  double total = 0;
  for (size_t t = 0; t < labels.size(); ++t)
    if (labels[t] != ignoreIndex)
      total += logSumExp(&logits[t * V], V) - logits[t * V + labels[t]];
  loss = static_cast<T>(counted ? total / counted : 0.0);
  return Status::success();
}

template <typename T>
Array<T> crossEntropyGrad(const Array<T> &logits,
                          const std::vector<int64_t> &labels,
                          int64_t ignoreIndex, T dloss) {
  int64_t V = logits.dim(1), counted = 0;
  for (int64_t label : labels)
    counted += label != ignoreIndex;
  Array<T> dlogits(logits.shape);
  for (size_t t = 0; t < labels.size(); ++t) {
    if (labels[t] == ignoreIndex)
      continue;
    double lse = logSumExp(&logits[t * V], V);
    for (int64_t v = 0; v < V; ++v) {
      double p = std::exp(logits[t * V + v] - lse) - (v == labels[t] ? 1 : 0);
      dlogits[t * V + v] = static_cast<T>(p * dloss / counted);
    }
  }
  return dlogits;
}

#define QTC_INSTANTIATE(T)                                                     \
  template Array<T> rmsnorm(const Array<T> &, const Array<T> &, double);       \
  template void rmsnormGrad(const Array<T> &, const Array<T> &, double,        \
                            const Array<T> &, Array<T> &, Array<T> &);         \
  template Array<T> rope(const Array<T> &, int64_t,                           \
                         const std::vector<int64_t> &,                         \
                         const std::vector<double> &);                         \
  template Array<T> ropeGrad(const Array<T> &, int64_t,                       \
                             const std::vector<int64_t> &,                     \
                             const std::vector<double> &);                     \
  template Array<T> attention(const Array<T> &, const Array<T> &,              \
                              const Array<T> &, AttentionShape, double);       \
  template void attentionGrad(const Array<T> &, const Array<T> &,              \
                              const Array<T> &, AttentionShape, double,        \
                              const Array<T> &, Array<T> &, Array<T> &,        \
                              Array<T> &);                                     \
  template Array<T> biasAdd(const Array<T> &, const Array<T> &);              \
  template Array<T> rowSum(const Array<T> &);                                  \
  template Array<T> swiglu(const Array<T> &, const Array<T> &);                \
  template void swigluGrad(const Array<T> &, const Array<T> &,                 \
                           const Array<T> &, Array<T> &, Array<T> &);          \
  template Status embeddingGrad(const Shape &, const std::vector<int64_t> &,  \
                                const Array<T> &, Array<T> &);                \
  template Status crossEntropy(const Array<T> &, const std::vector<int64_t> &, \
                               int64_t, T &);                                  \
  template Array<T> crossEntropyGrad(const Array<T> &,                         \
                                     const std::vector<int64_t> &, int64_t, T);
QTC_INSTANTIATE(float)
QTC_INSTANTIATE(double)
#undef QTC_INSTANTIATE

} // namespace qtc::ref
