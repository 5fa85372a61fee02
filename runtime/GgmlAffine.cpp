//===- GgmlAffine.cpp - ggml's quantized blocks as affine weights ---------===//
#include "runtime/GgmlAffine.h"
#include "runtime/Gguf.h"
#include "runtime/Half.h"

#include <cmath>
#include <cstring>

namespace qtc {
namespace {

constexpr int64_t kBlock = 32; // elements per Q4_0, Q4_1 and Q8_0 block

/// Bytes per block, or 0 for a type with no affine form.
int64_t blockBytes(uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
  case GgmlType::Q4_0:
    return 18; // f16 d, 16 bytes of nibbles
  case GgmlType::Q4_1:
    return 20; // f16 d, f16 m, 16 bytes of nibbles
  case GgmlType::Q8_0:
    return 34; // f16 d, 32 x i8
  default:
    return 0;
  }
}

float readHalf(const uint8_t *p) {
  return halfToFloat(Half{static_cast<uint16_t>(p[0] | p[1] << 8)});
}

/// `value` as f16 bits when it is an f16 value exactly.
bool exactHalf(float value, uint16_t &bits) {
  Half h = floatToHalf(value);
  float back = halfToFloat(h);
  if (!(back == value || (std::isnan(back) && std::isnan(value))) ||
      std::signbit(back) != std::signbit(value))
    return false;
  bits = h.bits;
  return true;
}

void writeHalf(uint8_t *p, uint16_t bits) {
  p[0] = static_cast<uint8_t>(bits & 0xff);
  p[1] = static_cast<uint8_t>(bits >> 8);
}

} // namespace

bool ggmlAffineForm(uint32_t type, int64_t out, int64_t in, AffineForm &form) {
  if (!blockBytes(type) || in <= 0 || out <= 0 || in % kBlock != 0)
    return false;
  form.bits = static_cast<GgmlType>(type) == GgmlType::Q8_0 ? 8 : 4;
  form.group = kBlock;
  form.scaledZero = static_cast<GgmlType>(type) == GgmlType::Q4_1;
  form.in = in;
  form.out = out;
  return true;
}

Status ggmlToAffine(uint32_t type, const uint8_t *blocks, int64_t out,
                    int64_t in, AffineStorage &storage) {
  AffineForm form;
  if (!ggmlAffineForm(type, out, in, form))
    return Status::error(std::string("a ") + ggmlTypeName(type) + " [" +
                         std::to_string(out) + ", " + std::to_string(in) +
                         "] tensor has no affine form (Q4_0, Q4_1 and Q8_0 "
                         "with in_features a multiple of 32 have)");
  const int64_t groups = in / kBlock, bytes = blockBytes(type);
  const GgmlType t = static_cast<GgmlType>(type);
  AffineStorage s;
  s.codes = HostTensor(DType::I8, {in, out});
  s.scales = HostTensor(DType::F32, {groups, out});
  s.zeros = HostTensor(form.scaledZero ? DType::F32 : DType::I8, {groups, out});
  uint8_t *codes = reinterpret_cast<uint8_t *>(s.codes.bytes.data());
  float *scales = s.scales.data<float>();
  for (int64_t n = 0; n < out; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      const uint8_t *block = blocks + (n * groups + g) * bytes;
      scales[g * out + n] = readHalf(block);
      uint8_t q[kBlock];
      switch (t) {
      case GgmlType::Q4_0:
      case GgmlType::Q4_1: {
        // Low nibbles are elements 0..15, high nibbles 16..31.
        const uint8_t *nibbles = block + (t == GgmlType::Q4_1 ? 4 : 2);
        for (int j = 0; j < 16; ++j) {
          q[j] = nibbles[j] & 0x0f;
          q[j + 16] = nibbles[j] >> 4;
        }
        break;
      }
      default: // Q8_0: signed qs, code qs + 128
        for (int j = 0; j < kBlock; ++j)
          q[j] = static_cast<uint8_t>(block[2 + j] ^ 0x80);
        break;
      }
      for (int j = 0; j < kBlock; ++j)
        codes[(g * kBlock + j) * out + n] = q[j];
      if (form.scaledZero)
        s.zeros.data<float>()[g * out + n] = readHalf(block + 2);
      else
        s.zeros.data<uint8_t>()[g * out + n] =
            t == GgmlType::Q8_0 ? 128 : 8;
    }
  storage = std::move(s);
  return Status::success();
}

