//===- ShippedLibraries.cpp - The kernel libraries built with qtc ---------===//
//
// Instances of registry kernels that the project builds ahead of time: the
// AOT kernel tests and qtc-bench link them (qtc compile builds the kernels
// a program selects, through its cache). Each is checked against its
// registry entry when CMake reads this list.
//
//===----------------------------------------------------------------------===//
#include "codegen/registry/KernelRegistry.h"

namespace qtc::kernels {

const std::vector<ShippedLibrary> &shippedLibraries() {
  using T = ShippedLibrary::Targets;
  static const std::vector<ShippedLibrary> libraries = [] {
    std::vector<ShippedLibrary> l = {
        // GSQ-Tuning's forward X W^T, its GEMV form, and the other two
        // layouts of its backward (dY W for dX, X^T dY for dA and dB);
        // the forward with wide_int accumulation.
        {"qtc_gse_matmul_f32",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_b=true"}},
        {"qtc_gse_matmul_gemv",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_b=true", "shape=gemv"}},
        {"qtc_gse_matmul_f32_nn", "gse_matmul", {"group=32", "accumulate=f32"}},
        {"qtc_gse_matmul_f32_tn",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_a=true"}},
        {"qtc_gse_matmul_wide_int",
         "gse_matmul",
         {"group=32", "accumulate=wide_int", "transpose_b=true"}},
        // Frozen weights packed once for the VNNI operand layout, and the
        // forward that reads them so: the layout is the VNNI variant's (u8
        // with the +128 offset), so these are single-target libraries.
        {"qtc_gse_pack_rhs",
         "gse_pack_rhs",
         {"transpose_b=true"},
         T::X86Avx512Vnni},
        {"qtc_gse_matmul_prepacked",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_b=true", "prepacked_b=true"},
         T::X86Avx512Vnni},
        // The VNNI object alone, with its assembly, for the vpdpbusd check;
        // the ARM dot-product and CUDA objects (nothing here runs them).
        {"qtc_gse_matmul_f32_avx512",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_b=true"},
         T::X86Avx512Vnni,
         true},
        {"qtc_gse_matmul_f32_arm",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_b=true"},
         T::Arm64DotProd},
        {"qtc_gse_matmul_f32_cuda",
         "gse_matmul",
         {"group=32", "accumulate=f32", "transpose_b=true"},
         T::Cuda,
         true},
        {"qtc_qeft_matmul_cuda",
         "affine_matmul",
         {"group=128", "zero=int", "weak_rows=true"},
         T::Cuda,
         true},
        {"qtc_qeft_matmul_t_cuda",
         "affine_matmul",
         {"group=128", "zero=int", "weak_rows=true", "transposed=true"},
         T::Cuda,
         true},
        {"qtc_gse_quantize_cuda",
         "gse_quantize",
         {"axis=0", "rounding=stochastic"},
         T::Cuda,
         true},
        // NF4 base weights cast to GSE on load, grouped along in_features.
        {"qtc_nf4_to_gse", "nf4_to_gse", {"block=64", "axis=0", "group=32"}},
        // LoTA-QAF's per-step merge (4-bit base, G = 128).
        {"qtc_lota_merge",
         "lota_merge",
         {"bits=4", "group=128", "offset_scale=inv_omega"}},
        // ... and on a scaled-zero base (ggml's Q4_1: groups of 32).
        {"qtc_lota_merge_scaled",
         "lota_merge",
         {"bits=4", "group=32", "offset_scale=inv_omega", "zero=scaled"}},
        // AdamW on f32 masters (LoRA, GSQ) and f16 weak rows (QEFT).
        {"qtc_adamw_f32", "adamw", {"param_type=f32"}},
        {"qtc_adamw_f16", "adamw", {"param_type=f16"}},
        // t-SignSGD on a ternary adapter.
        {"qtc_tsign_sgd", "tsign_sgd", {}},
        // LoRA's f32 products in the three layouts; LoTA's adapter
        // gradients from dDW (dA = dDW B^T, dB = A^T dDW, ternary operands)
        // and dDW fused after Gw = x^T dY.
        {"qtc_f32_matmul_nn", "f32_matmul", {}},
        {"qtc_f32_matmul_tn", "f32_matmul", {"transpose_a=true"}},
        {"qtc_f32_matmul_nt", "f32_matmul", {"transpose_b=true"}},
        {"qtc_lota_adapter_grad_a",
         "f32_matmul",
         {"transpose_b=true", "ternary_b=true"}},
        {"qtc_lota_adapter_grad_b",
         "f32_matmul",
         {"transpose_a=true", "ternary_a=true"}},
        {"qtc_lota_delta_grad",
         "f32_matmul",
         {"transpose_a=true", "lota_delta_grad=true", "group=128"}},
        // The model ops qtc-bench times against BLAS and memory bandwidth.
        {"qtc_attention", "attention", {}},
        {"qtc_attention_grad", "attention_grad", {}},
        {"qtc_rmsnorm", "rmsnorm", {}},
        {"qtc_swiglu", "swiglu", {}},
    };
    // GSE casts: rne for weights and activations, stochastic for
    // gradients, along rows (axis 1) and columns (axis 0).
    for (const char *rounding : {"rne", "stochastic"}) {
      std::string r = rounding;
      l.push_back({"qtc_gse_quantize_" + r,
                   "gse_quantize",
                   {"axis=1", "group=32", "rounding=" + r}});
      l.push_back({"qtc_gse_quantize_" + r + "_axis0",
                   "gse_quantize",
                   {"axis=0", "group=32", "rounding=" + r}});
    }
    // The merged LoTA layer (float zeros) and QEFT's mixed layer (int zeros
    // and f16 weak rows): forward, forward on GPTQ-packed 4-bit codes, and
    // the backward dX, each with its GEMV and GEMM schedules.
    for (const char *shape : {"gemv", "gemm"}) {
      std::string s = shape;
      std::vector<std::string> lota = {"group=128", "zero=float", "shape=" + s};
      std::vector<std::string> qeft = {"group=128", "zero=int",
                                       "weak_rows=true", "shape=" + s};
      auto with = [](std::vector<std::string> v, std::string extra) {
        v.push_back(std::move(extra));
        return v;
      };
      l.push_back({"qtc_lota_matmul_" + s, "affine_matmul", lota});
      l.push_back({"qtc_qeft_matmul_" + s, "affine_matmul", qeft});
      l.push_back({"qtc_lota_matmul_packed_" + s, "affine_matmul",
                   with(lota, "packed_bits=4")});
      l.push_back({"qtc_qeft_matmul_packed_" + s, "affine_matmul",
                   with(qeft, "packed_bits=4")});
      l.push_back({"qtc_lota_matmul_t_" + s, "affine_matmul",
                   with(lota, "transposed=true")});
      l.push_back({"qtc_qeft_matmul_t_" + s, "affine_matmul",
                   with(qeft, "transposed=true")});
    }
    return l;
  }();
  return libraries;
}

} // namespace qtc::kernels
