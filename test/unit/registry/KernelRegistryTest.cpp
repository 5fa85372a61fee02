//===- KernelRegistryTest.cpp - The kernel registry's table and checks ----===//
//
// Every entry resolves its defaults into a well-formed signature on every
// target it names; settings are checked (unknown names and values are
// errors naming what is allowed); signatures follow the parameters that
// change them (packed codes, zero forms, the VNNI packed operand).
//
//===----------------------------------------------------------------------===//
#include "codegen/registry/KernelRegistry.h"

#include <gtest/gtest.h>

#include <set>

namespace kr = qtc::kernels;

namespace {

const kr::TargetClass kAllClasses[] = {
    kr::TargetClass::X86Avx512Vnni, kr::TargetClass::X86Avx2,
    kr::TargetClass::Arm64DotProd, kr::TargetClass::Cuda};

TEST(KernelRegistryTest, EveryEntryResolvesToAWellFormedSignature) {
  std::set<std::string> generators;
  for (const kr::Kernel &k : kr::registry()) {
    SCOPED_TRACE(k.generator);
    EXPECT_TRUE(generators.insert(k.generator).second) << "listed twice";
    EXPECT_EQ(kr::lookup(k.generator), &k);
    std::string error;
    std::optional<kr::ParamValues> values =
        k.resolve(std::map<std::string, std::string>{}, &error);
    ASSERT_TRUE(values) << error;
    EXPECT_EQ(values->entries().size(), k.params.size());
    kr::TargetSet targets = k.targets(*values);
    EXPECT_TRUE(kr::has(targets, kr::TargetClass::X86Avx512Vnni))
        << "every kernel runs on the host's first variant";
    for (kr::TargetClass t : kAllClasses) {
      if (!kr::has(targets, t))
        continue;
      std::vector<kr::Arg> args = k.signature(*values, t);
      std::set<std::string> names;
      bool sawOutput = false;
      for (const kr::Arg &a : args) {
        EXPECT_TRUE(names.insert(a.name).second) << a.name << " twice";
        // Halide passes inputs first, then outputs.
        EXPECT_TRUE(a.output || !sawOutput) << a.name << " after an output";
        sawOutput |= a.output;
        EXPECT_FALSE(a.output && a.isScalar()) << a.name;
        EXPECT_GT(kr::elemTypeBytes(a.type), 0);
      }
      EXPECT_TRUE(sawOutput);
    }
  }
  EXPECT_EQ(kr::lookup("no_such_kernel"), nullptr);
}

TEST(KernelRegistryTest, SettingsAreCheckedAndNameTheAllowedValues) {
  const kr::Kernel *gse = kr::lookup("gse_quantize");
  ASSERT_TRUE(gse);
  std::string error;
  EXPECT_FALSE(
      gse->resolve(std::vector<std::string>{"rounding=nearest"}, &error));
  EXPECT_EQ(error, "kernel gse_quantize: rounding=nearest is not allowed "
                   "(expected rne, rna, stochastic)");
  EXPECT_FALSE(gse->resolve(std::vector<std::string>{"roundin=rne"}, &error));
  EXPECT_EQ(error, "kernel gse_quantize has no parameter 'roundin' (its "
                   "parameters: axis, bits, group, exp_bits, exp_rule, "
                   "rounding)");
  EXPECT_FALSE(gse->resolve(std::vector<std::string>{"group"}, &error));
  EXPECT_EQ(error, "kernel gse_quantize: setting 'group' is not of the form "
                   "name=value");
  EXPECT_FALSE(gse->resolve(std::vector<std::string>{"axis=2"}, &error));
  EXPECT_EQ(error,
            "kernel gse_quantize: axis=2 is not allowed (expected 0, 1)");
  for (const char *bad : {"group=0", "group=-3", "group=32x", "group="}) {
    EXPECT_FALSE(gse->resolve(std::vector<std::string>{bad}, &error)) << bad;
    EXPECT_NE(error.find("expected an integer >= 1"), std::string::npos);
  }
  const kr::Kernel *tsign = kr::lookup("tsign_sgd");
  EXPECT_FALSE(tsign->resolve(std::vector<std::string>{"x=1"}, &error));
  EXPECT_EQ(error, "kernel tsign_sgd has no parameter 'x' (it takes none)");
  // Defaults fill what is not given; str() is the canonical spelling.
  std::optional<kr::ParamValues> values =
      gse->resolve(std::vector<std::string>{"rounding=stochastic"}, &error);
  ASSERT_TRUE(values);
  EXPECT_EQ(values->str(), "axis=1 bits=8 group=32 exp_bits=8 "
                           "exp_rule=floor rounding=stochastic");
  EXPECT_EQ(values->get<kr::Rounding>("rounding"), kr::Rounding::Stochastic);
  EXPECT_EQ(values->getInt("group"), 32);
}

TEST(KernelRegistryTest, SignaturesFollowTheirParameters) {
  std::string error;
  auto arg = [&](const char *generator, std::vector<std::string> settings,
                 kr::TargetClass target, const char *name) {
    const kr::Kernel *k = kr::lookup(generator);
    std::optional<kr::ParamValues> v = k->resolve(settings, &error);
    EXPECT_TRUE(v) << error;
    std::optional<kr::Arg> a = k->arg(*v, target, name);
    EXPECT_TRUE(a) << generator << " has no " << name;
    return a.value_or(kr::Arg{});
  };
  const auto avx2 = kr::TargetClass::X86Avx2,
             vnni = kr::TargetClass::X86Avx512Vnni;
  EXPECT_EQ(arg("affine_matmul", {}, avx2, "codes").type, kr::ElemType::I8);
  EXPECT_EQ(arg("affine_matmul", {"packed_bits=4"}, avx2, "codes").type,
            kr::ElemType::I32);
  EXPECT_EQ(arg("affine_matmul", {"zero=int"}, avx2, "zeros").type,
            kr::ElemType::I8);
  EXPECT_EQ(arg("affine_matmul", {"zero=float"}, avx2, "zeros").type,
            kr::ElemType::F32);
  EXPECT_TRUE(arg("affine_matmul", {}, avx2, "weak").unused);
  EXPECT_FALSE(arg("affine_matmul", {"weak_rows=true"}, avx2, "weak").unused);
  // The packed GSE operand: u8 (+128) for VNNI's dot product, 3-D.
  kr::Arg packed = arg("gse_matmul", {"prepacked_b=true"}, vnni, "b_mantissas");
  EXPECT_EQ(packed.type, kr::ElemType::U8);
  EXPECT_EQ(packed.rank, 3);
  EXPECT_EQ(arg("gse_pack_rhs", {}, avx2, "packed").type, kr::ElemType::I8);
  EXPECT_EQ(arg("adamw", {"param_type=f16"}, avx2, "new_param").type,
            kr::ElemType::F16);
  // A fused epilogue adds its scalar just before the output.
  const kr::Kernel *f32 = kr::lookup("f32_matmul");
  std::vector<kr::Arg> args = f32->signature(
      *f32->resolve(std::vector<std::string>{"epilogue_scale=true"}, &error),
      avx2);
  ASSERT_GE(args.size(), 2u);
  EXPECT_EQ(args[args.size() - 2].name, "scale");
  EXPECT_TRUE(args[args.size() - 2].isScalar());
  EXPECT_EQ(args.back().name, "c");
}

TEST(KernelRegistryTest, TargetsFollowTheSchedules) {
  std::string error;
  auto targets = [&](const char *generator, std::vector<std::string> s) {
    const kr::Kernel *k = kr::lookup(generator);
    return k->targets(*k->resolve(s, &error));
  };
  // The packed layout is the VNNI one only; the GEMV forms are CPU ones.
  EXPECT_EQ(targets("gse_matmul", {"prepacked_b=true"}),
            unsigned(kr::TargetClass::X86Avx512Vnni));
  EXPECT_FALSE(
      kr::has(targets("gse_matmul", {"shape=gemv", "transpose_b=true"}),
              kr::TargetClass::Cuda));
  EXPECT_TRUE(kr::has(targets("gse_matmul", {"shape=gemv", "transpose_b=true"}),
                      kr::TargetClass::X86Avx2));
  // The GEMV form has no schedule for an epilogue or another layout.
  EXPECT_EQ(targets("gse_matmul",
                    {"shape=gemv", "transpose_b=true", "epilogue_scale=true"}),
            0u);
  EXPECT_EQ(targets("gse_matmul", {"shape=gemv"}), 0u);
  EXPECT_TRUE(kr::has(targets("gse_matmul", {}), kr::TargetClass::Cuda));
  EXPECT_TRUE(kr::has(targets("affine_matmul", {}), kr::TargetClass::Cuda));
  EXPECT_FALSE(kr::has(targets("affine_matmul", {"packed_bits=4"}),
                       kr::TargetClass::Cuda));
  EXPECT_FALSE(kr::has(targets("adamw", {}), kr::TargetClass::Cuda));
}

} // namespace

namespace {

// The AOT library list CMake builds (codegen/halide/CMakeLists.txt runs the
// same checks at configure time and fails on any of these).
TEST(KernelRegistryTest, ShippedLibrariesAreRegistryKernels) {
  std::set<std::string> names;
  for (const kr::ShippedLibrary &lib : kr::shippedLibraries()) {
    SCOPED_TRACE(lib.name);
    EXPECT_TRUE(names.insert(lib.name).second);
    EXPECT_EQ(lib.name.rfind("qtc_", 0), 0u);
    const kr::Kernel *k = kr::lookup(lib.generator);
    ASSERT_TRUE(k);
    std::string error;
    std::optional<kr::ParamValues> values = k->resolve(lib.settings, &error);
    ASSERT_TRUE(values) << error;
    if (lib.targets == kr::ShippedLibrary::Targets::Host)
      EXPECT_TRUE(kr::has(k->targets(*values), kr::TargetClass::X86Avx2));
    if (lib.targets == kr::ShippedLibrary::Targets::Cuda)
      EXPECT_TRUE(kr::has(k->targets(*values), kr::TargetClass::Cuda));
  }
  EXPECT_GE(names.size(), 30u);
}

} // namespace
