//===- Lota.cpp - LoTA-QAF ternary adaptation (NUMERICS.md 4) -------------===//
#include "codegen/reference/Lota.h"
#include "codegen/reference/Matmul.h"

#include <cmath>

namespace qtc::ref {

Status ternarize(const Array<float> &x, Array<int8_t> &out) {
  double sum = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (!std::isfinite(x[i]))
      return Status::error("non-finite value " + std::to_string(x[i]) +
                           " at flat index " + std::to_string(i) +
                           " reaches a ternary quantize");
    sum += std::fabs(x[i]);
  }
  float threshold =
      static_cast<float>(0.75 * sum / static_cast<double>(x.numel()));
  Array<int8_t> t(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    t[i] = std::fabs(x[i]) > threshold ? (x[i] > 0 ? 1 : -1) : 0;
  out = std::move(t);
  return Status::success();
}

Status validateTernary(const Array<int8_t> &t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (t[i] < -1 || t[i] > 1)
      return Status::error("value " + std::to_string(t[i]) + " at flat index " +
                           std::to_string(i) + " is not ternary (-1, 0, 1)");
  return Status::success();
}

Array<int32_t> ternaryProduct(const Array<int8_t> &a, const Array<int8_t> &b) {
  int64_t K = a.dim(0), r = a.dim(1), N = b.dim(1);
  Array<int32_t> dw({K, N});
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      int32_t sum = 0;
      for (int64_t j = 0; j < r; ++j)
        sum += a.at(k, j) * b.at(j, n);
      dw.at(k, n) = sum;
    }
  return dw;
}

Array<int8_t> maskedThreshold(const Array<int32_t> &dw, const AffineTensor &w,
                              double omega) {
  Array<int8_t> what(dw.shape);
  for (int64_t k = 0; k < dw.dim(0); ++k)
    for (int64_t n = 0; n < dw.dim(1); ++n) {
      int q = w.codes.at(k, n);
      int32_t d = dw.at(k, n);
      what.at(k, n) = d > omega && q != w.maxCode() ? 1
                      : d < -omega && q != 0        ? -1
                                                    : 0;
    }
  return what;
}

Array<float> lotaOffset(const Array<int32_t> &dw, const Array<int8_t> &what,
                        const AffineTensor &w, double omega,
                        OffsetScale offsetScale) {
  int64_t groups = w.numGroups(), N = dw.dim(1);
  std::vector<double> sums(groups * N, 0.0);
  std::vector<int64_t> rows(groups, 0);
  for (int64_t k = 0; k < dw.dim(0); ++k) {
    int64_t g = w.groupOf(k);
    ++rows[g];
    for (int64_t n = 0; n < N; ++n)
      sums[g * N + n] += dw.at(k, n) - omega * what.at(k, n);
  }
  Array<float> u({groups, N});
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t n = 0; n < N; ++n) {
      double mean = rows[g] ? sums[g * N + n] / static_cast<double>(rows[g]) : 0;
      u.at(g, n) = static_cast<float>(
          offsetScale == OffsetScale::InvOmega ? mean / omega : mean);
    }
  return u;
}

