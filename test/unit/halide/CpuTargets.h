//===- CpuTargets.h - The CPU targets the kernel tests run on ---*- C++ -*-===//
//
// The AOT libraries' two x86 targets and the one decision of whether this
// CPU runs code built for a target. Every JIT test asks it before realizing
// a pipeline (a target the CPU lacks dies with SIGILL and takes the whole
// test binary with it); the AOT libraries make the same check themselves.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TEST_UNIT_HALIDE_CPUTARGETS_H
#define QTC_TEST_UNIT_HALIDE_CPUTARGETS_H

#include "Halide.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace qtc::halide::test {

/// The AOT libraries' two x86 targets, passed in by test/unit/CMakeLists.txt
/// from codegen/halide/CMakeLists.txt.
inline const char *const kAvx512 = QTC_X86_AVX512_TARGET;
inline const char *const kAvx2 = QTC_X86_AVX2_TARGET;
/// AVX-512 without VNNI (LLVM's skylake-avx512: Skylake-X, Cascade and Ice
/// Lake, AMD Zen 4 and 5, where Halide 14's Sapphire Rapids code does not
/// run). No shipped library has this variant yet; the JIT tests run its
/// 512-bit schedules wherever the CPU has AVX-512.
inline const char *const kAvx512NoVnni =
    "x86-64-linux-avx-avx2-f16c-fma-sse41-avx512-avx512_skylake-large_buffers";

/// Whether this CPU runs code built for `target`: the check a multi-target
/// AOT library makes before its first call (runtime/qtc_cpu_check.h, which
/// the test binaries install), so the JIT tests and the shipped libraries
/// agree on what runs here. Ignores a custom hook such as
/// QtcHalideAvx2Tests' (that one decides which AOT variant runs, not what
/// the CPU can execute).
bool hostRuns(const Halide::Target &target);
inline bool hostRuns(const char *target) {
  return hostRuns(Halide::Target(target));
}

/// The x86 class of this CPU as the kernels see it: "AVX-512 VNNI" (the
/// AOT libraries' first variant runs), "AVX-512 without VNNI" or "AVX2"
/// (their AVX2 variant runs), or "none".
std::string hostClass();

/// The members of `targets` this CPU runs; each one it does not is written
/// once to stderr with the reason, so a skipped variant is never silent.
std::vector<const char *> runnable(std::initializer_list<const char *> targets);

} // namespace qtc::halide::test

/// In a test body: skips the test (with the CPU's class in the message)
/// unless this CPU runs `target`.
#define QTC_SKIP_UNLESS_HOST_RUNS(target)                                      \
  do {                                                                         \
    if (!::qtc::halide::test::hostRuns(target))                                \
      GTEST_SKIP() << "this CPU (" << ::qtc::halide::test::hostClass()         \
                   << ") cannot run " << (target);                             \
  } while (0)

#endif // QTC_TEST_UNIT_HALIDE_CPUTARGETS_H
