//===- CpuTargets.h - The CPU targets the JIT kernel tests compile for ----===//
#ifndef QTC_TEST_UNIT_HALIDE_CPUTARGETS_H
#define QTC_TEST_UNIT_HALIDE_CPUTARGETS_H

namespace qtc::halide::test {

/// The AOT libraries' two x86 targets, passed in by test/unit/CMakeLists.txt
/// from codegen/halide/CMakeLists.txt.
inline const char *const kAvx512 = QTC_X86_AVX512_TARGET;
inline const char *const kAvx2 = QTC_X86_AVX2_TARGET;

} // namespace qtc::halide::test

#endif // QTC_TEST_UNIT_HALIDE_CPUTARGETS_H
