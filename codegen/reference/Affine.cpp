//===- Affine.cpp - Affine integer weights (NUMERICS.md 3) ----------------===//
#include "codegen/reference/Affine.h"
#include "runtime/Half.h"

#include <algorithm>
#include <cmath>

namespace qtc::ref {

Status validateAffine(const AffineTensor &w) {
  for (int64_t i = 0; i < w.codes.numel(); ++i)
    if (w.codes[i] > w.maxCode())
      return Status::error("code " + std::to_string(w.codes[i]) +
                           " at flat index " + std::to_string(i) +
                           " does not fit in " + std::to_string(w.bits) +
                           " bits");
  if (w.zeroForm == ZeroForm::Int)
    for (int64_t i = 0; i < w.intZeros.numel(); ++i)
      if (w.intZeros[i] > w.maxCode())
        return Status::error("zero " + std::to_string(w.intZeros[i]) +
                             " does not fit in " + std::to_string(w.bits) +
                             " bits");
  for (size_t i = 0; i < w.gIdx.size(); ++i)
    if (w.gIdx[i] < 0 || w.gIdx[i] >= w.numGroups())
      return Status::error(
          "g_idx[" + std::to_string(i) + "] = " + std::to_string(w.gIdx[i]) +
          " is not a group in [0, " + std::to_string(w.numGroups()) + ")");
  return Status::success();
}

Array<float> dequantizeAffine(const AffineTensor &w) {
  Array<float> out(w.codes.shape);
  for (int64_t k = 0; k < w.inFeatures(); ++k) {
    int64_t g = w.groupOf(k);
    for (int64_t n = 0; n < w.outFeatures(); ++n) {
      float s = w.scales.at(g, n);
      int q = w.codes.at(k, n);
      switch (w.zeroForm) {
      case ZeroForm::Int:
        out.at(k, n) = s * static_cast<float>(q - w.intZeros.at(g, n));
        break;
      case ZeroForm::Float:
        out.at(k, n) = s * (static_cast<float>(q) - w.floatZeros.at(g, n));
        break;
      case ZeroForm::Scaled:
        out.at(k, n) = static_cast<float>(q) * s + w.floatZeros.at(g, n);
        break;
      }
    }
  }
  return out;
}

Status quantizeAffine(const Array<float> &w, int bits, int64_t group,
                      AffineTensor &out) {
  if (w.rank() != 2 || group <= 0 || w.dim(0) % group != 0)
    return Status::error("affine quantization needs a [K, N] weight whose K "
                         "is a multiple of the group " +
                         std::to_string(group) + "; got " +
                         formatShape(w.shape));
  for (int64_t i = 0; i < w.numel(); ++i)
    if (!std::isfinite(w[i]))
      return Status::error("non-finite value " + std::to_string(w[i]) +
                           " at flat index " + std::to_string(i) +
                           " reaches an affine quantize");
  int64_t K = w.dim(0), N = w.dim(1), groups = K / group;
  float maxq = static_cast<float>((1 << bits) - 1);
  AffineTensor q;
  q.bits = bits;
  q.group = group;
  q.codes = Array<uint8_t>({K, N});
  q.scales = Array<float>({groups, N});
  q.intZeros = Array<uint8_t>({groups, N});
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t n = 0; n < N; ++n) {
      float lo = 0, hi = 0;
      for (int64_t k = g * group; k < (g + 1) * group; ++k) {
        lo = std::min(lo, w.at(k, n));
        hi = std::max(hi, w.at(k, n));
      }
      if (lo == 0 && hi == 0) {
        lo = -1;
        hi = 1;
      }
      // A finite group can still overflow the subtraction (NUMERICS.md 3):
      // an infinite scale would dequantize to NaN.
      if (!std::isfinite(hi - lo))
        return Status::error(
            "group " + std::to_string(g) + " of column " + std::to_string(n) +
            " spans [" + std::to_string(lo) + ", " + std::to_string(hi) +
            "], a range beyond f32: an affine quantize cannot scale it");
      float s = (hi - lo) / maxq;
      float z = std::nearbyint(-lo / s);
      q.scales.at(g, n) = s;
      q.intZeros.at(g, n) = static_cast<uint8_t>(z);
      for (int64_t k = g * group; k < (g + 1) * group; ++k)
        q.codes.at(k, n) = static_cast<uint8_t>(
            std::clamp(std::nearbyint(w.at(k, n) / s) + z, 0.0f, maxq));
    }
  out = std::move(q);
  return Status::success();
}

