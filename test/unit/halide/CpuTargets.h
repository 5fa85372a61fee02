//===- CpuTargets.h - The CPU targets the JIT kernel tests compile for ----===//
#ifndef QTC_TEST_UNIT_HALIDE_CPUTARGETS_H
#define QTC_TEST_UNIT_HALIDE_CPUTARGETS_H

namespace qtc::halide::test {

/// The AOT libraries' two x86 targets (codegen/halide/CMakeLists.txt).
inline const char *const kAvx512 =
    "x86-64-linux-avx-avx2-f16c-fma-sse41-avx512-avx512_"
    "skylake-avx512_cannonlake-avx512_sapphirerapids";
inline const char *const kAvx2 = "x86-64-linux-avx-avx2-f16c-fma-sse41";

} // namespace qtc::halide::test

#endif // QTC_TEST_UNIT_HALIDE_CPUTARGETS_H
