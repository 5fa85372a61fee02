// RUN: qtc-opt %S/Inputs/composites.mlir --qt-expand | FileCheck %s
// RUN: qtc-opt %s --qt-expand | FileCheck %s --check-prefix=QEFT

// f32 LoRA: y = x w + s (x a) b, s = 16 / 8.
// CHECK-LABEL: func.func @lora
// CHECK-SAME:    (%[[X:[^:]*]]: {{[^,]*}}, %[[W:[^:]*]]: {{[^,]*}}, %[[A:[^:]*]]: {{[^,]*}}, %[[B:[^:]*]]: {{[^)]*}})
// CHECK-DAG:     %[[S:.*]] = arith.constant dense<2.000000e+00> : tensor<8x64xf32>
// CHECK-DAG:     %[[H:.*]] = qt.matmul %[[X]], %[[A]] : tensor<8x64xf32>, tensor<64x8xf32> -> tensor<8x8xf32>
// CHECK-DAG:     %[[Y0:.*]] = qt.matmul %[[X]], %[[W]] :
// CHECK:         %[[Y1:.*]] = qt.matmul %[[H]], %[[B]] :
// CHECK:         %[[Y1S:.*]] = arith.mulf %[[Y1]], %[[S]]
// CHECK:         %[[Y:.*]] = arith.addf %[[Y0]], %[[Y1S]]
// CHECK:         return %[[Y]]

// GSQ: every matmul operand cast along its reduction axis, the NF4 base
// re-cast on load.
// CHECK-LABEL: func.func @gsq
// CHECK:         %[[XQ:.*]] = qt.quantize %{{.*}} : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1>
// CHECK:         %[[AQ:.*]] = qt.quantize %{{.*}} : tensor<64x32xf32> -> !qt.gse<64x32, axis = 0>
// CHECK:         %[[WQ:.*]] = qt.requantize %{{.*}} : !qt.nf4<64x64> -> !qt.gse<64x64, axis = 0>
// CHECK:         %[[H:.*]] = qt.matmul %[[XQ]], %[[AQ]]
// CHECK:         %[[HQ:.*]] = qt.quantize %[[H]] : tensor<32x32xf32> -> !qt.gse<32x32, axis = 1>
// CHECK:         %[[BQ:.*]] = qt.quantize %{{.*}} : tensor<32x64xf32> -> !qt.gse<32x64, axis = 0>
// CHECK:         qt.matmul %[[XQ]], %[[WQ]]
// CHECK:         qt.matmul %[[HQ]], %[[BQ]]
// CHECK-NOT:     qt.lora_linear

// LoTA: the lossless merge, then one matmul with the merged weight.
// CHECK-LABEL: func.func @lota
// CHECK:         %[[DW:.*]] = qt.ternary_product
// CHECK:         %[[WH:.*]] = qt.masked_threshold %[[DW]], %{{.*}} omega 1.200000e+01
// CHECK:         %[[U:.*]] = qt.lota_offset %[[DW]], %[[WH]], %{{.*}} omega 1.200000e+01 offset_scale inv_omega
// CHECK:         %[[WE:.*]] = qt.lota_merge %{{.*}}, %[[WH]], %[[U]] : {{.*}} -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
// CHECK:         qt.matmul %{{.*}}, %[[WE]]
// CHECK-NOT:     qt.lota_linear

// QEFT's mixed matmul is one kernel: it stays.
// QEFT-LABEL: func.func @qeft
// QEFT:         qt.qeft_linear
func.func @qeft(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                %f: tensor<16x64xf16>) -> tensor<8x64xf32> {
  %y = qt.qeft_linear %x, %w, %f : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// A linear no method adapted (a frozen lm_head) is one matmul; HF's
// [out, in] weight is read transposed.
// QEFT-LABEL: func.func @frozen_linear
// QEFT-SAME:    (%[[X:[^:]*]]: {{[^,]*}}, %[[W:[^:]*]]: {{[^,]*}}, %[[V:[^:]*]]: {{[^)]*}})
// QEFT:         %[[Y:.*]] = qt.matmul %[[X]], %[[W]] : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x32xf32>
// QEFT:         %[[Z:.*]] = qt.matmul %[[X]], %[[V]] transpose_b : tensor<8x64xf32>, tensor<32x64xf32> -> tensor<8x32xf32>
// QEFT-NOT:     qt.linear
func.func @frozen_linear(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>,
                         %v: tensor<32x64xf32>) -> (tensor<8x32xf32>, tensor<8x32xf32>) {
  %y = qt.linear %x, %w : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x32xf32>
  %z = qt.linear %x, %v weight_layout out_in : tensor<8x64xf32>, tensor<32x64xf32> -> tensor<8x32xf32>
  return %y, %z : tensor<8x32xf32>, tensor<8x32xf32>
}

// GSQ over a bf16 [out, in] base: widened (exact), cast along in_features
// (axis 1) for the forward, read transposed.
// QEFT-LABEL: func.func @gsq_hf_layout
// QEFT:         %[[W:.*]] = arith.extf %{{.*}} : tensor<32x64xbf16> to tensor<32x64xf32>
// QEFT:         %[[WQ:.*]] = qt.quantize %[[W]] : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1, group = 8>
// QEFT:         qt.matmul %{{.*}}, %[[WQ]] transpose_b : !qt.gse<8x64, axis = 1, group = 8>, !qt.gse<32x64, axis = 1, group = 8> -> tensor<8x32xf32>
func.func @gsq_hf_layout(%x: tensor<8x64xf32>, %w: tensor<32x64xbf16>, %a: tensor<64x8xf32>,
                         %b: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %y = qt.lora_linear %x, %w, %a, %b alpha 16.0 gsq <group = 8> weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16>, tensor<64x8xf32>, tensor<8x32xf32> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
