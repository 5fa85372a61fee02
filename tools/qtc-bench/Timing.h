//===- Timing.h - qtc-bench's clock and its records -------------*- C++ -*-===//
#ifndef QTC_TOOLS_QTC_BENCH_TIMING_H
#define QTC_TOOLS_QTC_BENCH_TIMING_H

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace qtc::bench {

/// Stops the benchmark when a kernel reports an error (its message went to
/// stderr through halide_error): timing a failed call would be meaningless.
inline void check(int status, const char *kernel) {
  if (status != 0) {
    std::fprintf(stderr, "qtc-bench: %s failed with status %d\n", kernel,
                 status);
    std::exit(1);
  }
}

/// The largest |a - b| over the largest |b|: a bound argument or a wrong
/// baseline shows as O(1).
inline double relativeError(const std::vector<float> &a,
                            const std::vector<float> &b) {
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, double(std::fabs(a[i] - b[i])));
    scale = std::max(scale, double(std::fabs(b[i])));
  }
  return diff / scale;
}

/// Stops the benchmark when a kernel's result differs from its baseline's
/// by more than `bound` of the largest entry.
inline void agree(const char *kernel, const std::vector<float> &ours,
                  const std::vector<float> &theirs, double bound = 1e-3) {
  double error = relativeError(ours, theirs);
  if (!(error <= bound)) {
    std::fprintf(stderr,
                 "qtc-bench: %s differs from its baseline by %g of the "
                 "largest entry\n",
                 kernel, error);
    std::exit(1);
  }
}

/// Median seconds per run over `repeat` samples after one warm-up run; a
/// sample times enough back-to-back runs to last about 20 ms, so that kernels
/// of a fraction of a millisecond (the GEMVs) are not timed one call at a
/// time against the clock's and the scheduler's noise.
inline double timeIt(int repeat, const std::function<void()> &run) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  run();
  double first = std::chrono::duration<double>(Clock::now() - start).count();
  int runs = std::max(1, static_cast<int>(0.02 / std::max(first, 1e-6)));
  std::vector<double> seconds;
  for (int i = 0; i < repeat; ++i) {
    start = Clock::now();
    for (int r = 0; r < runs; ++r)
      run();
    seconds.push_back(
        std::chrono::duration<double>(Clock::now() - start).count() / runs);
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

/// One kernel against one baseline on one shape.
struct Record {
  std::string kernel;
  /// The library variant that ran (runtime/qtc_cpu_check.h).
  std::string variant;
  /// "MxNxK" for a matmul; the model kernels name their dimensions.
  std::string shape;
  /// "GOP/s" (nominal operations, the same count for both) or "GB/s"
  /// (bytes read and written).
  std::string unit;
  double rate;
  std::string baseline;
  double baselineRate;
};

} // namespace qtc::bench

#endif // QTC_TOOLS_QTC_BENCH_TIMING_H
