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

namespace {

/// Rotates each (i, i + D/2) pair of x [B, H, S, D] by sign * angle.
template <typename T>
Array<T> rotate(const Array<T> &x, const std::vector<int64_t> &positions,
                double theta, double sign) {
  int64_t S = x.dim(2), D = x.dim(3), half = D / 2;
  int64_t heads = x.dim(0) * x.dim(1);
  Array<T> y(x.shape);
  for (int64_t bh = 0; bh < heads; ++bh)
    for (int64_t s = 0; s < S; ++s) {
      double position = positions.empty() ? s : positions[s];
      for (int64_t i = 0; i < half; ++i) {
        double angle = sign * position *
                       std::pow(theta, -2.0 * static_cast<double>(i) / D);
        double c = std::cos(angle), sn = std::sin(angle);
        int64_t base = (bh * S + s) * D;
        double x1 = x[base + i], x2 = x[base + i + half];
        y[base + i] = static_cast<T>(x1 * c - x2 * sn);
        y[base + i + half] = static_cast<T>(x2 * c + x1 * sn);
      }
    }
  return y;
}

} // namespace

template <typename T>
Array<T> rope(const Array<T> &x, const std::vector<int64_t> &positions,
              double theta) {
  return rotate(x, positions, theta, 1.0);
}

template <typename T>
Array<T> ropeGrad(const Array<T> &dy, const std::vector<int64_t> &positions,
                  double theta) {
  return rotate(dy, positions, theta, -1.0);
}

namespace {

/// Causal softmax probabilities of one (batch, query head): p [S, S].
template <typename T>
std::vector<double> attentionProbs(const Array<T> &q, const Array<T> &k,
                                   int64_t b, int64_t h, int64_t hk,
                                   double scale) {
  int64_t Hq = q.dim(1), Hkv = k.dim(1), S = q.dim(2), D = q.dim(3);
  const T *qh = &q[((b * Hq) + h) * S * D];
  const T *kh = &k[((b * Hkv) + hk) * S * D];
  std::vector<double> p(S * S, 0.0);
  for (int64_t i = 0; i < S; ++i) {
    double maxScore = -INFINITY;
    for (int64_t j = 0; j <= i; ++j) {
      double dot = 0;
      for (int64_t d = 0; d < D; ++d)
        dot += static_cast<double>(qh[i * D + d]) * kh[j * D + d];
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
                   double scale) {
  int64_t B = q.dim(0), Hq = q.dim(1), Hkv = k.dim(1), S = q.dim(2),
          D = q.dim(3);
  Array<T> out(q.shape);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      int64_t hk = h / (Hq / Hkv);
      std::vector<double> p = attentionProbs(q, k, b, h, hk, scale);
      const T *vh = &v[((b * Hkv) + hk) * S * D];
      T *oh = &out[((b * Hq) + h) * S * D];
      for (int64_t i = 0; i < S; ++i)
        for (int64_t d = 0; d < D; ++d) {
          double sum = 0;
          for (int64_t j = 0; j <= i; ++j)
            sum += p[i * S + j] * vh[j * D + d];
          oh[i * D + d] = static_cast<T>(sum);
        }
    }
  return out;
}

template <typename T>
void attentionGrad(const Array<T> &q, const Array<T> &k, const Array<T> &v,
                   double scale, const Array<T> &dout, Array<T> &dq,
                   Array<T> &dk, Array<T> &dv) {
  int64_t B = q.dim(0), Hq = q.dim(1), Hkv = k.dim(1), S = q.dim(2),
          D = q.dim(3);
  std::vector<double> dqSum(q.numel(), 0.0), dkSum(k.numel(), 0.0),
      dvSum(v.numel(), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      int64_t hk = h / (Hq / Hkv);
      std::vector<double> p = attentionProbs(q, k, b, h, hk, scale);
      int64_t qBase = ((b * Hq) + h) * S * D, kBase = ((b * Hkv) + hk) * S * D;
      for (int64_t i = 0; i < S; ++i) {
        // dP[i, j] = dO_i . v_j; dS = P (dP - sum_j P dP).
        std::vector<double> dp(i + 1);
        double rowDot = 0;
        for (int64_t j = 0; j <= i; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += static_cast<double>(dout[qBase + i * D + d]) *
                   v[kBase + j * D + d];
          dp[j] = dot;
          rowDot += p[i * S + j] * dot;
        }
        for (int64_t j = 0; j <= i; ++j) {
          double ds = p[i * S + j] * (dp[j] - rowDot) * scale;
          for (int64_t d = 0; d < D; ++d) {
            dqSum[qBase + i * D + d] += ds * k[kBase + j * D + d];
            dkSum[kBase + j * D + d] += ds * q[qBase + i * D + d];
            dvSum[kBase + j * D + d] +=
                p[i * S + j] * dout[qBase + i * D + d];
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

Status embedding(const Array<float> &table, const std::vector<int64_t> &ids,
                 Array<float> &out) {
  int64_t V = table.dim(0), D = table.dim(1);
  Array<float> y({static_cast<int64_t>(ids.size()), D});
  for (size_t t = 0; t < ids.size(); ++t) {
    if (ids[t] < 0 || ids[t] >= V)
      return Status::error("token id " + std::to_string(ids[t]) +
                           " at position " + std::to_string(t) +
                           " is outside the vocabulary [0, " +
                           std::to_string(V) + ")");
    std::copy_n(&table[ids[t] * D], D, &y[t * D]);
  }
  out = std::move(y);
  return Status::success();
}

template <typename T>
Array<T> embeddingGrad(const Shape &tableShape,
                       const std::vector<int64_t> &ids, const Array<T> &dy) {
  int64_t D = tableShape[1];
  std::vector<double> sums(numElements(tableShape), 0.0);
  for (size_t t = 0; t < ids.size(); ++t)
    for (int64_t d = 0; d < D; ++d)
      sums[ids[t] * D + d] += dy[t * D + d];
  Array<T> dtable(tableShape);
  for (int64_t i = 0; i < dtable.numel(); ++i)
    dtable[i] = static_cast<T>(sums[i]);
  return dtable;
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
  template Array<T> rope(const Array<T> &, const std::vector<int64_t> &,       \
                         double);                                              \
  template Array<T> ropeGrad(const Array<T> &, const std::vector<int64_t> &,   \
                             double);                                          \
  template Array<T> attention(const Array<T> &, const Array<T> &,              \
                              const Array<T> &, double);                       \
  template void attentionGrad(const Array<T> &, const Array<T> &,              \
                              const Array<T> &, double, const Array<T> &,      \
                              Array<T> &, Array<T> &, Array<T> &);             \
  template Array<T> swiglu(const Array<T> &, const Array<T> &);                \
  template void swigluGrad(const Array<T> &, const Array<T> &,                 \
                           const Array<T> &, Array<T> &, Array<T> &);          \
  template Array<T> embeddingGrad(const Shape &,                               \
                                  const std::vector<int64_t> &,                \
                                  const Array<T> &);                           \
  template Status crossEntropy(const Array<T> &, const std::vector<int64_t> &, \
                               int64_t, T &);                                  \
  template Array<T> crossEntropyGrad(const Array<T> &,                         \
                                     const std::vector<int64_t> &, int64_t, T);
QTC_INSTANTIATE(float)
QTC_INSTANTIATE(double)
#undef QTC_INSTANTIATE

} // namespace qtc::ref
