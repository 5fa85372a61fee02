//===- ModelBench.cpp - the model-op kernels against their peers ----------===//
#include "tools/qtc-bench/ModelBench.h"
#include "tools/qtc-bench/ShapeList.h"

#include "qtc_attention.h"
#include "qtc_attention_grad.h"
#include "qtc_rmsnorm.h"
#include "qtc_swiglu.h"

#include "HalideBuffer.h"
#include <cblas.h>

#include <cmath>
#include <cstring>
#include <random>

namespace qtc::bench {
namespace {

bool parseAttention(const std::string &item, AttentionShape &s) {
  char tail = 0;
  return std::sscanf(item.c_str(), "%ldx%ldx%ldx%ldx%ld%c", &s.seqs,
                     &s.seqLen, &s.heads, &s.kvHeads, &s.headDim,
                     &tail) == 5 &&
         s.seqs > 0 && s.seqLen > 0 && s.heads > 0 && s.kvHeads > 0 &&
         s.headDim > 0 && s.heads % s.kvHeads == 0;
}

bool parseRows(const std::string &item, RowsShape &s) {
  char tail = 0;
  return std::sscanf(item.c_str(), "%ldx%ld%c", &s.tokens, &s.width, &tail) ==
             2 &&
         s.tokens > 0 && s.width > 0;
}

/// The OpenBLAS peer of the attention kernels: per sequence and head, the
/// [S, S] scores by SGEMM, the causal softmax by rows, then SGEMMs.
class BlasAttention {
public:
  BlasAttention(const AttentionShape &s, double scale)
      : s(s), scale(static_cast<float>(scale)), p(s.seqLen * s.seqLen),
        dp(s.seqLen * s.seqLen) {}

  void forward(const float *q, const float *k, const float *v, float *out) {
    for (int64_t b = 0; b < s.seqs; ++b)
      for (int64_t h = 0; h < s.heads; ++h) {
        probabilities(q, k, b, h);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S(), D(), S(),
                    1.0f, p.data(), S(), kvHead(v, b, h), kvStride(), 0.0f,
                    head(out, b, h), qStride());
      }
  }

  void backward(const float *q, const float *k, const float *v,
                const float *dout, float *dq, float *dk, float *dv) {
    std::memset(dk, 0, sizeof(float) * s.seqs * S() * s.kvHeads * D());
    std::memset(dv, 0, sizeof(float) * s.seqs * S() * s.kvHeads * D());
    for (int64_t b = 0; b < s.seqs; ++b)
      for (int64_t h = 0; h < s.heads; ++h) {
        probabilities(q, k, b, h);
        const float *doh = head(dout, b, h);
        // dP = dO V^T; dV += P^T dO.
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S(), S(), D(),
                    1.0f, doh, qStride(), kvHead(v, b, h), kvStride(), 0.0f,
                    dp.data(), S());
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S(), D(), S(),
                    1.0f, p.data(), S(), doh, qStride(), 1.0f,
                    kvHead(dv, b, h), kvStride());
        // dS = P (dP - rowsum(P dP)), in place of dP.
        for (int64_t i = 0; i < S(); ++i) {
          float *pr = &p[i * S()], *dr = &dp[i * S()];
          float dot = 0;
          for (int64_t j = 0; j <= i; ++j)
            dot += pr[j] * dr[j];
          for (int64_t j = 0; j < S(); ++j)
            dr[j] = j <= i ? pr[j] * (dr[j] - dot) : 0.0f;
        }
        // dQ = scale dS K; dK += scale dS^T Q.
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S(), D(), S(),
                    scale, dp.data(), S(), kvHead(k, b, h), kvStride(), 0.0f,
                    head(dq, b, h), qStride());
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S(), D(), S(),
                    scale, dp.data(), S(), head(q, b, h), qStride(), 1.0f,
                    kvHead(dk, b, h), kvStride());
      }
  }

