//===- F32MatmulBench.cpp - the f32 matmuls against SGEMM -----------------===//
#include "tools/qtc-bench/F32MatmulBench.h"
#include "tools/qtc-bench/ShapeList.h"

#include "qtc_f32_matmul_nn.h"
#include "qtc_f32_matmul_nt.h"
#include "qtc_f32_matmul_tn.h"

#include "HalideBuffer.h"
#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <random>

namespace qtc::bench {

bool parseMatmulShapes(const std::string &text,
                       std::vector<MatmulShape> &shapes) {
  return parseShapeList(
      text, shapes,
      [](const std::string &item, MatmulShape &s) {
        char tail = 0;
        return std::sscanf(item.c_str(), "%ldx%ldx%ld%c", &s.M, &s.N, &s.K,
                           &tail) == 3 &&
               s.M > 0 && s.N > 0 && s.K > 0;
      },
      "MxNxK, positive");
}

std::vector<Record> benchF32Matmuls(const std::vector<MatmulShape> &shapes,
                                    int repeat, const std::string &variant) {
  std::vector<Record> records;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::printf("%-16s %-18s %8s %-5s  %-16s %8s %7s\n", "kernel", "shape",
              "rate", "unit", "baseline", "rate", "ratio");
  for (const MatmulShape &s : shapes) {
    const int64_t M = s.M, N = s.N, K = s.K;
    const double ops = 2.0 * M * N * K;
    std::fprintf(stderr, "qtc-bench: f32 %ldx%ldx%ld ...\n", M, N, K);
    std::vector<float> a(M * K), b(K * N), ours(M * N), theirs(M * N);
    for (float &v : a)
      v = normal(rng);
    for (float &v : b)
      v = normal(rng);
    struct Layout {
      const char *kernel;
      bool transA, transB;
      int (*call)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                  double, halide_buffer_t *);
    };
    for (const Layout &l :
         {Layout{"f32_matmul_nn", false, false, qtc_f32_matmul_nn},
          Layout{"f32_matmul_nt", false, true, qtc_f32_matmul_nt},
          Layout{"f32_matmul_tn", true, false, qtc_f32_matmul_tn}}) {
      // Halide lists dimensions innermost first: A [M, K] is (K, M), and
      // stored transposed [K, M] it is (M, K).
      Halide::Runtime::Buffer<float> ab =
          l.transA ? Halide::Runtime::Buffer<float>(a.data(), M, K)
                   : Halide::Runtime::Buffer<float>(a.data(), K, M);
      Halide::Runtime::Buffer<float> bb =
          l.transB ? Halide::Runtime::Buffer<float>(b.data(), K, N)
                   : Halide::Runtime::Buffer<float>(b.data(), N, K);
      Halide::Runtime::Buffer<float> unused(1, 1),
          cb(ours.data(), N, M);
      double seconds = timeIt(repeat, [&] {
        check(l.call(ab, bb, unused, 0.0, cb), l.kernel);
      });
      double blasSeconds = timeIt(repeat, [&] {
        cblas_sgemm(CblasRowMajor, l.transA ? CblasTrans : CblasNoTrans,
                    l.transB ? CblasTrans : CblasNoTrans, M, N, K, 1.0f,
                    a.data(), l.transA ? M : K, b.data(), l.transB ? K : N,
                    0.0f, theirs.data(), N);
      });
      // Both sum K products in f32, in different orders.
      agree(l.kernel, ours, theirs, 1e-4);
      std::string shape = std::to_string(M) + "x" + std::to_string(N) + "x" +
                          std::to_string(K);
      double rate = ops / seconds / 1e9, baseRate = ops / blasSeconds / 1e9;
      records.push_back(
          {l.kernel, variant, shape, "GOP/s", rate, "openblas_sgemm", baseRate});
      std::printf("%-16s %-18s %8.1f %-5s  %-16s %8.1f %7.2f\n", l.kernel,
                  shape.c_str(), rate, "GOP/s", "openblas_sgemm", baseRate,
                  rate / baseRate);
      std::fflush(stdout);
    }
  }
  return records;
}

} // namespace qtc::bench