Status lotaMerge(const AffineTensor &w, const Array<int8_t> &what,
                 const Array<float> &offset, ZeroForm resultForm,
                 AffineTensor &out) {
  if (w.zeroForm == ZeroForm::Float)
    return Status::error("a fractional-zero weight cannot be merged into");
  if (resultForm == ZeroForm::Int)
    return Status::error("a merged weight has fractional zeros");
  if (w.zeroForm == ZeroForm::Scaled && resultForm != ZeroForm::Scaled)
    return Status::error("a scaled-zero weight merges into scaled zeros");
  AffineTensor merged = w;
  merged.zeroForm = resultForm;
  for (int64_t i = 0; i < w.codes.numel(); ++i) {
    int q = w.codes[i] + what[i];
    if (q < 0 || q > w.maxCode())
      return Status::error("merged code " + std::to_string(q) +
                           " at flat index " + std::to_string(i) +
                           " leaves the " + std::to_string(w.bits) +
                           "-bit range (the step was not masked)");
    merged.codes[i] = static_cast<uint8_t>(q);
  }
  merged.intZeros = Array<uint8_t>();
  merged.floatZeros = Array<float>(offset.shape);
  for (int64_t g = 0; g < offset.dim(0); ++g)
    for (int64_t n = 0; n < offset.dim(1); ++n) {
      float s = w.scales.at(g, n), u = offset.at(g, n);
      if (w.zeroForm == ZeroForm::Scaled) {
        // w = s (q + What + U) + zs: zs' = zs + s U (s U rounded, then the
        // sum).
        float su = s * u;
        merged.floatZeros.at(g, n) = w.floatZeros.at(g, n) + su;
        continue;
      }
      float z = w.zero(g, n);
      merged.floatZeros.at(g, n) =
          resultForm == ZeroForm::Float ? z - u : s * (u - z);
    }
  out = std::move(merged);
  return Status::success();
}

Status lotaEffectiveWeight(const AffineTensor &w, const Array<int8_t> &a,
                           const Array<int8_t> &b, double omega,
                           OffsetScale offsetScale, Array<float> &out) {
  Array<int32_t> dw = ternaryProduct(a, b);
  Array<int8_t> what = maskedThreshold(dw, w, omega);
  Array<float> u = lotaOffset(dw, what, w, omega, offsetScale);
  AffineTensor merged;
  QTC_RETURN_IF_ERROR(lotaMerge(
      w, what, u,
      w.zeroForm == ZeroForm::Scaled ? ZeroForm::Scaled : ZeroForm::Float,
      merged));
  out = dequantizeAffine(merged);
  return Status::success();
}

template <typename T>
Array<T> lotaDeltaGrad(const Array<T> &weightGrad, const AffineTensor &w,
                       double omega, OffsetScale offsetScale) {
  int64_t K = weightGrad.dim(0), N = weightGrad.dim(1), groups = w.numGroups();
  Array<T> scaled({K, N});
  std::vector<double> sums(groups * N, 0.0);
  std::vector<int64_t> rows(groups, 0);
  for (int64_t k = 0; k < K; ++k) {
    int64_t g = w.groupOf(k);
    ++rows[g];
    for (int64_t n = 0; n < N; ++n) {
      scaled.at(k, n) = static_cast<T>(w.scales.at(g, n)) * weightGrad.at(k, n);
      sums[g * N + n] += scaled.at(k, n);
    }
  }
  double c = offsetScale == OffsetScale::InvOmega ? 1.0 / omega : 1.0;
  Array<T> out({K, N});
  for (int64_t k = 0; k < K; ++k) {
    int64_t g = w.groupOf(k);
    for (int64_t n = 0; n < N; ++n)
      out.at(k, n) = scaled.at(k, n) +
                     static_cast<T>(c * sums[g * N + n] /
                                    static_cast<double>(rows[g]));
  }
  return out;
}
template Array<float> lotaDeltaGrad(const Array<float> &, const AffineTensor &,
                                    double, OffsetScale);
template Array<double> lotaDeltaGrad(const Array<double> &,
                                     const AffineTensor &, double, OffsetScale);

Status lotaBackward(const Array<float> &x, const Array<float> &dy,
                    const AffineTensor &w, const Array<int8_t> &a,
                    const Array<int8_t> &b, double omega,
                    OffsetScale offsetScale, LotaGrads &out) {
  Array<float> weff;
  QTC_RETURN_IF_ERROR(lotaEffectiveWeight(w, a, b, omega, offsetScale, weff));
  Array<float> gw = matmul(x, true, dy, false);
  Array<float> ddw = lotaDeltaGrad(gw, w, omega, offsetScale);
  out.da = matmul(ddw, false, convert<float>(b), true);
  out.db = matmul(convert<float>(a), true, ddw, false);
  out.dx = matmul(dy, false, weff, true);
  return Status::success();
}

} // namespace qtc::ref
