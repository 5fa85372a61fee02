//===- qtc-bench.cpp - Time qtc's kernels against baselines in one run ----===//
//
//   qtc-bench [--kernels matmul,f32,model] [--shapes MxNxK,...]
//             [--f32-shapes MxNxK,...] [--attention SEQSxSEQ_LENxHEADSxKV_HEADSxDIM,...]
//             [--rows TOKENSxWIDTH,...] [--repeat N] [--json FILE]
//
// Times the AOT Halide kernels and, in the same process and run, their
// baselines on the same shapes. The matmuls (per --shapes): OpenBLAS SGEMM
// (SGEMV at M = 1), oneDNN's u8s8s32 integer GEMM, and the reference backend
// (only where it finishes in about a second). The f32 matmuls of a LoRA
// step (F32MatmulBench.h, per --f32-shapes): SGEMM with the same
// transposes. The model ops
// (ModelBench.h): attention and its gradient against SGEMMs and a softmax,
// RMSNorm and SwiGLU against memcpy. Times are medians over --repeat runs
// after a warm-up; the machine is shared, so read the ratios, not the times.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/ScheduleThresholds.h"
#include "codegen/reference/Affine.h"
#include "codegen/reference/Gse.h"
#include "qtc_gse_matmul_f32.h"
#include "qtc_gse_matmul_gemv.h"
#include "qtc_gse_matmul_prepacked.h"
#include "qtc_gse_matmul_wide_int.h"
#include "qtc_gse_pack_rhs.h"
#include "qtc_lota_matmul_gemm.h"
#include "qtc_lota_matmul_gemv.h"
#include "qtc_lota_matmul_packed_gemm.h"
#include "qtc_lota_matmul_packed_gemv.h"
#include "qtc_lota_matmul_t_gemm.h"
#include "qtc_lota_matmul_t_gemv.h"
#include "qtc_qeft_matmul_gemm.h"
#include "qtc_qeft_matmul_gemv.h"
#include "qtc_qeft_matmul_packed_gemm.h"
#include "qtc_qeft_matmul_packed_gemv.h"
#include "qtc_qeft_matmul_t_gemm.h"
#include "qtc_qeft_matmul_t_gemv.h"
#include "runtime/qtc_cpu_check.h"
#include "tools/qtc-bench/F32MatmulBench.h"
#include "tools/qtc-bench/ModelBench.h"
#include "tools/qtc-bench/ShapeList.h"
#include "tools/qtc-bench/Timing.h"

#include "HalideBuffer.h"
#include <cblas.h>
#include <nlohmann/json.hpp>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace ref = qtc::ref;
using qtc::bench::check;
using qtc::bench::Record;
using qtc::bench::timeIt;

namespace {

struct Shape {
  int64_t M, N, K;
};

struct Options {
  std::vector<Shape> shapes = {{1, 4096, 4096},
                               {8, 4096, 4096},
                               {256, 4096, 4096},
                               {1024, 4096, 4096},
                               {256, 11008, 4096}};
  // SmolLM2-135M at 4 x 256 tokens; a Llama-3-8B-shaped layer at 512.
  std::vector<qtc::bench::AttentionShape> attention = {{4, 256, 9, 3, 64},
                                                       {1, 512, 32, 8, 128}};
  // SmolLM2's hidden and intermediate widths; a 7B model's hidden width.
  std::vector<qtc::bench::RowsShape> rows = {
      {1024, 576}, {1024, 1536}, {1024, 4096}};
  // A LoRA step of SmolLM2-135M at 8 x 256 tokens: the MLP's up and down
  // projections, and the attention's square one.
  std::vector<qtc::bench::MatmulShape> f32Shapes = {
      {2048, 1536, 576}, {2048, 576, 1536}, {2048, 576, 576}};
  bool matmuls = true, f32Matmuls = true, modelOps = true;
  int repeat = 5;
  std::string json;
};

void usage() {
  std::fprintf(stderr,
               "usage: qtc-bench [--kernels matmul,f32,model] [--shapes "
               "MxNxK,...] [--f32-shapes MxNxK,...] [--attention SEQSxSEQ_LENxHEADSxKV_HEADSxDIM,...] "
               "[--rows TOKENSxWIDTH,...] [--repeat N] [--json FILE]\n");
}

bool parseShapes(const std::string &text, std::vector<Shape> &shapes) {
  return qtc::bench::parseShapeList(
      text, shapes,
      [](const std::string &item, Shape &s) {
        char tail = 0;
        return std::sscanf(item.c_str(), "%ldx%ldx%ld%c", &s.M, &s.N, &s.K,
                           &tail) == 3 &&
               s.M > 0 && s.N > 0 && s.K > 0 && s.K % 32 == 0;
      },
      "MxNxK, positive, K a multiple of 32");
}

} // namespace

