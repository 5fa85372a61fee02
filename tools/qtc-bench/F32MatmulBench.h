//===- F32MatmulBench.h - the f32 matmuls against SGEMM ---------*- C++ -*-===//
//
// The f32_matmul libraries a LoRA step calls for every frozen projection
// (A B, A B^T with B an HF [out, in] weight, A^T B for adapter gradients)
// against OpenBLAS SGEMM with the same transposes, on a model's shapes.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_QTC_BENCH_F32MATMULBENCH_H
#define QTC_TOOLS_QTC_BENCH_F32MATMULBENCH_H

#include "tools/qtc-bench/Timing.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qtc::bench {

struct MatmulShape {
  int64_t M, N, K;
};

/// "MxNxK,..." (any positive sizes).
bool parseMatmulShapes(const std::string &text,
                       std::vector<MatmulShape> &shapes);

/// Times nn, nt and tn on each shape against SGEMM, prints a table, returns
/// the records. A result that differs from SGEMM's stops the run.
std::vector<Record> benchF32Matmuls(const std::vector<MatmulShape> &shapes,
                                    int repeat, const std::string &variant);

} // namespace qtc::bench

#endif // QTC_TOOLS_QTC_BENCH_F32MATMULBENCH_H