private:
  int64_t S() const { return s.seqLen; }
  int64_t D() const { return s.headDim; }
  int64_t qStride() const { return s.heads * D(); }
  int64_t kvStride() const { return s.kvHeads * D(); }
  template <typename T>
  T *head(T *x, int64_t b, int64_t h) const {
    return x + b * S() * qStride() + h * D();
  }
  template <typename T>
  T *kvHead(T *x, int64_t b, int64_t h) const {
    return x + b * S() * kvStride() + h / (s.heads / s.kvHeads) * D();
  }

  /// p = causal softmax(scale Q_h K_g^T) of sequence b.
  void probabilities(const float *q, const float *k, int64_t b, int64_t h) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S(), S(), D(), scale,
                head(q, b, h), qStride(), kvHead(k, b, h), kvStride(), 0.0f,
                p.data(), S());
    for (int64_t i = 0; i < S(); ++i) {
      float *row = &p[i * S()];
      float max = row[0];
      for (int64_t j = 1; j <= i; ++j)
        max = std::max(max, row[j]);
      float sum = 0;
      for (int64_t j = 0; j <= i; ++j)
        sum += row[j] = std::exp(row[j] - max);
      for (int64_t j = 0; j < S(); ++j)
        row[j] = j <= i ? row[j] / sum : 0.0f;
    }
  }

  AttentionShape s;
  float scale;
  std::vector<float> p, dp;
};

std::string attentionName(const AttentionShape &s) {
  return std::to_string(s.seqs) + "x" + std::to_string(s.seqLen) + " h" +
         std::to_string(s.heads) + "/" + std::to_string(s.kvHeads) + " d" +
         std::to_string(s.headDim);
}

void print(const Record &r) {
  std::printf("%-16s %-22s %8.1f %-5s  %-22s %8.1f %7.2f\n", r.kernel.c_str(),
              r.shape.c_str(), r.rate, r.unit.c_str(), r.baseline.c_str(),
              r.baselineRate, r.rate / r.baselineRate);
  std::fflush(stdout);
}

} // namespace

bool parseAttentionShapes(const std::string &text,
                          std::vector<AttentionShape> &shapes) {
  return parseShapeList(text, shapes, parseAttention,
                        "SEQSxSEQ_LENxHEADSxKV_HEADSxDIM, positive, heads a "
                        "multiple of kv_heads");
}

bool parseRowsShapes(const std::string &text, std::vector<RowsShape> &shapes) {
  return parseShapeList(text, shapes, parseRows, "TOKENSxWIDTH, positive");
}

