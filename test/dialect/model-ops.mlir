// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// CHECK-LABEL: func.func @model_ops
func.func @model_ops(%x: tensor<8x64xf32>, %nw: tensor<64xf32>, %q: tensor<32x256xf32>,
                     %kv: tensor<32x64xf32>, %pos: tensor<32xi64>, %g: tensor<8x128xf32>,
                     %table: tensor<1000x64xf32>, %ids: tensor<8xi64>, %ids2: tensor<2x4xi32>,
                     %logits: tensor<8x1000xf32>) {
  // CHECK: qt.rmsnorm %{{.*}}, %{{.*}} : tensor<8x64xf32>, tensor<64xf32>
  %0 = qt.rmsnorm %x, %nw eps 1.0e-6 : tensor<8x64xf32>, tensor<64xf32>
  // CHECK: qt.rmsnorm %{{.*}}, %{{.*}} eps 9.99999974E-6 : tensor<8x64xf32>, tensor<64xf32>
  %1 = qt.rmsnorm %x, %nw eps 1.0e-5 : tensor<8x64xf32>, tensor<64xf32>
  // CHECK: qt.rope %{{.*}} heads 8 seq_len 16 : tensor<32x256xf32>
  %2 = qt.rope %q heads 8 seq_len 16 : tensor<32x256xf32>
  // CHECK: qt.rope %{{.*}} positions %{{.*}} heads 8 theta 1.000000e+06 : tensor<32x256xf32>, tensor<32xi64>
  %3 = qt.rope %q positions %pos heads 8 theta 1.0e6 : tensor<32x256xf32>, tensor<32xi64>
  // CHECK: qt.rope %{{.*}} heads 2 seq_len 16 theta 5.000000e+05 scaling <factor = 3.200000e+01, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 8192> : tensor<32x64xf32>
  %r = qt.rope %kv heads 2 seq_len 16 theta 5.0e5 scaling <factor = 32.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192> : tensor<32x64xf32>
  // CHECK: qt.attention %{{.*}}, %{{.*}}, %{{.*}} heads 8 kv_heads 2 seq_len 16 : tensor<32x256xf32>, tensor<32x64xf32>, tensor<32x64xf32>
  %4 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 16 : tensor<32x256xf32>, tensor<32x64xf32>, tensor<32x64xf32>
  // CHECK: qt.attention %{{.*}}, %{{.*}}, %{{.*}} heads 8 kv_heads 2 seq_len 32 scale 1.250000e-01 : tensor<32x256xf32>
  %5 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 32 scale 0.125 : tensor<32x256xf32>, tensor<32x64xf32>, tensor<32x64xf32>
  // CHECK: qt.bias_add %{{.*}}, %{{.*}} : tensor<8x64xf32>, tensor<64xf32>
  %b = qt.bias_add %x, %nw : tensor<8x64xf32>, tensor<64xf32>
  // CHECK: qt.swiglu %{{.*}}, %{{.*}} : tensor<8x128xf32>
  %6 = qt.swiglu %g, %g : tensor<8x128xf32>
  // CHECK: qt.embedding %{{.*}}, %{{.*}} : tensor<1000x64xf32>, tensor<8xi64> -> tensor<8x64xf32>
  %7 = qt.embedding %table, %ids : tensor<1000x64xf32>, tensor<8xi64> -> tensor<8x64xf32>
  // CHECK: qt.embedding %{{.*}}, %{{.*}} : tensor<1000x64xf32>, tensor<2x4xi32> -> tensor<2x4x64xf32>
  %8 = qt.embedding %table, %ids2 : tensor<1000x64xf32>, tensor<2x4xi32> -> tensor<2x4x64xf32>
  // CHECK: qt.cross_entropy %{{.*}}, %{{.*}} : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
  %9 = qt.cross_entropy %logits, %ids : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
  // CHECK: qt.cross_entropy %{{.*}}, %{{.*}} ignore_index 0 : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
  %10 = qt.cross_entropy %logits, %ids ignore_index 0 : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
  return
}

// The gradient ops the model ops' VJPs build.
// CHECK-LABEL: func.func @model_grads
func.func @model_grads(%x: tensor<8x64xf32>, %nw: tensor<64xf32>, %q: tensor<32x256xf32>,
                       %kv: tensor<32x64xf32>, %g: tensor<8x128xf32>, %ids: tensor<8xi64>,
                       %logits: tensor<8x1000xf32>, %dloss: tensor<f32>) {
  // CHECK: qt.rmsnorm_grad %{{.*}}, %{{.*}}, %{{.*}} eps 9.99999974E-6 : tensor<8x64xf32>, tensor<64xf32>
  %0:2 = qt.rmsnorm_grad %x, %nw, %x eps 1.0e-5 : tensor<8x64xf32>, tensor<64xf32>
  // CHECK: qt.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} heads 8 kv_heads 2 seq_len 16 : tensor<32x256xf32>, tensor<32x64xf32>
  %1:3 = qt.attention_grad %q, %kv, %kv, %q heads 8 kv_heads 2 seq_len 16 : tensor<32x256xf32>, tensor<32x64xf32>
  // CHECK: qt.rope %{{.*}} heads 2 seq_len 16 inverse : tensor<32x64xf32>
  %2 = qt.rope %kv heads 2 seq_len 16 inverse : tensor<32x64xf32>
  // CHECK: qt.swiglu_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x128xf32>
  %3:2 = qt.swiglu_grad %g, %g, %g : tensor<8x128xf32>
  // CHECK: qt.embedding_grad %{{.*}}, %{{.*}} : tensor<8xi64>, tensor<8x64xf32> -> tensor<1000x64xf32>
  %4 = qt.embedding_grad %ids, %x : tensor<8xi64>, tensor<8x64xf32> -> tensor<1000x64xf32>
  // CHECK: qt.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x1000xf32>, tensor<8xi64>, tensor<f32>
  %5 = qt.cross_entropy_grad %logits, %ids, %dloss : tensor<8x1000xf32>, tensor<8xi64>, tensor<f32>
  // CHECK: qt.row_sum %{{.*}} : tensor<8x64xf32> -> tensor<64xf32>
  %6 = qt.row_sum %x : tensor<8x64xf32> -> tensor<64xf32>
  return
}