namespace {

/// Writes `value` (bits wide) at bit `position` of a little-endian stream of
/// 32-bit words.
void putBits(int32_t *words, int64_t position, int bits, uint32_t value) {
  for (int b = 0; b < bits; ++b, ++position)
    if (value >> b & 1)
      words[position / 32] = static_cast<int32_t>(
          static_cast<uint32_t>(words[position / 32]) | (1u << position % 32));
}

uint32_t getBits(const int32_t *words, int64_t position, int bits) {
  uint32_t value = 0;
  for (int b = 0; b < bits; ++b, ++position)
    value |= (static_cast<uint32_t>(words[position / 32]) >> position % 32 & 1)
             << b;
  return value;
}

bool packableBits(int bits) {
  return bits == 2 || bits == 3 || bits == 4 || bits == 8;
}

} // namespace

// qweight is packed along in_features (a column of codes becomes a column of
// words); a column's stream is contiguous in bit order, so the 3-bit layout
// needs no special case. Words are gathered per column and scattered back.
Array<int32_t> packCodesAlongRows(const Array<uint8_t> &codes, int bits) {
  int64_t K = codes.dim(0), N = codes.dim(1);
  Array<int32_t> words({K * bits / 32, N});
  std::vector<int32_t> column(K * bits / 32);
  for (int64_t n = 0; n < N; ++n) {
    std::fill(column.begin(), column.end(), 0);
    for (int64_t k = 0; k < K; ++k)
      putBits(column.data(), k * bits, bits, codes.at(k, n));
    for (int64_t r = 0; r < K * bits / 32; ++r)
      words.at(r, n) = column[r];
  }
  return words;
}

Status packGptq(const AffineTensor &w, int zeroOffset, GptqTensors &out) {
  int bits = w.bits;
  int64_t K = w.inFeatures(), N = w.outFeatures(), groups = w.numGroups();
  if (!packableBits(bits) || (K * bits) % 32 != 0 || (N * bits) % 32 != 0)
    return Status::error("GPTQ packing needs 2, 3, 4 or 8 bits and K * bits "
                         "and N * bits multiples of 32");
  if (w.zeroForm != ZeroForm::Int)
    return Status::error("GPTQ checkpoints hold integer zeros only");
  GptqTensors packed;
  packed.qweight = packCodesAlongRows(w.codes, bits);
  packed.qzeros = Array<int32_t>({groups, N * bits / 32});
  packed.scales = Array<uint16_t>({groups, N});
  uint32_t mask = (1u << bits) - 1;
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t n = 0; n < N; ++n) {
      putBits(&packed.qzeros.at(g, 0), n * bits, bits,
              static_cast<uint32_t>(w.intZeros.at(g, n) - zeroOffset) & mask);
      packed.scales.at(g, n) = floatToHalf(w.scales.at(g, n)).bits;
    }
  packed.gIdx = Array<int32_t>({K});
  for (int64_t k = 0; k < K; ++k)
    packed.gIdx[k] = static_cast<int32_t>(w.groupOf(k));
  out = std::move(packed);
  return Status::success();
}

Status unpackGptq(const GptqTensors &packed, int bits, int64_t group,
                  int zeroOffset, AffineTensor &out) {
  if (!packableBits(bits))
    return Status::error("GPTQ packing needs 2, 3, 4 or 8 bits");
  int64_t K = packed.qweight.dim(0) * 32 / bits, N = packed.qweight.dim(1);
  int64_t groups = packed.scales.dim(0);
  if (packed.scales.dim(1) != N || packed.qzeros.dim(0) != groups ||
      packed.qzeros.dim(1) * 32 != N * bits)
    return Status::error("qweight, qzeros and scales do not agree on N and "
                         "the group count");
  AffineTensor w;
  w.bits = bits;
  w.group = group;
  w.codes = Array<uint8_t>({K, N});
  std::vector<int32_t> column(packed.qweight.dim(0));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t r = 0; r < packed.qweight.dim(0); ++r)
      column[r] = packed.qweight.at(r, n);
    for (int64_t k = 0; k < K; ++k)
      w.codes.at(k, n) =
          static_cast<uint8_t>(getBits(column.data(), k * bits, bits));
  }
  w.scales = Array<float>({groups, N});
  w.intZeros = Array<uint8_t>({groups, N});
  uint32_t mask = (1u << bits) - 1;
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t n = 0; n < N; ++n) {
      w.intZeros.at(g, n) = static_cast<uint8_t>(
          (getBits(&packed.qzeros.at(g, 0), n * bits, bits) + zeroOffset) &
          mask);
      w.scales.at(g, n) = halfToFloat(Half{packed.scales.at(g, n)});
    }
  // A g_idx equal to row / group is the plain layout; keep only act-order.
  bool trivial = packed.gIdx.numel() == 0;
  if (!trivial) {
    trivial = true;
    for (int64_t k = 0; k < K; ++k)
      trivial &= packed.gIdx[k] == k / group;
  }
  if (!trivial)
    w.gIdx = packed.gIdx.data;
  Status valid = validateAffine(w);
  if (!valid.ok())
    return valid;
  out = std::move(w);
  return Status::success();
}

} // namespace qtc::ref