int main(int argc, char **argv) {
  // OpenBLAS's idle threads spin for a while after each call and take the
  // cores from the kernel timed next (on 2 cores, attention's rate varied
  // 2x from run to run). Its spin time is read from the environment when
  // the library loads, so set it and start again; keep a user's setting.
  if (!std::getenv("OPENBLAS_THREAD_TIMEOUT")) {
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
    execv("/proc/self/exe", argv);
    std::fprintf(stderr, "qtc-bench: warning: could not restart with "
                         "OPENBLAS_THREAD_TIMEOUT=4; OpenBLAS's spinning "
                         "threads may slow the kernels timed after it\n");
  }
  // The kernels choose their variant as a trainer's do.
  qtc::cpu::installCpuCheck();
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--shapes") {
      if (!parseShapes(value(), options.shapes))
        return 2;
    } else if (arg == "--repeat") {
      options.repeat = std::atoi(value());
      if (options.repeat < 1) {
        std::fprintf(stderr, "qtc-bench: --repeat must be at least 1\n");
        return 2;
      }
    } else if (arg == "--attention") {
      if (!qtc::bench::parseAttentionShapes(value(), options.attention))
        return 2;
    } else if (arg == "--rows") {
      if (!qtc::bench::parseRowsShapes(value(), options.rows))
        return 2;
    } else if (arg == "--f32-shapes") {
      if (!qtc::bench::parseMatmulShapes(value(), options.f32Shapes))
        return 2;
    } else if (arg == "--kernels") {
      options.matmuls = options.f32Matmuls = options.modelOps = false;
      std::string kinds = value();
      size_t start = 0;
      while (start <= kinds.size()) {
        size_t end = kinds.find(',', start);
        std::string kind = kinds.substr(start, end - start);
        if (kind == "matmul")
          options.matmuls = true;
        else if (kind == "f32")
          options.f32Matmuls = true;
        else if (kind == "model")
          options.modelOps = true;
        else {
          std::fprintf(stderr, "qtc-bench: --kernels takes a list of "
                               "matmul, f32 and model, got '%s'\n",
                       kind.c_str());
          return 2;
        }
        if (end == std::string::npos)
          break;
        start = end + 1;
      }
    } else if (arg == "--json") {
      options.json = value();
    } else {
      usage();
      return 2;
    }
  }

  std::vector<Record> records;
  std::mt19937 rng(1);
  const std::string cpu = qtc::cpu::cpuModel();
  const char *variant = qtc::cpu::hostVariant();
  std::printf("# CPU: %s; the kernels run their %s variant\n", cpu.c_str(),
              variant);
  if (options.matmuls)
    std::printf("%-22s %6s %6s %6s %10s  %-16s %10s %7s\n", "kernel", "M",
                "N", "K", "GOP/s", "baseline", "GOP/s", "ratio");
  for (const Shape &s : options.matmuls ? options.shapes
                                        : std::vector<Shape>{}) {
    const int64_t M = s.M, N = s.N, K = s.K, G = 32;
    double ops = 2.0 * M * N * K;
    std::fprintf(stderr, "qtc-bench: %ldx%ldx%ld ...\n", M, N, K);

    // GSE operands: A [M, K] and B [N, K] (X W^T), mantissas in +-127.
    std::uniform_int_distribution<int> mantissa(-127, 127), exponent(-12, -4);
    ref::GseTensor a, b;
    auto fill = [&](ref::GseTensor &t, int64_t rows) {
      t.axis = 1;
      t.mantissas = ref::Array<int8_t>({rows, K});
      t.exponents = ref::Array<int8_t>({rows, K / G});
      for (int8_t &m : t.mantissas.data)
        m = static_cast<int8_t>(mantissa(rng));
      for (int8_t &e : t.exponents.data)
        e = static_cast<int8_t>(exponent(rng));
    };
    fill(a, M);
    fill(b, N);
    Halide::Runtime::Buffer<int8_t> am(a.mantissas.data.data(), K, M),
        ae(a.exponents.data.data(), K / G, M),
        bm(b.mantissas.data.data(), K, N),
        be(b.exponents.data.data(), K / G, N);
    Halide::Runtime::Buffer<float> c(N, M);
    // GOP/s of one of our kernels, its status checked on every call.
    auto gopsOf = [&](const char *kernel, const std::function<int()> &call) {
      return ops / timeIt(options.repeat, [&] { check(call(), kernel); }) / 1e9;
    };
    // Each kernel with the schedule the step code generator would pick.
    const bool gseGemv = M <= qtc::halide::kGseGemvMaxRows;
    double gse = gopsOf("gse_matmul_f32", [&] {
      return gseGemv ? qtc_gse_matmul_gemv(am, ae, bm, be, c)
                     : qtc_gse_matmul_f32(am, ae, bm, be, c);
    });

    // OpenBLAS on f32 copies of the same operands.
    std::vector<float> af(M * K), bf(N * K), cf(M * N);
    for (int64_t i = 0; i < M * K; ++i)
      af[i] = a.mantissas[i];
    for (int64_t i = 0; i < N * K; ++i)
      bf[i] = b.mantissas[i];
    std::string blasName = M == 1 ? "openblas_sgemv" : "openblas_sgemm";
    double blas =
        ops /
        timeIt(options.repeat,
               [&] {
                 if (M == 1)
                   cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f,
                               bf.data(), K, af.data(), 1, 0.0f, cf.data(), 1);
                 else
                   cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K,
                               1.0f, af.data(), K, bf.data(), K, 0.0f,
                               cf.data(), N);
               }) /
        1e9;

    // oneDNN's plain int8 GEMM (u8 x s8 -> s32), no per-group scaling.
    std::vector<uint8_t> au(M * K);
    for (int64_t i = 0; i < M * K; ++i)
      au[i] = static_cast<uint8_t>(a.mantissas[i] + 128);
    std::vector<int32_t> ci(M * N);
    int32_t zero = 0;
    double dnnl =
        ops /
        timeIt(options.repeat,
               [&] {
                 dnnl_gemm_u8s8s32('N', 'T', 'F', M, N, K, 1.0f, au.data(), K,
                                   0, b.mantissas.data.data(), K, 0, 0.0f,
                                   ci.data(), N, &zero);
               }) /
        1e9;

    std::vector<std::pair<std::string, double>> baselines = {
        {blasName, blas}, {"onednn_u8s8s32", dnnl}};
    // The reference backend where it takes about a second or less.
    if (ops <= 2.0 * 8 * 4096 * 4096) {
      double seconds = timeIt(1, [&] {
        ref::gseMatmul(a, false, b, true, ref::Accumulation::F32);
      });
      baselines.push_back({"reference", ops / seconds / 1e9});
    }
    auto report =
        [&](const char *kernel, double gops,
            const std::vector<std::pair<std::string, double>> &bases) {
          for (const auto &[name, baseGops] : bases) {
            // The packed-once libraries are the VNNI variant alone.
            records.push_back(
                {kernel,
                 std::string(kernel) == "gse_matmul_prepacked"
                     ? "x86-avx512-vnni"
                     : variant,
                 std::to_string(M) + "x" + std::to_string(N) + "x" +
                     std::to_string(K),
                 "GOP/s", gops, name, baseGops});
            std::printf("%-22s %6ld %6ld %6ld %10.1f  %-16s %10.1f %7.2f\n",
                        kernel, M, N, K, gops, name.c_str(), baseGops,
                        gops / baseGops);
          }
          std::fflush(stdout);
        };
    report("gse_matmul_f32_g32", gse, baselines);
    // With B packed once (a frozen weight): the steady-state GSQ forward.
    // Single-target AVX-512 VNNI libraries: they do not check the CPU.
    if (qtc::cpu::hasSapphireRapidsIsa()) {
      Halide::Runtime::Buffer<uint8_t> packed(4, (N + 255) / 256 * 256, K / 4);
      check(qtc_gse_pack_rhs(bm, packed), "gse_pack_rhs");
      double prepacked = gopsOf("gse_matmul_prepacked", [&] {
        return qtc_gse_matmul_prepacked(am, ae, packed, be, c);
      });
      report("gse_matmul_prepacked", prepacked, baselines);
    }
    double wide = gopsOf("gse_matmul_wide_int", [&] {
      return qtc_gse_matmul_wide_int(am, ae, bm, be, c);
    });
    report("gse_matmul_wide_int", wide, {{blasName, blas}});

    // Affine-int weights dequantized on load: the merged LoTA layer (4-bit
    // codes, float zeros, G = 128) and QEFT's layer (int zeros plus 128 f16
    // weak rows).
    if (K % 128 == 0) {
      std::uniform_int_distribution<int> code(0, 15);
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> x(M * K);
      for (float &v : x)
        v = normal(rng);
      std::vector<int8_t> codes(K * N), intZeros(K / 128 * N, 8);
      for (int8_t &q : codes)
        q = static_cast<int8_t>(code(rng));
      std::vector<float> scales(K / 128 * N, 0.01f),
          floatZeros(K / 128 * N, 7.6f);
      std::vector<uint16_t> weak(128 * N, 0x2e66); // f16 0.1
      Halide::Runtime::Buffer<float> xb(x.data(), K, M),
          sb(scales.data(), N, K / 128), fz(floatZeros.data(), N, K / 128),
          y(N, M);
      Halide::Runtime::Buffer<int8_t> qb(codes.data(), N, K),
          iz(intZeros.data(), N, K / 128);
      Halide::Runtime::Buffer<uint16_t> wb(weak.data(), N, 128);
      bool gemv = M <= qtc::halide::kAffineGemvMaxRows;
      double lota = gopsOf("lota_matmul", [&] {
        return gemv ? qtc_lota_matmul_gemv(xb, qb, sb, fz, wb, y)
                    : qtc_lota_matmul_gemm(xb, qb, sb, fz, wb, y);
      });
      double qeft = gopsOf("qeft_matmul", [&] {
        return gemv ? qtc_qeft_matmul_gemv(xb, qb, sb, iz, wb, y)
                    : qtc_qeft_matmul_gemm(xb, qb, sb, iz, wb, y);
      });
      // The same codes packed as GPTQ checkpoints hold them (8 per int32).
      ref::Array<uint8_t> codeArray({K, N});
      for (int64_t i = 0; i < K * N; ++i)
        codeArray[i] = static_cast<uint8_t>(codes[i]);
      ref::Array<int32_t> words = ref::packCodesAlongRows(codeArray, 4);
      Halide::Runtime::Buffer<int32_t> pb(words.data.data(), N, K / 8);
      double lotaPacked = gopsOf("lota_matmul_packed", [&] {
        return gemv ? qtc_lota_matmul_packed_gemv(xb, pb, sb, fz, wb, y)
                    : qtc_lota_matmul_packed_gemm(xb, pb, sb, fz, wb, y);
      });
      double qeftPacked = gopsOf("qeft_matmul_packed", [&] {
        return gemv ? qtc_qeft_matmul_packed_gemv(xb, pb, sb, iz, wb, y)
                    : qtc_qeft_matmul_packed_gemm(xb, pb, sb, iz, wb, y);
      });
      std::vector<std::pair<std::string, double>> f32Baseline = {
          {blasName, blas}};
      report(gemv ? "lota_matmul_gemv" : "lota_matmul_gemm", lota, f32Baseline);
      report(gemv ? "qeft_matmul_gemv" : "qeft_matmul_gemm", qeft, f32Baseline);
      report(gemv ? "lota_packed4_gemv" : "lota_packed4_gemm", lotaPacked,
             f32Baseline);
      report(gemv ? "qeft_packed4_gemv" : "qeft_packed4_gemm", qeftPacked,
             f32Baseline);

      // The backward dX = dY W^T of both layers (dY [M, N]), against SGEMM
      // of the same shape.
      std::vector<float> dy(M * N);
      for (float &v : dy)
        v = normal(rng);
      Halide::Runtime::Buffer<float> dyb(dy.data(), N, M), dx(K, M);
      bool dots = M <= qtc::halide::kAffineTransposedGemvMaxRows;
      double lotaDx = gopsOf("lota_matmul_t", [&] {
        return dots ? qtc_lota_matmul_t_gemv(dyb, qb, sb, fz, wb, dx)
                    : qtc_lota_matmul_t_gemm(dyb, qb, sb, fz, wb, dx);
      });
      double qeftDx = gopsOf("qeft_matmul_t", [&] {
        return dots ? qtc_qeft_matmul_t_gemv(dyb, qb, sb, iz, wb, dx)
                    : qtc_qeft_matmul_t_gemm(dyb, qb, sb, iz, wb, dx);
      });
      report(dots ? "lota_dx_dots" : "lota_dx_gemm", lotaDx, f32Baseline);
      report(dots ? "qeft_dx_dots" : "qeft_dx_gemm", qeftDx, f32Baseline);
    }
  }

  if (options.f32Matmuls) {
    if (options.matmuls)
      std::printf("\n");
    std::vector<Record> f32 = qtc::bench::benchF32Matmuls(
        options.f32Shapes, options.repeat, variant);
    records.insert(records.end(), f32.begin(), f32.end());
  }

  if (options.modelOps) {
    if (options.matmuls || options.f32Matmuls)
      std::printf("\n");
    std::vector<Record> model = qtc::bench::benchModelKernels(
        options.attention, options.rows, options.repeat, variant);
    records.insert(records.end(), model.begin(), model.end());
  }

  if (!options.json.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Record &r : records)
      list.push_back({{"kernel", r.kernel},
                      {"variant", r.variant},
                      {"cpu", cpu},
                      {"shape", r.shape},
                      {"unit", r.unit},
                      {"rate", r.rate},
                      {"baseline", r.baseline},
                      {"baseline_rate", r.baselineRate},
                      {"ratio", r.rate / r.baselineRate}});
    std::ofstream file(options.json);
    file << list.dump(2) << "\n";
    if (!file) {
      std::fprintf(stderr, "qtc-bench: cannot write '%s'\n",
                   options.json.c_str());
      return 1;
    }
  }
  return 0;
}
