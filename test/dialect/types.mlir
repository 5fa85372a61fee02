// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// Parameters equal to NUMERICS.md's defaults are elided when printed.

// CHECK-LABEL: func.func @gse_defaults
// CHECK-SAME: !qt.gse<8x64, axis = 1>
func.func @gse_defaults(%q: !qt.gse<8x64, axis = 1, bits = 8, group = 32, exp_bits = 8, exp_rule = floor, rounding = rne>) {
  return
}

// CHECK-LABEL: func.func @gse_all_params
// CHECK-SAME: !qt.gse<64x32x16, axis = 0, bits = 4, group = 16, exp_bits = 6, exp_rule = ceil, rounding = stochastic>
func.func @gse_all_params(%q: !qt.gse<64x32x16, axis = 0, bits = 4, group = 16, exp_bits = 6, exp_rule = ceil, rounding = stochastic>) {
  return
}

// CHECK-LABEL: func.func @gse_rna
// CHECK-SAME: !qt.gse<32, axis = 0, bits = 2, group = 8, exp_bits = 4, rounding = rna>
func.func @gse_rna(%q: !qt.gse<32, axis = 0, bits = 2, group = 8, exp_bits = 4, rounding = rna>) {
  return
}

// CHECK-LABEL: func.func @affine
// CHECK-SAME: !qt.affine<256x64, bits = 4, group = 128>
// CHECK-SAME: !qt.affine<256x64, bits = 3, group = 32, zero = float, g_idx = true>
// CHECK-SAME: !qt.affine<256x64, bits = 2, group = 256, zero = scaled>
// CHECK-SAME: !qt.affine<256x64, bits = 8, group = 64>
func.func @affine(%a: !qt.affine<256x64, bits = 4, group = 128, zero = int, g_idx = false>,
                  %b: !qt.affine<256x64, bits = 3, group = 32, zero = float, g_idx = true>,
                  %c: !qt.affine<256x64, bits = 2, group = 256, zero = scaled>,
                  %d: !qt.affine<256x64, bits = 8, group = 64>) {
  return
}

// CHECK-LABEL: func.func @nf4
// CHECK-SAME: !qt.nf4<64x64>
// CHECK-SAME: !qt.nf4<4x32, block = 32>
func.func @nf4(%a: !qt.nf4<64x64, block = 64>, %b: !qt.nf4<4x32, block = 32>) {
  return
}

// CHECK-LABEL: func.func @ternary
// CHECK-SAME: !qt.ternary<256x16>
func.func @ternary(%a: !qt.ternary<256x16>) {
  return
}

// CHECK-LABEL: func.func @gsq_config
// CHECK: gsq <group = 64>
// CHECK: gsq <bits = 6, exp_bits = 5, exp_rule = ceil, rounding = rna, grad_rounding = rne>
func.func @gsq_config(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>, %a: tensor<64x64xf32>, %b: tensor<64x64xf32>) {
  %0 = qt.lora_linear %x, %w, %a, %b alpha 1.0 gsq <bits = 8, group = 64, grad_rounding = stochastic> : tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %1 = qt.lora_linear %x, %w, %a, %b alpha 1.0 gsq <bits = 6, exp_bits = 5, exp_rule = ceil, rounding = rna, grad_rounding = rne> : tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  return
}
