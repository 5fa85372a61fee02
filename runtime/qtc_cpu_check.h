//===- qtc_cpu_check.h - The kernel variants this CPU runs ---*- C++ -*-===//
//
// A multi-target Halide library picks its variant on the first call with
// halide_can_use_target_features. Halide 14 compiles its AVX-512 "Sapphire
// Rapids" feature with LLVM's -mcpu=sapphirerapids, so LLVM may use every
// instruction set of that CPU (seen: AVX512-FP16's vmovw in the GSE GEMV),
// yet Halide's own run-time check asks only for AVX-512 VNNI and BF16: AMD
// Zen 4 and Zen 5 pass it and die with SIGILL. qtc's check also asks for
// the rest of what that -mcpu allows, so such CPUs run the AVX2 variant.
// QTC_KERNEL_VARIANT=x86-avx2 in the environment makes a CPU that could run
// the AVX-512 variant run the AVX2 one (to test or time it); no setting
// makes a CPU run a variant it lacks. Header-only: generated steps,
// qtc-bench and the tests install it.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_QTC_CPU_CHECK_H
#define QTC_RUNTIME_QTC_CPU_CHECK_H

#include "HalideRuntime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace qtc::cpu {

/// Whether this CPU has what LLVM's sapphirerapids CPU may emit: Halide's
/// AVX-512 chain (F, CD, BW, DQ, VL, IFMA, VBMI), VNNI and BF16, and beyond
/// Halide's check AVX512-FP16, AVX-VNNI (the VEX dot products), VBMI2,
/// BITALG, VPOPCNTDQ, GFNI, VAES and VPCLMULQDQ. AMX is left out: LLVM
/// emits it only for its intrinsics, which Halide 14 does not use.
inline bool hasSapphireRapidsIsa() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, nullptr) < 7)
    return false;
  __cpuid_count(7, 0, a, b, c, d);
  const unsigned ebxNeeded = (1u << 16) /*f*/ | (1u << 17) /*dq*/ |
                             (1u << 21) /*ifma*/ | (1u << 28) /*cd*/ |
                             (1u << 30) /*bw*/ | (1u << 31) /*vl*/;
  const unsigned ecxNeeded = (1u << 1) /*vbmi*/ | (1u << 6) /*vbmi2*/ |
                             (1u << 8) /*gfni*/ | (1u << 9) /*vaes*/ |
                             (1u << 10) /*vpclmulqdq*/ | (1u << 11) /*vnni*/ |
                             (1u << 12) /*bitalg*/ | (1u << 14) /*vpopcntdq*/;
  const unsigned edxFp16 = 1u << 23;
  if ((b & ebxNeeded) != ebxNeeded || (c & ecxNeeded) != ecxNeeded ||
      !(d & edxFp16))
    return false;
  __cpuid_count(7, 1, a, b, c, d);
  const unsigned eaxNeeded = (1u << 4) /*avx-vnni*/ | (1u << 5) /*bf16*/;
  return (a & eaxNeeded) == eaxNeeded;
#else
  return false;
#endif
}

/// The CPU's brand string (CPUID 0x80000002-4), for benchmark records.
inline std::string cpuModel() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned words[12] = {};
  if (__get_cpuid_max(0x80000000, nullptr) < 0x80000004)
    return "unknown x86 CPU";
  for (unsigned i = 0; i < 3; ++i)
    __cpuid(0x80000002 + i, words[4 * i], words[4 * i + 1], words[4 * i + 2],
            words[4 * i + 3]);
  std::string model(reinterpret_cast<const char *>(words), sizeof words);
  model = model.substr(0, model.find('\0'));
  size_t first = model.find_first_not_of(' ');
  return first == std::string::npos ? "unknown x86 CPU" : model.substr(first);
#else
  return "non-x86 CPU";
#endif
}

/// Whether QTC_KERNEL_VARIANT asks for the AVX2 variant (any other value
/// than x86-avx2 or x86-avx512-vnni is reported once and ignored).
inline bool avx2Forced() {
  static const bool forced = [] {
    const char *v = std::getenv("QTC_KERNEL_VARIANT");
    if (!v || !*v || std::strcmp(v, "x86-avx512-vnni") == 0)
      return false;
    if (std::strcmp(v, "x86-avx2") == 0)
      return true;
    std::fprintf(stderr,
                 "qtc: QTC_KERNEL_VARIANT='%s' is not x86-avx2 or "
                 "x86-avx512-vnni; ignored\n",
                 v);
    return false;
  }();
  return forced;
}

/// The variant a multi-target qtc library runs on this CPU. avx2Forced()
/// comes first so that a wrong QTC_KERNEL_VARIANT is reported on every CPU,
/// not only on those with the Sapphire Rapids ISA.
inline const char *hostVariant() {
  return !avx2Forced() && hasSapphireRapidsIsa() ? "x86-avx512-vnni"
                                                 : "x86-avx2";
}

/// halide_can_use_target_features with the Sapphire Rapids feature checked
/// as above; every other request is Halide's default answer.
inline int canUseTargetFeatures(int count, const uint64_t *features) {
  const int bit = halide_target_feature_avx512_sapphirerapids;
  if (bit / 64 < count && (features[bit / 64] >> (bit % 64) & 1)) {
    static const bool sapphireRapids = !avx2Forced() && hasSapphireRapidsIsa();
    if (!sapphireRapids)
      return 0;
  }
  return halide_default_can_use_target_features(count, features);
}

/// Makes every multi-target kernel library of this process choose with
/// canUseTargetFeatures. Returns true, for use in a static initializer.
inline bool installCpuCheck() {
  halide_set_custom_can_use_target_features(canUseTargetFeatures);
  return true;
}

} // namespace qtc::cpu

#endif // QTC_RUNTIME_QTC_CPU_CHECK_H
