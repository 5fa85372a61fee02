//===- Gptq.h - GPTQ checkpoints (GPTQModel / AutoGPTQ format) --*- C++ -*-===//
//
// A GPTQ checkpoint (FORMATS.md "GPTQ checkpoint") holds each quantized
// linear as `<module>.qweight` (i32 [in*bits/32, out], codes along in, low
// bits first), `.qzeros` (i32 [groups, out*bits/32], packed along out),
// `.scales` (f16 [groups, out]) and `.g_idx` (i32 [in], each input row's
// group; a permutation's groups under desc_act), with `quantize_config.json`
// (or config.json's `quantization_config`) stating bits, group_size, sym,
// desc_act and checkpoint_format. Format "gptq" (v1) stores zero - 1
// subtracted from the whole packed word: the word constant is added back,
// as GPTQModel's v1-to-v2 conversion does. Dequantized:
// W[o, i] = s[g_idx[i], o] * (q[i, o] - z[g_idx[i], o]) in f32 (exact: an
// f16 scale times a small integer), in HF's [out, in] layout.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_GPTQ_H
#define QTC_RUNTIME_GPTQ_H

#include "runtime/AffineStorage.h"
#include "runtime/HostTensor.h"
#include "runtime/Status.h"

#include <nlohmann/json_fwd.hpp>

namespace qtc {

struct GptqConfig {
  int bits = 4;
  int64_t groupSize = 128; // -1 in the file: one group per column
  bool sym = true, descAct = false;
  bool v2 = false; // checkpoint_format "gptq_v2": zeros stored as they are
};

/// Reads a quantization config object (quantize_config.json's, or
/// config.json's `quantization_config`); `where` starts messages. Bits
/// other than 2, 4 and 8 (3-bit's word-spanning layout included), a method
/// other than "gptq" and an unknown checkpoint_format are errors.
Status parseGptqConfig(const nlohmann::json &object, const std::string &where,
                       GptqConfig &out);

/// The tensors of one quantized linear, as stored.
struct GptqTensors {
  const HostTensor *qweight, *qzeros, *scales, *gIdx; // gIdx may be null
};

/// The dtypes and shapes a linear's tensors must have for `config`,
/// checked against what the file holds (`gIdx` null when there is none);
/// `in` and `out` are derived from qweight.
Status checkGptqShapes(const GptqConfig &config, const std::string &module,
                       DType qweightType, const Shape &qweight,
                       DType qzerosType, const Shape &qzeros,
                       DType scalesType, const Shape &scales,
                       DType gIdxType, const Shape *gIdx, int64_t &in,
                       int64_t &out);

/// Dequantizes one linear into an f32 [out, in] weight; a g_idx entry
/// outside the groups is an error naming the module and row.
Status dequantizeGptq(const GptqConfig &config, const std::string &module,
                      const GptqTensors &tensors, HostTensor &weight);

/// The affine form of a linear of `in` x `out` under `config`: GPTQ's
/// layout is qt.affine's ([in, out] codes, integer zeros), with contiguous
/// groups only (no desc_act) that divide `in`; false otherwise.
bool gptqAffineForm(const GptqConfig &config, int64_t in, int64_t out,
                    AffineForm &form);

/// One linear unpacked into its affine storage (codes [in, out], f32
/// scales, i8 zeros with v1's word constant added back); a g_idx that is
/// not the contiguous i / group is an error naming the row.
Status gptqToAffine(const GptqConfig &config, const std::string &module,
                    const GptqTensors &tensors, AffineStorage &storage);

} // namespace qtc

#endif // QTC_RUNTIME_GPTQ_H
