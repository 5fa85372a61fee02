//===- Nf4.cpp - NormalFloat-4 base weights (NUMERICS.md 2) ---------------===//
#include "codegen/reference/Nf4.h"

#include <cmath>

namespace qtc::ref {

const float kNf4Codes[16] = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f};

Status quantizeNf4(const Array<float> &x, int64_t block, Nf4Tensor &out) {
  if (block <= 0 || block % 2 != 0 || x.numel() % block != 0)
    return Status::error("NF4 block " + std::to_string(block) +
                         " must be even and divide the " +
                         std::to_string(x.numel()) + " elements");
  for (int64_t i = 0; i < x.numel(); ++i)
    if (!std::isfinite(x[i]))
      return Status::error("non-finite value " + std::to_string(x[i]) +
                           " at flat index " + std::to_string(i) +
                           " reaches an NF4 quantize");
  Nf4Tensor q;
  q.shape = x.shape;
  q.block = block;
  q.packed = Array<uint8_t>({x.numel() / 2});
  q.absmax = Array<float>({x.numel() / block});
  for (int64_t b = 0; b < x.numel() / block; ++b) {
    float amax = 0;
    for (int64_t i = b * block; i < (b + 1) * block; ++i)
      amax = std::fmax(amax, std::fabs(x[i]));
    q.absmax[b] = amax;
    for (int64_t i = b * block; i < (b + 1) * block; ++i) {
      uint8_t best = 7; // code 0.0, also for an all-zero block
      if (amax != 0) {
        double v = x[i] / amax; // the f32 quotient, compared in double
        double bestDistance = INFINITY;
        for (uint8_t c = 0; c < 16; ++c) {
          double distance = std::fabs(v - kNf4Codes[c]);
          if (distance < bestDistance) {
            bestDistance = distance;
            best = c;
          }
        }
      }
      q.packed[i / 2] |= i % 2 ? best << 4 : best;
    }
  }
  out = std::move(q);
  return Status::success();
}

Array<float> dequantizeNf4(const Nf4Tensor &q) {
  Array<float> x(q.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    x[i] = kNf4Codes[q.index(i)] * q.absmax[i / q.block];
  return x;
}

} // namespace qtc::ref
