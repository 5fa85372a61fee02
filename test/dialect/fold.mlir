// RUN: qtc-opt %s -canonicalize -split-input-file | FileCheck %s

// quantize(dequantize(q)) into the identical GSE format is q itself.
// CHECK-LABEL: func.func @gse_round_trip_folds
// CHECK-SAME: (%[[Q:.*]]: !qt.gse
// CHECK-NEXT: return %[[Q]]
func.func @gse_round_trip_folds(%q: !qt.gse<8x64, axis = 1>) -> !qt.gse<8x64, axis = 1> {
  %x = qt.dequantize %q : !qt.gse<8x64, axis = 1> -> tensor<8x64xf32>
  %r = qt.quantize %x : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1>
  return %r : !qt.gse<8x64, axis = 1>
}

// -----

// CHECK-LABEL: func.func @ternary_round_trip_folds
// CHECK-NEXT: return %arg0
func.func @ternary_round_trip_folds(%q: !qt.ternary<16x4>) -> !qt.ternary<16x4> {
  %x = qt.dequantize %q : !qt.ternary<16x4> -> tensor<16x4xf32>
  %r = qt.quantize %x : tensor<16x4xf32> -> !qt.ternary<16x4>
  return %r : !qt.ternary<16x4>
}

// -----

// dequantize(quantize(x)) is lossy: it must stay.
// CHECK-LABEL: func.func @lossy_cast_stays
// CHECK: %[[Q:.*]] = qt.quantize %arg0
// CHECK: %[[X:.*]] = qt.dequantize %[[Q]]
// CHECK: return %[[X]]
func.func @lossy_cast_stays(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %q = qt.quantize %x : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1>
  %r = qt.dequantize %q : !qt.gse<8x64, axis = 1> -> tensor<8x64xf32>
  return %r : tensor<8x64xf32>
}

// -----

// Another format (here another axis) re-rounds: no fold.
// CHECK-LABEL: func.func @other_format_stays
// CHECK: qt.dequantize
// CHECK: qt.quantize
func.func @other_format_stays(%q: !qt.gse<64x64, axis = 1>) -> !qt.gse<64x64, axis = 0> {
  %x = qt.dequantize %q : !qt.gse<64x64, axis = 1> -> tensor<64x64xf32>
  %r = qt.quantize %x : tensor<64x64xf32> -> !qt.gse<64x64, axis = 0>
  return %r : !qt.gse<64x64, axis = 0>
}

// -----

// A checkpoint's NF4 scales need not be the ones rounding picks: no fold.
// CHECK-LABEL: func.func @nf4_stays
// CHECK: qt.dequantize
// CHECK: qt.quantize
func.func @nf4_stays(%q: !qt.nf4<64x64>) -> !qt.nf4<64x64> {
  %x = qt.dequantize %q : !qt.nf4<64x64> -> tensor<64x64xf32>
  %r = qt.quantize %x : tensor<64x64xf32> -> !qt.nf4<64x64>
  return %r : !qt.nf4<64x64>
}

// -----

// Likewise GPTQ scales and zeros.
// CHECK-LABEL: func.func @affine_stays
// CHECK: qt.dequantize
// CHECK: qt.quantize
func.func @affine_stays(%q: !qt.affine<256x64, bits = 4, group = 128>) -> !qt.affine<256x64, bits = 4, group = 128> {
  %x = qt.dequantize %q : !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  %r = qt.quantize %x : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>
  return %r : !qt.affine<256x64, bits = 4, group = 128>
}
