//===- Optimizer.cpp - AdamW, quantile and t-SignSGD ----------------------===//
#include "codegen/reference/Optimizer.h"

#include <algorithm>
#include <cmath>

namespace qtc::ref {

namespace {

Status checkFinite(const Array<float> &values, const char *what) {
  for (int64_t i = 0; i < values.numel(); ++i)
    if (!std::isfinite(values[i]))
      return Status::error(std::string("non-finite ") + what + " " +
                           std::to_string(values[i]) + " at flat index " +
                           std::to_string(i));
  return Status::success();
}

/// One AdamW step over `param`, read as double by `load` and rounded once
/// by `store`.
template <typename P, typename Load, typename Store>
Status adamwStep(Array<P> &param, const Array<float> &grad, Array<float> &m,
                 Array<float> &v, int64_t step, const AdamWConfig &config,
                 Load load, Store store) {
  if (step < 1)
    return Status::error("AdamW step " + std::to_string(step) +
                         " is not a 1-based step number");
  QTC_RETURN_IF_ERROR(checkFinite(grad, "gradient"));
  double c1 = 1.0 - std::pow(config.beta1, static_cast<double>(step));
  double c2 = 1.0 - std::pow(config.beta2, static_cast<double>(step));
  for (int64_t i = 0; i < param.numel(); ++i) {
    double p = load(param[i]), g = grad[i] * config.gradScale;
    p -= config.lr * config.weightDecay * p;
    double mi = config.beta1 * m[i] + (1.0 - config.beta1) * g;
    double vi = config.beta2 * v[i] + (1.0 - config.beta2) * g * g;
    p -= config.lr * (mi / c1) / (std::sqrt(vi / c2) + config.eps);
    param[i] = store(p);
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
  }
  return Status::success();
}

} // namespace

Status adamw(Array<float> &param, const Array<float> &grad, Array<float> &m,
             Array<float> &v, int64_t step, const AdamWConfig &config) {
  return adamwStep(
      param, grad, m, v, step, config, [](float p) { return double(p); },
      [](double p) { return static_cast<float>(p); });
}

Status adamw(Array<Half> &param, const Array<float> &grad, Array<float> &m,
             Array<float> &v, int64_t step, const AdamWConfig &config) {
  return adamwStep(
      param, grad, m, v, step, config,
      [](Half p) { return double(halfToFloat(p)); },
      [](double p) { return doubleToHalf(p); });
}

double clipCoefficient(float norm, float maxNorm) {
  return std::min(1.0, static_cast<double>(maxNorm) /
                           (static_cast<double>(norm) + 1e-6));
}

double sumOfSquares(const Array<float> &values) {
  double sum = 0;
  for (float v : values.data)
    sum += static_cast<double>(v) * static_cast<double>(v);
  return sum;
}

float globalNorm(const std::vector<const Array<float> *> &tensors) {
  double sum = 0;
  for (const Array<float> *t : tensors)
    sum += sumOfSquares(*t);
  return static_cast<float>(std::sqrt(sum));
}

Status quantile(const Array<float> &values, double level, bool magnitudes,
                float &out) {
  if (!(level >= 0 && level <= 1))
    return Status::error("quantile level " + std::to_string(level) +
                         " is outside [0, 1]");
  if (values.numel() == 0)
    return Status::error("quantile of an empty tensor");
  QTC_RETURN_IF_ERROR(checkFinite(values, "value"));
  std::vector<double> sorted(values.data.begin(), values.data.end());
  if (magnitudes)
    for (double &x : sorted)
      x = std::fabs(x);
  std::sort(sorted.begin(), sorted.end());
  double position = level * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(position));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  out = static_cast<float>(sorted[lo] +
                           (sorted[hi] - sorted[lo]) * (position - lo));
  return Status::success();
}

double tsignLevel(int64_t step, int64_t totalSteps) {
  double t = static_cast<double>(step), T = static_cast<double>(totalSteps);
  double phase1End = 0.8 * T;
  if (t <= phase1End)
    return 0.95 + (t / phase1End) * (0.999 - 0.95);
  if (t >= T)
    return 0.9999;
  return 0.999 + ((t - phase1End) / (T - phase1End)) * (0.9999 - 0.999);
}

Status tsignUpdate(const Array<int8_t> &param, const Array<float> &grad,
                   double level, double upperLevel, Array<int8_t> &out) {
  float threshold = 0, upper = INFINITY;
  QTC_RETURN_IF_ERROR(quantile(grad, level, true, threshold));
  if (upperLevel < 1)
    QTC_RETURN_IF_ERROR(quantile(grad, upperLevel, true, upper));
  Array<int8_t> next(param.shape);
  for (int64_t i = 0; i < param.numel(); ++i) {
    float g = std::fabs(grad[i]);
    bool moves = g > threshold && g > 1e-9f && g < upper;
    int move = moves ? (grad[i] > 0 ? -1 : 1) : 0;
    next[i] = static_cast<int8_t>(std::clamp(param[i] + move, -1, 1));
  }
  out = std::move(next);
  return Status::success();
}

Status tsignSgd(const Array<int8_t> &param, const Array<float> &grad,
                int64_t step, int64_t totalSteps, float gradNorm,
                Array<int8_t> &out) {
  if (step < 1 || step > totalSteps)
    return Status::error("t-SignSGD step " + std::to_string(step) +
                         " is outside 1.." + std::to_string(totalSteps));
  bool upperCut = step > 0.8 * static_cast<double>(totalSteps) && gradNorm > 10;
  return tsignUpdate(param, grad, tsignLevel(step, totalSteps),
                     upperCut ? 0.99995 : 1.0, out);
}

} // namespace qtc::ref
