// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// The expansion of qt.lota_linear, written out.
// CHECK-LABEL: func.func @lota_primitives
func.func @lota_primitives(%w: !qt.affine<256x64, bits = 4, group = 128>,
                           %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>,
                           %gw: tensor<256x64xf32>) {
  // CHECK: %[[DW:.*]] = qt.ternary_product %{{.*}}, %{{.*}} : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
  %dw = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
  // CHECK: qt.ternary_product %{{.*}}, %{{.*}} : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi8>
  %dw8 = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi8>
  // CHECK: %[[WHAT:.*]] = qt.masked_threshold %[[DW]], %{{.*}} omega 1.200000e+01 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  %what = qt.masked_threshold %dw, %w omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  // CHECK: %[[U:.*]] = qt.lota_offset %[[DW]], %[[WHAT]], %{{.*}} omega 1.200000e+01 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  %u = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  // CHECK: qt.lota_merge %{{.*}}, %[[WHAT]], %[[U]] : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  %m = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  // CHECK: qt.lota_merge {{.*}} -> !qt.affine<256x64, bits = 4, group = 128, zero = scaled>
  %ms = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = scaled>
  // CHECK: qt.lota_delta_grad %{{.*}}, %{{.*}} omega 1.200000e+01 offset_scale one : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  %ddw = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale one : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  return
}