std::vector<Record> benchModelKernels(const std::vector<AttentionShape> &attention,
                                      const std::vector<RowsShape> &rows,
                                      int repeat, const std::string &variant) {
  std::vector<Record> records;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto randomVector = [&](int64_t n) {
    std::vector<float> x(n);
    for (float &v : x)
      v = normal(rng);
    return x;
  };
  std::printf("%-16s %-22s %8s %-5s  %-22s %8s %7s\n", "kernel", "shape", "rate",
              "unit", "baseline", "rate", "ratio");
  auto add = [&](Record r) {
    print(r);
    records.push_back(std::move(r));
  };

  for (const AttentionShape &s : attention) {
    std::fprintf(stderr, "qtc-bench: attention %s ...\n",
                 attentionName(s).c_str());
    const int64_t T = s.seqs * s.seqLen, HD = s.heads * s.headDim,
                  KD = s.kvHeads * s.headDim;
    const double scale = 1.0 / std::sqrt(double(s.headDim));
    std::vector<float> q = randomVector(T * HD), k = randomVector(T * KD),
                       v = randomVector(T * KD), dout = randomVector(T * HD);
    std::vector<float> out(T * HD), dq(T * HD), dk(T * KD), dv(T * KD);
    std::vector<float> bout(T * HD), bdq(T * HD), bdk(T * KD), bdv(T * KD);
    Halide::Runtime::Buffer<float> qb(q.data(), HD, T), kb(k.data(), KD, T),
        vb(v.data(), KD, T), dob(dout.data(), HD, T), ob(out.data(), HD, T),
        dqb(dq.data(), HD, T), dkb(dk.data(), KD, T), dvb(dv.data(), KD, T);
    auto h = static_cast<int32_t>(s.heads), kv = static_cast<int32_t>(s.kvHeads),
         d = static_cast<int32_t>(s.headDim),
         len = static_cast<int32_t>(s.seqLen);
    BlasAttention blas(s, scale);
    // Nominal operations: QK^T and PV over the whole square (forward);
    // those, dO V^T, P^T dO, dS K and dS^T Q (backward).
    const double square =
        2.0 * s.seqs * s.heads * s.seqLen * s.seqLen * s.headDim;
    double ours = timeIt(repeat, [&] {
      check(qtc_attention(qb, kb, vb, h, kv, d, len, scale, ob), "attention");
    });
    double theirs = timeIt(repeat, [&] {
      blas.forward(q.data(), k.data(), v.data(), bout.data());
    });
    agree("attention", out, bout);
    add({"attention", variant, attentionName(s), "GOP/s",
         2 * square / ours / 1e9, "openblas_sgemm_softmax",
         2 * square / theirs / 1e9});
    ours = timeIt(repeat, [&] {
      check(qtc_attention_grad(qb, kb, vb, dob, h, kv, d, len, scale, dqb, dkb,
                               dvb),
            "attention_grad");
    });
    theirs = timeIt(repeat, [&] {
      blas.backward(q.data(), k.data(), v.data(), dout.data(), bdq.data(),
                    bdk.data(), bdv.data());
    });
    agree("attention_grad dq", dq, bdq);
    agree("attention_grad dk", dk, bdk);
    agree("attention_grad dv", dv, bdv);
    add({"attention_grad", variant, attentionName(s), "GOP/s",
         5 * square / ours / 1e9, "openblas_sgemm_softmax",
         5 * square / theirs / 1e9});
  }

  for (const RowsShape &s : rows) {
    const int64_t n = s.tokens * s.width;
    std::fprintf(stderr, "qtc-bench: rows %ldx%ld ...\n", s.tokens, s.width);
    std::vector<float> x = randomVector(n), up = randomVector(n),
                       weight = randomVector(s.width), y(n), copy(n);
    Halide::Runtime::Buffer<float> xb(x.data(), s.width, s.tokens),
        wb(weight.data(), s.width), yb(y.data(), s.width, s.tokens),
        flatX(x.data(), n), flatUp(up.data(), n), flatY(y.data(), n);
    const std::string shape =
        std::to_string(s.tokens) + "x" + std::to_string(s.width);
    // memcpy moving `bytes` (read and written) in all.
    auto memcpyRate = [&](double bytes) {
      std::vector<char> from(static_cast<size_t>(bytes / 2)),
          to(static_cast<size_t>(bytes / 2));
      std::memset(from.data(), 1, from.size());
      double seconds = timeIt(
          repeat, [&] { std::memcpy(to.data(), from.data(), from.size()); });
      return bytes / seconds / 1e9;
    };
    // RMSNorm reads x and the weight and writes y.
    double bytes = 4.0 * (2 * n + s.width);
    double seconds = timeIt(repeat, [&] {
      check(qtc_rmsnorm(xb, wb, 1e-5f, yb), "rmsnorm");
    });
    add({"rmsnorm", variant, shape, "GB/s", bytes / seconds / 1e9, "memcpy",
         memcpyRate(bytes)});
    // SwiGLU reads gate and up and writes the product.
    bytes = 4.0 * 3 * n;
    seconds = timeIt(repeat, [&] {
      check(qtc_swiglu(flatX, flatUp, flatY), "swiglu");
    });
    add({"swiglu", variant, shape, "GB/s", bytes / seconds / 1e9, "memcpy",
         memcpyRate(bytes)});
  }
  return records;
}

} // namespace qtc::bench
