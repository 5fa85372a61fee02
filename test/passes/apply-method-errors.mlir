// Bad methods, options and weights are diagnostics on the layer, not crashes.

// RUN: not qtc-opt %s --qt-apply-method="method=qlora" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: qt-apply-method: unknown method 'qlora'; expected lora, gsq, lota or qeft

// Hugging Face's [out, in] weights reach f32 LoRA and GSQ only so far;
// `targets` must name some layer.
// RUN: not qtc-opt %S/Inputs/linear-out-in.mlir --qt-apply-method="method=lota rank=4" 2>&1 | FileCheck %s --check-prefix=LAYOUT
// LAYOUT: error: 'qt.linear' op method 'lota' takes [in, out] weights; weight_layout out_in (Hugging Face's [out, in]) is supported by 'lora' and, for float weights, 'gsq'
// RUN: not qtc-opt %S/Inputs/linear-out-in.mlir --qt-apply-method="method=lora rank=4 targets=q_proj,v_proj" 2>&1 | FileCheck %s --check-prefix=TARGETS
// TARGETS: error: qt-apply-method: no qt.linear is named by targets=q_proj,v_proj

// RUN: not qtc-opt %s --qt-apply-method="method=lota rank=16" 2>&1 | FileCheck %s --check-prefix=LOTA
// LOTA: apply-method-errors.mlir:[[@LINE+19]]:8: error: 'qt.linear' op method 'lota' needs an !qt.affine weight with integer or scaled zeros, found '!qt.nf4<64x64>'

// RUN: not qtc-opt %s --qt-apply-method="method=qeft outliers=16" 2>&1 | FileCheck %s --check-prefix=QEFT
// QEFT: error: 'qt.linear' op method 'qeft' needs an !qt.affine weight with integer zeros, found '!qt.nf4<64x64>'

// RUN: not qtc-opt %s --qt-apply-method="method=lora rank=0" 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: error: 'qt.linear' op method 'lora' needs rank > 0, found 0

// RUN: not qtc-opt %s --qt-apply-method="method=gsq rank=8 group=0" 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: 'qt.linear' op GSQ needs group > 0, found 0

// The GSE format's rules are checked at the layer.
// RUN: not qtc-opt %s --qt-apply-method="method=gsq rank=8 group=2" 2>&1 | FileCheck %s --check-prefix=SMALL
// SMALL: error: 'qt.linear' op GSE group must be at least 8, found 2

// A group that does not divide the extents fails the composite's verifier.
// RUN: not qtc-opt %s --qt-apply-method="method=gsq rank=8 group=32" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// DIVIDE: error: 'qt.lora_linear' op GSQ group size must divide every reduction extent: group 32 does not divide rank = 8
func.func @nf4_base(%x: tensor<8x64xf32>, %w: !qt.nf4<64x64>) -> tensor<8x64xf32> {
  %y = qt.linear %x, %w : tensor<8x64xf32>, !qt.nf4<64x64> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// RUN: not qtc-opt %s --split-input-file --qt-apply-method="method=qeft outliers=300" 2>&1 | FileCheck %s --check-prefix=OUTLIERS
// OUTLIERS: error: 'qt.linear' op QEFT needs outliers in [1, 256] (the weight's input features), found 300
func.func @affine_base(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>) -> tensor<8x64xf32> {
  %y = qt.linear %x, %w : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

