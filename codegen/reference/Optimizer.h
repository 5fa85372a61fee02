//===- Optimizer.h - AdamW, quantile and t-SignSGD --------------*- C++ -*-===//
#ifndef QTC_REFERENCE_OPTIMIZER_H
#define QTC_REFERENCE_OPTIMIZER_H

#include "codegen/reference/Array.h"
#include "runtime/Half.h"
#include "runtime/Status.h"

namespace qtc::ref {

struct AdamWConfig {
  double lr = 1e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0;
  /// The gradient's factor: 1, or clipCoefficient() when clipping.
  double gradScale = 1;
};

/// torch.nn.utils.clip_grad_norm_'s factor for a global gradient norm:
/// min(1, maxNorm / (norm + 1e-6)), in f64 from the f32 values. The
/// generated step computes the same expression (StepCodegen's lowerAdamW).
double clipCoefficient(float norm, float maxNorm);

/// One AdamW step (PyTorch's torch.optim.AdamW), step >= 1, per element in
/// double (g = grad * gradScale), each of p, m, v rounded once to f32:
///   p -= lr wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
/// Fails on step < 1 or a non-finite gradient.
Status adamw(Array<float> &param, const Array<float> &grad, Array<float> &m,
             Array<float> &v, int64_t step, const AdamWConfig &config);
/// The same for f16 parameters (QEFT's weak columns): p is computed in
/// double from the f16 value and rounded once to f16, not through f32
/// (NUMERICS.md 5).
Status adamw(Array<Half> &param, const Array<float> &grad, Array<float> &m,
             Array<float> &v, int64_t step, const AdamWConfig &config);

/// The `level` quantile (0..1) of the values, or of their magnitudes,
/// interpolating linearly between order statistics (torch.quantile's
/// default) in double, rounded once to f32.
Status quantile(const Array<float> &values, double level, bool magnitudes,
                float &out);

/// sum(x^2) in f64, in element order.
double sumOfSquares(const Array<float> &values);

/// sqrt of the operands' sums of squares added in operand order, rounded
/// once to f32: qt.global_norm, the norm t-SignSGD's upper cut reads.
float globalNorm(const std::vector<const Array<float> *> &tensors);

/// t-SignSGD's level at step t of T: 0.95 -> 0.999 linearly up to 0.8 T,
/// then 0.999 -> 0.9999, reaching 0.9999 at t = T (LoTA-QAF's released
/// optimizer).
double tsignLevel(int64_t step, int64_t totalSteps);

/// Moves p by -sign(g) where |g| > quantile(|g|, level) and |g| > 1e-9 (and,
/// with upperLevel < 1, |g| < quantile(|g|, upperLevel)); clamps to [-1, 1].
Status tsignUpdate(const Array<int8_t> &param, const Array<float> &grad,
                   double level, double upperLevel, Array<int8_t> &out);

/// One t-SignSGD step on a ternary tensor (NUMERICS.md 4): tsignUpdate at
/// tsignLevel(t, T), with the upper cut at 0.99995 in the late phase
/// (t > 0.8 T) when the global gradient norm exceeds 10.
Status tsignSgd(const Array<int8_t> &param, const Array<float> &grad,
                int64_t step, int64_t totalSteps, float gradNorm,
                Array<int8_t> &out);

} // namespace qtc::ref

#endif // QTC_REFERENCE_OPTIMIZER_H
