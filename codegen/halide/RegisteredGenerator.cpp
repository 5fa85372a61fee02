//===- RegisteredGenerator.cpp - registry types as Halide's ---------------===//
#include "codegen/halide/RegisteredGenerator.h"

namespace qtc::halide {

Halide::Type halideType(kernels::ElemType type) {
  using kernels::ElemType;
  switch (type) {
  case ElemType::F16:
    return Halide::Float(16);
  case ElemType::BF16:
    return Halide::BFloat(16);
  case ElemType::F32:
    return Halide::Float(32);
  case ElemType::F64:
    return Halide::Float(64);
  case ElemType::I8:
    return Halide::Int(8);
  case ElemType::U8:
    return Halide::UInt(8);
  case ElemType::U16:
    return Halide::UInt(16);
  case ElemType::I32:
    return Halide::Int(32);
  case ElemType::I64:
    return Halide::Int(64);
  case ElemType::U64:
    return Halide::UInt(64);
  }
  return Halide::Type();
}

kernels::TargetClass targetClassOf(const Halide::Target &target) {
  if (target.has_gpu_feature())
    return kernels::TargetClass::Cuda;
  if (target.arch == Halide::Target::ARM)
    return kernels::TargetClass::Arm64DotProd;
  // The VNNI variant is the one built with Halide's Sapphire Rapids feature
  // (the dot products and the u8 packed operand come with it).
  if (target.has_feature(Halide::Target::AVX512_SapphireRapids))
    return kernels::TargetClass::X86Avx512Vnni;
  return kernels::TargetClass::X86Avx2;
}

} // namespace qtc::halide
