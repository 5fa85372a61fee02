//===- AffineMseGrid.cpp - OWQ's MSE-grid row quantizer -------------------===//
#include "codegen/reference/AffineMseGrid.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qtc::ref {

namespace {

// The authors' floor on a scale, and the score every candidate must beat.
constexpr float kMinScale = 1e-8f;
constexpr float kInitialScore = 1e10f;
constexpr float kNorm = 2.4f;

/// The quantize-dequantize of one value: scale * (clamp(r + zero) - zero),
/// r already rounded (the authors' `quantize_efficient`).
float roundTrip(float rounded, float scale, float zero, float maxq) {
  return scale * (std::clamp(rounded + zero, 0.0f, maxq) - zero);
}

/// The zero point a range starting at `lo` (<= 0) gets: clamp(-rne(lo / s)).
float zeroFor(float lo, float scale, float maxq) {
  return std::clamp(0.0f - std::nearbyint(lo / scale), 0.0f, maxq);
}

std::string columnRange(int64_t n, float lo, float hi) {
  return "column " + std::to_string(n) + " spans [" + std::to_string(lo) +
         ", " + std::to_string(hi) + "]";
}

} // namespace

Status quantizeAffineMseGrid(const Array<float> &w, int bits,
                             int64_t gridPoints, AffineTensor &out) {
  if (w.rank() != 2 || bits < 2 || bits > 8 || gridPoints < 1)
    return Status::error("the MSE-grid quantizer needs a [K, N] weight, bits "
                         "in [2, 8] and a positive grid; got " +
                         formatShape(w.shape) + ", bits " +
                         std::to_string(bits) + ", grid " +
                         std::to_string(gridPoints));
  for (int64_t i = 0; i < w.numel(); ++i)
    if (!std::isfinite(w[i]))
      return Status::error("non-finite value " + std::to_string(w[i]) +
                           " at flat index " + std::to_string(i) +
                           " reaches the MSE-grid quantizer");
  int64_t K = w.dim(0), N = w.dim(1);
  int levels = 1 << bits;
  float maxq = static_cast<float>(levels - 1);
  AffineTensor q;
  q.bits = bits;
  q.group = K;
  q.codes = Array<uint8_t>({K, N});
  q.scales = Array<float>({1, N});
  q.intZeros = Array<uint8_t>({1, N});
  std::vector<float> rounded(K);
  for (int64_t n = 0; n < N; ++n) {
    float xmin = 0, xmax = 0;
    for (int64_t k = 0; k < K; ++k) {
      xmin = std::min(xmin, w.at(k, n));
      xmax = std::max(xmax, w.at(k, n));
    }
    float range = xmax - xmin;
    if (!std::isfinite(range))
      return Status::error(columnRange(n, xmin, xmax) +
                           ", a range beyond f32: the MSE-grid quantizer "
                           "cannot scale it");
    float bestScore = kInitialScore, bestMin = xmin, bestMax = xmax;
    for (int64_t i = 1; i <= gridPoints; ++i) {
      // Candidate ranges [0, hi] shifted down by whole steps (the zero point).
      float hi = range / static_cast<float>(gridPoints) * static_cast<float>(i);
      float scale = std::max(hi / maxq, kMinScale);
      for (int64_t k = 0; k < K; ++k)
        rounded[k] = std::nearbyint(w.at(k, n) / scale);
      for (int zp = 0; zp < levels; ++zp) {
        float shift = static_cast<float>(zp) * scale;
        float lo = 0.0f - shift, top = hi - shift;
        float zero = zeroFor(lo, scale, maxq);
        double sum = 0;
        for (int64_t k = 0; k < K; ++k)
          sum += std::pow(
              std::fabs(w.at(k, n) - roundTrip(rounded[k], scale, zero, maxq)),
              kNorm);
        float score = static_cast<float>(sum / static_cast<double>(K));
        if (score < bestScore) {
          bestScore = score;
          bestMin = lo;
          bestMax = top;
        }
      }
    }
    // The kept range, widened to include 0, gives the scale and zero.
    float lo = std::min(bestMin, 0.0f), hi = std::max(bestMax, 0.0f);
    float scale = std::max((hi - lo) / maxq, kMinScale);
    if (!std::isfinite(scale))
      return Status::error(columnRange(n, lo, hi) +
                           ", a range beyond f32 after the grid search");
    float zero = zeroFor(lo, scale, maxq);
    q.scales.at(0, n) = scale;
    q.intZeros.at(0, n) = static_cast<uint8_t>(zero);
    for (int64_t k = 0; k < K; ++k)
      q.codes.at(k, n) = static_cast<uint8_t>(std::clamp(
          std::nearbyint(w.at(k, n) / scale) + zero, 0.0f, maxq));
  }
  out = std::move(q);
  return Status::success();
}

} // namespace qtc::ref
