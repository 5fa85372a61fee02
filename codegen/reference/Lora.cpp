//===- Lora.cpp - LoRA layers: f32 and GSQ-Tuning (NUMERICS.md 1) ---------===//
#include "codegen/reference/Lora.h"
#include "codegen/reference/Matmul.h"

namespace qtc::ref {

template <typename T>
Array<T> loraForward(const Array<T> &x, const Array<T> &w, const Array<T> &a,
                     const Array<T> &b, T s) {
  Array<T> h = matmul(x, false, a, false);
  return add(matmul(x, false, w, false), scale(matmul(h, false, b, false), s));
}

template <typename T>
LoraGrads<T> loraBackward(const Array<T> &x, const Array<T> &dy,
                          const Array<T> &w, const Array<T> &a,
                          const Array<T> &b, T s) {
  Array<T> h = matmul(x, false, a, false);
  LoraGrads<T> grads;
  grads.db = scale(matmul(h, true, dy, false), s);
  Array<T> dh = scale(matmul(dy, false, b, true), s);
  grads.da = matmul(x, true, dh, false);
  grads.dx = add(matmul(dy, false, w, true), matmul(dh, false, a, true));
  return grads;
}

#define QTC_INSTANTIATE(T)                                                     \
  template Array<T> loraForward(const Array<T> &, const Array<T> &,            \
                                const Array<T> &, const Array<T> &, T);        \
  template LoraGrads<T> loraBackward(const Array<T> &, const Array<T> &,       \
                                     const Array<T> &, const Array<T> &,       \
                                     const Array<T> &, T);
QTC_INSTANTIATE(float)
QTC_INSTANTIATE(double)
#undef QTC_INSTANTIATE

namespace {

/// A GSE cast of x along `axis` with the given rounding.
Status cast(const Array<float> &x, int64_t axis, const GseFormat &base,
            Rounding rounding, uint64_t seed, GseTensor &out) {
  GseFormat format = base;
  format.rounding = rounding;
  return quantizeGse(x, axis, format, seed, out);
}

Array<float> mm(const GseTensor &a, bool ta, const GseTensor &b, bool tb) {
  return gseMatmul(a, ta, b, tb, Accumulation::F32);
}

} // namespace

Status gsqLoraForward(const Array<float> &x, const Array<float> &w0,
                      const Array<float> &a, const Array<float> &b, float s,
                      const GsqConfig &config, Array<float> &y) {
  const GseFormat &f = config.format;
  Rounding r = f.rounding;
  GseTensor xq, aq, wq, hq, bq;
  QTC_RETURN_IF_ERROR(cast(x, 1, f, r, 0, xq).withContext("X"));
  QTC_RETURN_IF_ERROR(cast(a, 0, f, r, 0, aq).withContext("A"));
  QTC_RETURN_IF_ERROR(cast(w0, 0, f, r, 0, wq).withContext("W0"));
  QTC_RETURN_IF_ERROR(cast(mm(xq, false, aq, false), 1, f, r, 0, hq)
                          .withContext("H"));
  QTC_RETURN_IF_ERROR(cast(b, 0, f, r, 0, bq).withContext("B"));
  Array<float> y0 = mm(xq, false, wq, false);
  Array<float> y1 = mm(hq, false, bq, false);
  y = add(y0, scale(y1, s));
  return Status::success();
}

Status gsqLoraBackward(const Array<float> &x, const Array<float> &dy,
                       const Array<float> &w0, const Array<float> &a,
                       const Array<float> &b, float s, const GsqConfig &config,
                       uint64_t seed, LoraGrads<float> &grads) {
  const GseFormat &f = config.format;
  Rounding r = f.rounding, gr = config.gradRounding;
  GseTensor xq, aq, hq, bq;
  QTC_RETURN_IF_ERROR(cast(x, 1, f, r, 0, xq).withContext("X"));
  QTC_RETURN_IF_ERROR(cast(a, 0, f, r, 0, aq).withContext("A"));
  QTC_RETURN_IF_ERROR(cast(mm(xq, false, aq, false), 1, f, r, 0, hq)
                          .withContext("H"));
  QTC_RETURN_IF_ERROR(cast(b, 0, f, r, 0, bq).withContext("B"));
  // Re-quantizations of forward casts along the other axis.
  GseTensor ht, bn, xt, w0n, ar;
  QTC_RETURN_IF_ERROR(cast(dequantizeGse(hq), 0, f, r, 0, ht));
  QTC_RETURN_IF_ERROR(cast(dequantizeGse(bq), 1, f, r, 0, bn));
  QTC_RETURN_IF_ERROR(cast(dequantizeGse(xq), 0, f, r, 0, xt));
  QTC_RETURN_IF_ERROR(cast(w0, 1, f, r, 0, w0n).withContext("W0"));
  QTC_RETURN_IF_ERROR(cast(dequantizeGse(aq), 1, f, r, 0, ar));
  // Gradient casts.
  GseTensor dyt, dyn, dht, dhr;
  QTC_RETURN_IF_ERROR(cast(dy, 0, f, gr, seed, dyt).withContext("dY"));
  QTC_RETURN_IF_ERROR(cast(dy, 1, f, gr, seed + 1, dyn).withContext("dY"));
  grads.db = scale(mm(ht, true, dyt, false), s);
  Array<float> dh = scale(mm(dyn, false, bn, true), s);
  QTC_RETURN_IF_ERROR(cast(dh, 0, f, gr, seed + 2, dht).withContext("dH"));
  grads.da = mm(xt, true, dht, false);
  QTC_RETURN_IF_ERROR(cast(dh, 1, f, gr, seed + 3, dhr).withContext("dH"));
  grads.dx = add(mm(dyn, false, w0n, true), mm(dhr, false, ar, true));
  return Status::success();
}

} // namespace qtc::ref
