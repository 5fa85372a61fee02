//===- CpuTargets.cpp - Which kernel targets this CPU runs ----------------===//
#include "test/unit/halide/CpuTargets.h"

#include "runtime/qtc_cpu_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

namespace qtc::halide::test {

bool hostRuns(const Halide::Target &target) {
  if (target.arch != Halide::Target::X86 || target.bits != 64 ||
      target.has_gpu_feature())
    return false;
  // Halide's feature enumerators are the runtime's bit numbers.
  constexpr int kWords = (halide_target_feature_end + 63) / 64;
  uint64_t bits[kWords] = {};
  for (int f = 0; f < halide_target_feature_end; ++f)
    if (target.has_feature(static_cast<Halide::Target::Feature>(f)))
      bits[f / 64] |= uint64_t(1) << (f % 64);
  return qtc::cpu::canUseTargetFeatures(kWords, bits) != 0;
}

std::string hostClass() {
  // kAvx512 is Halide's Sapphire Rapids variant (VNNI, BF16 and, through
  // LLVM's -mcpu, AVX512-FP16): Zen 4 has VNNI yet cannot run it.
  if (hostRuns(kAvx512))
    return "AVX-512 of Sapphire Rapids";
  if (hostRuns(kAvx512NoVnni))
    return "AVX-512, not the Sapphire Rapids set";
  if (hostRuns(kAvx2))
    return "AVX2";
  return "none";
}

std::vector<const char *>
runnable(std::initializer_list<const char *> targets) {
  static std::set<std::string> reported;
  std::vector<const char *> out;
  for (const char *target : targets) {
    if (hostRuns(target)) {
      out.push_back(target);
      continue;
    }
    if (reported.insert(target).second)
      std::fprintf(stderr,
                   "note: skipping target %s: this CPU (%s) cannot run it\n",
                   target, hostClass().c_str());
  }
  return out;
}

namespace {

/// Says once per test binary which variant of the multi-target AOT
/// libraries this CPU runs, so a variant that cannot run here is named.
class HostReport : public ::testing::Environment {
  void SetUp() override {
    std::string host = hostClass();
    bool vnniVariant = hostRuns(kAvx512);
    std::fprintf(stderr,
                 "note: this CPU is %s: the AOT libraries run their %s "
                 "variant%s\n",
                 host.c_str(), vnniVariant ? "AVX-512 VNNI" : "AVX2",
                 vnniVariant
                     ? " (QtcHalideAvx2Tests runs the AVX2 one)"
                     : "; their AVX-512 VNNI variant is not run here");
  }
};

// The shipped libraries choose their variant with qtc's check, as the
// trainers do (runtime/qtc_cpu_check.h).
[[maybe_unused]] const bool kCpuCheck = qtc::cpu::installCpuCheck();

[[maybe_unused]] ::testing::Environment *const kHostReport =
    ::testing::AddGlobalTestEnvironment(new HostReport);

} // namespace

} // namespace qtc::halide::test
