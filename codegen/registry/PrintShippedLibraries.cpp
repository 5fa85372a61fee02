//===- PrintShippedLibraries.cpp - shippedLibraries() as CMake ------------===//
//
// Run by codegen/halide/CMakeLists.txt at configure time (try_run): prints
// one add_halide_library() per shipped library, every parameter resolved
// through its registry entry, so the AOT library list has one source. Fails
// (and so does the configure) on an entry the registry rejects.
//
//===----------------------------------------------------------------------===//
#include "codegen/registry/KernelRegistry.h"

#include <cctype>
#include <cstdio>
#include <set>

using namespace qtc::kernels;

int main() {
  std::set<std::string> names;
  for (const ShippedLibrary &lib : shippedLibraries()) {
    const Kernel *kernel = lookup(lib.generator);
    std::string error;
    std::optional<ParamValues> values =
        kernel ? kernel->resolve(lib.settings, &error) : std::nullopt;
    if (!kernel)
      error = "no kernel '" + lib.generator + "' in the registry";
    if (values) {
      TargetClass needs = lib.targets == ShippedLibrary::Targets::Cuda
                              ? TargetClass::Cuda
                          : lib.targets == ShippedLibrary::Targets::Arm64DotProd
                              ? TargetClass::Arm64DotProd
                              : TargetClass::X86Avx512Vnni;
      if (!has(kernel->targets(*values), needs))
        error = std::string("no schedule for ") + targetClassName(needs);
      else if (lib.targets == ShippedLibrary::Targets::Host &&
               !has(kernel->targets(*values), TargetClass::X86Avx2))
        error = "no AVX2 schedule";
    }
    if (!names.insert(lib.name).second)
      error = "listed twice";
    if (!error.empty() || !values) {
      std::fprintf(stderr, "shipped library %s: %s\n", lib.name.c_str(),
                   error.c_str());
      return 1;
    }
    const char *targets =
        lib.targets == ShippedLibrary::Targets::Host
            ? "${QTC_X86_AVX512_TARGET} ${QTC_X86_AVX2_TARGET}"
        : lib.targets == ShippedLibrary::Targets::X86Avx512Vnni
            ? "${QTC_X86_AVX512_TARGET}"
        : lib.targets == ShippedLibrary::Targets::Arm64DotProd
            ? "${QTC_ARM64_TARGET}"
            : "${QTC_CUDA_TARGET}";
    std::printf("add_halide_library(%s FROM qtc-kernel-generators\n"
                "  GENERATOR %s\n  TARGETS %s\n",
                lib.name.c_str(), lib.generator.c_str(), targets);
    if (!values->entries().empty())
      std::printf("  PARAMS %s\n", values->str().c_str());
    if (lib.assembly) {
      std::string var = lib.name + "_ASM";
      for (char &c : var)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::printf("  ASSEMBLY %s\n", var.c_str());
    }
    std::printf(")\n");
  }
  return 0;
}
