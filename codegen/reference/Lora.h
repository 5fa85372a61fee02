//===- Lora.h - LoRA layers: f32 and GSQ-Tuning (NUMERICS.md 1) -*- C++ -*-===//
#ifndef QTC_REFERENCE_LORA_H
#define QTC_REFERENCE_LORA_H

#include "codegen/reference/Gse.h"

namespace qtc::ref {

/// y = x w + s (x a) b for x [T, K], w [K, N], a [K, r], b [r, N].
template <typename T>
Array<T> loraForward(const Array<T> &x, const Array<T> &w, const Array<T> &a,
                     const Array<T> &b, T s);

template <typename T>
struct LoraGrads {
  Array<T> da, db, dx;
};
/// h = x a, dB = s h^T dY, dH = s dY b^T, dA = x^T dH, dX = dY w^T + dH a^T.
template <typename T>
LoraGrads<T> loraBackward(const Array<T> &x, const Array<T> &dy,
                          const Array<T> &w, const Array<T> &a,
                          const Array<T> &b, T s);

/// GSQ-Tuning: every matmul operand a GSE cast grouped along its reduction
/// axis. `format` is the weight and activation format (its rounding applies
/// to them); gradients use `gradRounding`.
struct GsqConfig {
  GseFormat format;
  Rounding gradRounding = Rounding::Stochastic;
};

/// Y = Q(X) Q(W0) + s Q(H) Q(B), H = Q(X) Q(A), the sum in f32.
Status gsqLoraForward(const Array<float> &x, const Array<float> &w0,
                      const Array<float> &a, const Array<float> &b, float s,
                      const GsqConfig &config, Array<float> &y);

/// The backward of examples/ir/gsq_layer.mlir, cast for cast: dY is cast
/// along tokens with seed and along N with seed + 1, dH along tokens with
/// seed + 2 and along r with seed + 3; forward casts are re-quantized along
/// the other axis (rounding per `config.format`).
Status gsqLoraBackward(const Array<float> &x, const Array<float> &dy,
                       const Array<float> &w0, const Array<float> &a,
                       const Array<float> &b, float s, const GsqConfig &config,
                       uint64_t seed, LoraGrads<float> &grads);

} // namespace qtc::ref

#endif // QTC_REFERENCE_LORA_H
