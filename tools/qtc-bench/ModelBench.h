//===- ModelBench.h - the model-op kernels against their peers --*- C++ -*-===//
//
// Causal GQA attention and its gradient against softmax(QK^T)V written as
// OpenBLAS SGEMMs per sequence and head (the same nominal operation count
// for both, so the ratio is the time ratio); RMSNorm and SwiGLU against
// memcpy of the same traffic (memory bandwidth).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_QTC_BENCH_MODELBENCH_H
#define QTC_TOOLS_QTC_BENCH_MODELBENCH_H

#include "tools/qtc-bench/Timing.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qtc::bench {

struct AttentionShape {
  int64_t seqs, seqLen, heads, kvHeads, headDim;
};

/// Rows of a row-wise op: tokens x width.
struct RowsShape {
  int64_t tokens, width;
};

/// "SEQSxSEQ_LENxHEADSxKV_HEADSxHEAD_DIM,..." (heads a multiple of
/// kv_heads).
bool parseAttentionShapes(const std::string &text,
                          std::vector<AttentionShape> &shapes);
/// "TOKENSxWIDTH,...".
bool parseRowsShapes(const std::string &text, std::vector<RowsShape> &shapes);

/// Times each kernel and its baseline, prints a table, returns the records.
/// A kernel whose result differs from its baseline's stops the run.
std::vector<Record> benchModelKernels(const std::vector<AttentionShape> &attention,
                                      const std::vector<RowsShape> &rows,
                                      int repeat, const std::string &variant);

} // namespace qtc::bench

#endif // QTC_TOOLS_QTC_BENCH_MODELBENCH_H
