//===- qtc_kernel_call.h - what a generated step needs to call kernels ----===//
//
// Included by the step.cpp that `qtc compile` writes: views of the step's
// flat buffers (arguments, results, arena slices) as Halide buffers, and
// the copies and error reports around the kernel calls. Header-only, so a
// compiled layer depends on Halide's runtime and nothing else of qtc.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_QTC_KERNEL_CALL_H
#define QTC_RUNTIME_QTC_KERNEL_CALL_H

#include "HalideRuntime.h"
#include "runtime/qtc_step.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace qtc::step {

/// A Halide buffer over memory the step owns (an argument, a result, a
/// slice of the arena): a plain halide_buffer_t and its dimensions,
/// trivially destructible, so that each of a model step's thousands of calls
/// costs the C++ compiler little. Built in place (no copies: `dim` points
/// into the object itself).
class View {
public:
  static constexpr int kMaxRank = 4;
  View(halide_type_t type, const void *data, int rank,
       const halide_dimension_t *dims) {
    if (rank < 0 || rank > kMaxRank) {
      std::fprintf(stderr, "qtc: a view of rank %d (at most %d)\n", rank,
                   kMaxRank);
      std::abort();
    }
    std::memset(&buffer, 0, sizeof buffer);
    buffer.type = type;
    buffer.host = static_cast<uint8_t *>(const_cast<void *>(data));
    buffer.dimensions = rank;
    buffer.dim = this->dims;
    for (int i = 0; i < rank; ++i)
      this->dims[i] = dims[i];
  }
  View(const View &) = delete;
  View &operator=(const View &) = delete;

  operator halide_buffer_t *() { return &buffer; }
  /// After a kernel that may have run on a GPU: its results back in host
  /// memory, its device copies freed.
  int copy_to_host() { return halide_copy_to_host(nullptr, &buffer); }
  int device_free() { return halide_device_free(nullptr, &buffer); }

private:
  halide_buffer_t buffer;
  halide_dimension_t dims[kMaxRank];
};

inline const halide_type_t kF32(halide_type_float, 32),
    kF16(halide_type_float, 16), kBF16(halide_type_bfloat, 16),
    kU16(halide_type_uint, 16),
    kI8(halide_type_int, 8), kU8(halide_type_uint, 8),
    kI32(halide_type_int, 32), kI64(halide_type_int, 64),
    kF64(halide_type_float, 64);

/// Halide 14's buffer dimensions are int32 (the kernels are built with
/// large_buffers, so their address arithmetic is 64-bit): the step code
/// generator refuses a view any of whose extents or strides is larger, and
/// this check only guards against a step built without it.
inline int dimension32(int64_t value) {
  if (value < 0 || value > INT32_MAX) {
    std::fprintf(stderr,
                 "qtc: a tensor dimension or stride of %lld does not fit a "
                 "Halide buffer dimension\n",
                 static_cast<long long>(value));
    std::abort();
  }
  return static_cast<int>(value);
}

/// A dense row-major tensor of `shape` at `data`. Halide lists dimensions
/// innermost first, so a [rows, cols] matrix is (cols, rows). Strides are
/// computed in 64 bits.
/// Out of line: inlined at every call it would only make the step slower
/// to compile.
[[gnu::noinline]] inline View view(halide_type_t type, const void *data,
                                   std::initializer_list<int64_t> shape) {
  const int64_t *extents = shape.begin();
  int rank = static_cast<int>(shape.size());
  halide_dimension_t dims[View::kMaxRank];
  int64_t stride = 1;
  for (int i = 0; i < rank && i < View::kMaxRank; ++i) {
    int64_t extent = extents[rank - 1 - i];
    dims[i] = halide_dimension_t(0, dimension32(extent), dimension32(stride));
    stride *= extent;
  }
  return View(type, data, rank, dims);
}

/// Columns [first, first + count) of a row-major [rows, cols] matrix, read
/// in place (a column slice feeding a matmul).
inline View columns(halide_type_t type, const void *data, int64_t rows,
                    int64_t cols, int64_t first, int64_t count) {
  halide_dimension_t dims[2] = {
      halide_dimension_t(0, dimension32(count), 1),
      halide_dimension_t(0, dimension32(rows), dimension32(cols))};
  const char *base = static_cast<const char *>(data) +
                     static_cast<size_t>(first) * ((type.bits + 7) / 8);
  return View(type, base, 2, dims);
}

inline void copy(void *dst, const void *src, size_t bytes) {
  std::memcpy(dst, src, bytes);
}

/// An optimizer's 1-based step must lie in [1, last] (last < 0: no upper
/// end, as for AdamW; t-SignSGD's schedule ends at T). Returns 0 or -1.
inline int checkStep(const char *kernel, int64_t step, int64_t last) {
  if (step >= 1 && (last < 0 || step <= last))
    return 0;
  std::fprintf(stderr, "qtc: kernel %s: step %lld is outside [1, %s]\n", kernel,
               static_cast<long long>(step),
               last < 0 ? "inf" : std::to_string(last).c_str());
  return -1;
}

/// Where a step's time goes: each distinct kernel call (the kernel, its
/// settings and operand shapes) accumulates its seconds and calls when the
/// environment sets QTC_PROFILE (to anything but "0"), and the step's
/// ProfileReport prints them at exit. Off, a call costs one branch.
struct ProfileSite {
  const char *what;
  double seconds;
  uint64_t calls;
};

inline bool profiling() {
  static const bool on = [] {
    const char *value = std::getenv("QTC_PROFILE");
    return value && *value && std::strcmp(value, "0") != 0;
  }();
  return on;
}

inline int64_t steadyNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// A kernel call's start (0 when not profiling).
inline int64_t profileStart() { return profiling() ? steadyNanoseconds() : 0; }

inline void profileStop(ProfileSite &site, int64_t start) {
  if (!start)
    return;
  site.seconds += static_cast<double>(steadyNanoseconds() - start) * 1e-9;
  ++site.calls;
}

/// Prints a step's sites, the slowest first, to stderr when the process
/// exits (a static object of the step).
class ProfileReport {
public:
  ProfileReport(const ProfileSite *sites, size_t count)
      : sites(sites), count(count) {}
  ProfileReport(const ProfileReport &) = delete;
  ProfileReport &operator=(const ProfileReport &) = delete;
  ~ProfileReport() {
    if (!profiling())
      return;
    std::vector<size_t> order;
    double total = 0;
    for (size_t i = 0; i < count; ++i)
      if (sites[i].calls) {
        order.push_back(i);
        total += sites[i].seconds;
      }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return sites[a].seconds > sites[b].seconds;
    });
    std::fprintf(stderr,
                 "qtc profile: %.3f s in kernels, by kernel and shape "
                 "(seconds, share, calls, ms per call):\n",
                 total);
    for (size_t i : order)
      std::fprintf(stderr, "%10.3f %5.1f%% %7llu %9.3f  %s\n",
                   sites[i].seconds,
                   total > 0 ? 100.0 * sites[i].seconds / total : 0.0,
                   static_cast<unsigned long long>(sites[i].calls),
                   1e3 * sites[i].seconds / static_cast<double>(sites[i].calls),
                   sites[i].what);
  }

private:
  const ProfileSite *sites;
  size_t count;
};

/// Reports a failed kernel call; returns its error code.
inline int fail(const char *kernel, int code) {
  std::fprintf(stderr, "qtc: kernel %s failed with Halide error %d\n", kernel,
               code);
  return code;
}

} // namespace qtc::step

#endif // QTC_RUNTIME_QTC_KERNEL_CALL_H