Status affineToGgml(uint32_t type, const AffineStorage &storage,
                    std::vector<uint8_t> &blocks) {
  const Shape &shape = storage.codes.shape;
  AffineForm form;
  if (shape.size() != 2 || storage.codes.dtype != DType::I8 ||
      !ggmlAffineForm(type, shape[1], shape[0], form))
    return Status::error(std::string("affine codes of shape ") +
                         formatShape(shape) + " cannot be written as " +
                         ggmlTypeName(type) + " blocks");
  const int64_t in = form.in, out = form.out, groups = in / kBlock;
  const Shape groupShape = {groups, out};
  DType zeroType = form.scaledZero ? DType::F32 : DType::I8;
  if (storage.scales.dtype != DType::F32 ||
      storage.scales.shape != groupShape ||
      storage.zeros.dtype != zeroType || storage.zeros.shape != groupShape)
    return Status::error(
        std::string("a ") + ggmlTypeName(type) + " weight of " +
        std::to_string(out) + " rows needs f32 scales and " +
        (form.scaledZero ? "f32 scaled" : "i8 integer") + " zeros of shape " +
        formatShape(groupShape) + ", got " + dtypeName(storage.scales.dtype) +
        " " + formatShape(storage.scales.shape) + " and " +
        dtypeName(storage.zeros.dtype) + " " +
        formatShape(storage.zeros.shape));
  const GgmlType t = static_cast<GgmlType>(type);
  const int64_t bytes = blockBytes(type);
  const uint8_t *codes =
      reinterpret_cast<const uint8_t *>(storage.codes.bytes.data());
  const unsigned maxCode = (1u << form.bits) - 1;
  const unsigned intZero = t == GgmlType::Q8_0 ? 128 : 8;
  auto where = [&](int64_t g, int64_t n) {
    return " of group " + std::to_string(g) + ", output " + std::to_string(n);
  };
  std::vector<uint8_t> result(static_cast<size_t>(out * groups * bytes));
  for (int64_t n = 0; n < out; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      uint8_t *block = result.data() + (n * groups + g) * bytes;
      float scale = storage.scales.data<float>()[g * out + n];
      uint16_t bits = 0;
      if (!exactHalf(scale, bits))
        return Status::error("scale " + std::to_string(scale) + where(g, n) +
                             " is not an f16 value, as " +
                             ggmlTypeName(type) + " stores it");
      writeHalf(block, bits);
      if (form.scaledZero) {
        // A merged zero is fractional: Q4_1 keeps it to f16.
        float zero = storage.zeros.data<float>()[g * out + n];
        if (!std::isfinite(zero))
          return Status::error("zero " + std::to_string(zero) + where(g, n) +
                               " is not finite");
        writeHalf(block + 2, floatToHalf(zero).bits);
      } else if (storage.zeros.data<uint8_t>()[g * out + n] != intZero) {
        return Status::error(
            "zero " +
            std::to_string(storage.zeros.data<uint8_t>()[g * out + n]) +
            where(g, n) + " is not " + std::to_string(intZero) + ", as " +
            ggmlTypeName(type) + " fixes it");
      }
      uint8_t q[kBlock];
      for (int j = 0; j < kBlock; ++j) {
        q[j] = codes[(g * kBlock + j) * out + n];
        if (q[j] > maxCode)
          return Status::error("code " + std::to_string(q[j]) + where(g, n) +
                               " does not fit in " +
                               std::to_string(form.bits) + " bits");
      }
      if (t == GgmlType::Q8_0) {
        for (int j = 0; j < kBlock; ++j)
          block[2 + j] = static_cast<uint8_t>(q[j] ^ 0x80);
      } else {
        uint8_t *nibbles = block + (t == GgmlType::Q4_1 ? 4 : 2);
        for (int j = 0; j < 16; ++j)
          nibbles[j] = static_cast<uint8_t>(q[j] | q[j + 16] << 4);
      }
    }
  blocks = std::move(result);
  return Status::success();
}

} // namespace qtc
