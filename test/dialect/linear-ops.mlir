// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %wn: !qt.nf4<64x32>,
                  %wa: !qt.affine<64x32, bits = 4, group = 32>, %xd: tensor<?x64xf32>) {
  // CHECK: qt.linear %{{.*}}, %{{.*}} : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x32xf32>
  %0 = qt.linear %x, %w : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x32xf32>
  // CHECK: qt.linear %{{.*}}, %{{.*}} : tensor<8x64xf32>, !qt.nf4<64x32> -> tensor<8x32xf32>
  %1 = qt.linear %x, %wn : tensor<8x64xf32>, !qt.nf4<64x32> -> tensor<8x32xf32>
  // CHECK: qt.linear %{{.*}}, %{{.*}} : tensor<?x64xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<?x32xf32>
  %2 = qt.linear %xd, %wa : tensor<?x64xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<?x32xf32>
  return
}

// Hugging Face's [out, in] weights, stored bf16 or f16.
// CHECK-LABEL: func.func @linear_out_in
func.func @linear_out_in(%x: tensor<8x64xf32>, %w: tensor<32x64xbf16>, %h: tensor<32x64xf16>) {
  // CHECK: qt.linear %{{.*}}, %{{.*}} weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16> -> tensor<8x32xf32>
  %0 = qt.linear %x, %w weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16> -> tensor<8x32xf32>
  // CHECK: qt.linear %{{.*}}, %{{.*}} weight_layout out_in : tensor<8x64xf32>, tensor<32x64xf16> -> tensor<8x32xf32>
  %1 = qt.linear %x, %h weight_layout out_in : tensor<8x64xf32>, tensor<32x64xf16> -> tensor<8x32xf32>
  return
}

// CHECK-LABEL: func.func @lora_out_in
func.func @lora_out_in(%x: tensor<8x64xf32>, %w: tensor<32x64xbf16>, %a: tensor<64x4xf32>, %b: tensor<4x32xf32>) {
  // CHECK: qt.lora_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} alpha 8.000000e+00 weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16>, tensor<64x4xf32>, tensor<4x32xf32> -> tensor<8x32xf32>
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16>, tensor<64x4xf32>, tensor<4x32xf32> -> tensor<8x32xf32>
  return
}

// CHECK-LABEL: func.func @lora_linear
func.func @lora_linear(%x: tensor<32x64xf32>, %w: tensor<64x64xf32>, %wn: !qt.nf4<64x64>,
                       %a: tensor<64x32xf32>, %b: tensor<32x64xf32>) {
  // f32 LoRA baseline.
  // CHECK: qt.lora_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} alpha 1.600000e+01 : tensor<32x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  %0 = qt.lora_linear %x, %w, %a, %b alpha 16.0 : tensor<32x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  // GSQ-Tuning on an NF4 base.
  // CHECK: qt.lora_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} alpha 1.600000e+01 gsq <> : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  %1 = qt.lora_linear %x, %wn, %a, %b alpha 16.0 gsq <> : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  return
}

// CHECK-LABEL: func.func @lota_linear
func.func @lota_linear(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                       %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) {
  // CHECK: qt.lota_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x256xf32>
  %0 = qt.lota_linear %x, %w, %a, %b : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  // CHECK: qt.lota_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} omega 1.000000e+01 offset_scale one : tensor<8x256xf32>
  %1 = qt.lota_linear %x, %w, %a, %b omega 10.0 offset_scale one : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  // The default offset scale is elided.
  // CHECK: qt.lota_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x256xf32>
  %2 = qt.lota_linear %x, %w, %a, %b offset_scale inv_omega : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return
}

// CHECK-LABEL: func.func @qeft_linear
func.func @qeft_linear(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128>,
                       %wf: tensor<16x64xf16>) -> tensor<8x64xf32> {
  // CHECK: qt.qeft_linear %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16> -> tensor<8x64xf32>
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16> -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}
