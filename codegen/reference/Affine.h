//===- Affine.h - Affine integer weights (NUMERICS.md 3) --------*- C++ -*-===//
//
// The base weights of LoTA-QAF and QEFT, [K = in_features, N = out_features]
// (y = x w), codes q in [0, 2^bits - 1], one scale and zero per (group of
// input rows, output column). Three zero-point forms:
//   int     w = s * (q - z)            z integer (GPTQ)
//   float   w = s * (q - z)            z fractional (a merged LoTA offset)
//   scaled  w = q * s + zs             (kernels of that form)
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_AFFINE_H
#define QTC_REFERENCE_AFFINE_H

#include "codegen/reference/Array.h"
#include "runtime/Status.h"

namespace qtc::ref {

enum class ZeroForm { Int, Float, Scaled };

struct AffineTensor {
  int bits = 4;
  int64_t group = 128;
  ZeroForm zeroForm = ZeroForm::Int;
  Array<uint8_t> codes;    // [K, N]
  Array<float> scales;     // [groups, N]
  Array<uint8_t> intZeros; // [groups, N], zeroForm == Int
  Array<float> floatZeros; // [groups, N], zeroForm == Float (z) or Scaled (zs)
  std::vector<int32_t> gIdx; // group of each input row; empty: row / group

  int64_t inFeatures() const { return codes.dim(0); }
  int64_t outFeatures() const { return codes.dim(1); }
  int64_t numGroups() const { return scales.dim(0); }
  int maxCode() const { return (1 << bits) - 1; }
  int64_t groupOf(int64_t row) const {
    return gIdx.empty() ? row / group : gIdx[row];
  }
  /// The zero point as a float (int or float form).
  float zero(int64_t g, int64_t n) const {
    return zeroForm == ZeroForm::Int ? intZeros.at(g, n) : floatZeros.at(g, n);
  }
};

/// Checks codes against the bit width, g_idx against the group count and
/// integer zeros against the code range.
Status validateAffine(const AffineTensor &w);

/// The f32 weight: s * (q - z) with q - z exact for integer zeros; q * s + zs
/// for scaled zeros.
Array<float> dequantizeAffine(const AffineTensor &w);

/// Round-to-nearest quantization of w [K, N] with GPTQ's min/max rule per
/// (group, column): the range is widened to include 0, s = (max - min) /
/// maxq, z = round(-min / s), q = clamp(round(w / s) + z, 0, maxq), with an
/// all-zero range treated as [-1, 1]. Integer zeros, no g_idx.
Status quantizeAffine(const Array<float> &w, int bits, int64_t group,
                      AffineTensor &out);

/// GPTQ checkpoint tensors (AutoGPTQ / GPTQModel "gptq" format): qweight packs
/// codes along in_features into int32 words LSB first, qzeros packs
/// (zero - zeroOffset) along out_features, scales are f16 bit patterns.
/// For 3 bits, 32 codes fill 3 words as one 96-bit little-endian stream (a
/// code may straddle two words); 2, 4 and 8 bits never straddle.
struct GptqTensors {
  Array<int32_t> qweight; // [K * bits / 32, N]
  Array<int32_t> qzeros;  // [groups, N * bits / 32]
  Array<uint16_t> scales; // [groups, N], f16 bits
  Array<int32_t> gIdx;    // [K]
};

/// qweight alone: codes [K, N] (each below 2^bits) packed along K into int32
/// words [K * bits / 32, N]; K * bits must be a multiple of 32.
Array<int32_t> packCodesAlongRows(const Array<uint8_t> &codes, int bits);

/// Checkpoint format v1 stores zero - 1 (zeroOffset = 1); v2 stores zero.
Status packGptq(const AffineTensor &w, int zeroOffset, GptqTensors &out);
Status unpackGptq(const GptqTensors &packed, int bits, int64_t group,
                  int zeroOffset, AffineTensor &out);

} // namespace qtc::ref

#endif // QTC_REFERENCE_AFFINE_H
