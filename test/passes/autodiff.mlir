// RUN: qtc-opt %s --split-input-file --qt-autodiff | FileCheck %s

// The gradient of each operand of a matmul in all four layouts:
// d op(A) = dC op(B)^T, d op(B) = op(A)^T dC, transposed back where the
// operand is read transposed. The result gradient is a new argument; the
// gradients come back after the results, tagged with their argument.

// CHECK-LABEL: func.func @matmul_nn
// CHECK-SAME:    (%[[A:[^:]*]]: tensor<4x8xf32> {qt.trainable}, %[[B:[^:]*]]: tensor<8x16xf32> {qt.trainable}, %[[DC:[^:]*]]: tensor<4x16xf32> {qt.grad_of_result = 0 : i64, qt.name = "dy"})
// CHECK-SAME:    -> (tensor<4x16xf32>, tensor<4x8xf32> {qt.grad_of = 0 : i64}, tensor<8x16xf32> {qt.grad_of = 1 : i64})
// CHECK:         %[[C:.*]] = qt.matmul %[[A]], %[[B]] :
// CHECK:         %[[DA:.*]] = qt.matmul %[[DC]], %[[B]] transpose_b : tensor<4x16xf32>, tensor<8x16xf32> -> tensor<4x8xf32>
// CHECK:         %[[DB:.*]] = qt.matmul %[[A]], %[[DC]] transpose_a : tensor<4x8xf32>, tensor<4x16xf32> -> tensor<8x16xf32>
// CHECK:         return %[[C]], %[[DA]], %[[DB]]
func.func @matmul_nn(%a: tensor<4x8xf32> {qt.trainable}, %b: tensor<8x16xf32> {qt.trainable}) -> tensor<4x16xf32> {
  %c = qt.matmul %a, %b : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_tn
// CHECK-SAME:    (%[[A:[^:]*]]: tensor<8x4xf32> {qt.trainable}, %[[B:[^:]*]]: tensor<8x16xf32> {qt.trainable}, %[[DC:[^:]*]]: tensor<4x16xf32>
// CHECK:         qt.matmul %[[B]], %[[DC]] transpose_b : tensor<8x16xf32>, tensor<4x16xf32> -> tensor<8x4xf32>
// CHECK:         qt.matmul %[[A]], %[[DC]] : tensor<8x4xf32>, tensor<4x16xf32> -> tensor<8x16xf32>
func.func @matmul_tn(%a: tensor<8x4xf32> {qt.trainable}, %b: tensor<8x16xf32> {qt.trainable}) -> tensor<4x16xf32> {
  %c = qt.matmul %a, %b transpose_a : tensor<8x4xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_nt
// CHECK-SAME:    (%[[A:[^:]*]]: tensor<4x8xf32> {qt.trainable}, %[[B:[^:]*]]: tensor<16x8xf32> {qt.trainable}, %[[DC:[^:]*]]: tensor<4x16xf32>
// CHECK:         qt.matmul %[[DC]], %[[B]] : tensor<4x16xf32>, tensor<16x8xf32> -> tensor<4x8xf32>
// CHECK:         qt.matmul %[[DC]], %[[A]] transpose_a : tensor<4x16xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
func.func @matmul_nt(%a: tensor<4x8xf32> {qt.trainable}, %b: tensor<16x8xf32> {qt.trainable}) -> tensor<4x16xf32> {
  %c = qt.matmul %a, %b transpose_b : tensor<4x8xf32>, tensor<16x8xf32> -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_tt
// CHECK-SAME:    (%[[A:[^:]*]]: tensor<8x4xf32> {qt.trainable}, %[[B:[^:]*]]: tensor<16x8xf32> {qt.trainable}, %[[DC:[^:]*]]: tensor<4x16xf32>
// CHECK:         qt.matmul %[[B]], %[[DC]] transpose_a transpose_b : tensor<16x8xf32>, tensor<4x16xf32> -> tensor<8x4xf32>
// CHECK:         qt.matmul %[[DC]], %[[A]] transpose_a transpose_b : tensor<4x16xf32>, tensor<8x4xf32> -> tensor<16x8xf32>
func.func @matmul_tt(%a: tensor<8x4xf32> {qt.trainable}, %b: tensor<16x8xf32> {qt.trainable}) -> tensor<4x16xf32> {
  %c = qt.matmul %a, %b transpose_a transpose_b : tensor<8x4xf32>, tensor<16x8xf32> -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

// -----

// A value used twice sums its gradients; frozen arguments and values that
// depend on no differentiated argument get none; f32 inputs that are not
// frozen (activations) do. y = (x w) * (x w) - x w  with w frozen.
// CHECK-LABEL: func.func @shared_use
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<4x8xf32>, %[[W:[^:]*]]: tensor<8x8xf32> {qt.frozen}, %[[S:[^:]*]]: tensor<4x8xf32> {qt.trainable}, %[[DY:[^:]*]]: tensor<4x8xf32> {qt.grad_of_result = 0 : i64, qt.name = "dy"})
// CHECK-SAME:    -> (tensor<4x8xf32>, tensor<4x8xf32> {qt.grad_of = 0 : i64}, tensor<4x8xf32> {qt.grad_of = 2 : i64})
// CHECK:         %[[H:.*]] = qt.matmul %[[X]], %[[W]]
// CHECK:         %[[HH:.*]] = arith.mulf %[[H]], %[[H]]
// CHECK:         %[[D:.*]] = arith.subf %[[HH]], %[[H]]
// CHECK:         %[[Y:.*]] = arith.addf %[[D]], %[[S]]
// CHECK:         %[[NEG:.*]] = arith.negf %[[DY]]
// CHECK:         %[[G1:.*]] = arith.mulf %[[DY]], %[[H]]
// CHECK:         %[[G2:.*]] = arith.mulf %[[DY]], %[[H]]
// CHECK:         %[[S1:.*]] = arith.addf %[[NEG]], %[[G1]]
// CHECK:         %[[DH:.*]] = arith.addf %[[S1]], %[[G2]]
// CHECK:         %[[DX:.*]] = qt.matmul %[[DH]], %[[W]] transpose_b
// CHECK-NOT:     qt.matmul
// CHECK:         return %[[Y]], %[[DX]], %[[DY]]
func.func @shared_use(%x: tensor<4x8xf32>, %w: tensor<8x8xf32> {qt.frozen},
                      %s: tensor<4x8xf32> {qt.trainable}) -> tensor<4x8xf32> {
  %h = qt.matmul %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %hh = arith.mulf %h, %h : tensor<4x8xf32>
  %d = arith.subf %hh, %h : tensor<4x8xf32>
  %y = arith.addf %d, %s : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// An unused trainable argument gets a zero gradient; no seed argument is
// added when nothing rounds stochastically.
// CHECK-LABEL: func.func @unused
// CHECK-SAME:    (%{{[^:]*}}: tensor<4x8xf32> {qt.frozen}, %{{[^:]*}}: tensor<2x2xf32> {qt.trainable}, %{{[^:]*}}: tensor<4x8xf32> {qt.grad_of_result = 0 : i64, qt.name = "dy"}) ->
// CHECK:         %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK:         return %{{.*}}, %[[Z]]
func.func @unused(%x: tensor<4x8xf32> {qt.frozen}, %p: tensor<2x2xf32> {qt.trainable}) -> tensor<4x8xf32> {
  %y = arith.addf %x, %x : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Stochastic casts in GSQ's backward draw seed, seed + 1, ... from one new
// argument, in a fixed order.
// CHECK-LABEL: func.func @gsq
// CHECK-SAME:    %[[SEED:[^:]*]]: i64 {qt.name = "seed", qt.seed}
// CHECK:         qt.quantize %{{.*}} seed %[[SEED]] : tensor<32x64xf32> -> !qt.gse<32x64, axis = 0, rounding = stochastic>
// CHECK:         %[[S1:.*]] = arith.addi %[[SEED]], %{{.*}} : i64
// CHECK:         qt.quantize %{{.*}} seed %[[S1]] : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1, rounding = stochastic>
// CHECK-COUNT-2: qt.quantize %{{.*}} seed %{{.*}} : tensor<32x32xf32>
func.func @gsq(%x: tensor<32x64xf32>, %w0: !qt.nf4<64x64>,
               %a: tensor<64x32xf32> {qt.trainable}, %b: tensor<32x64xf32> {qt.trainable}) -> tensor<32x64xf32> {
  %y = qt.lora_linear %x, %w0, %a, %b alpha 64.0 gsq <group = 32>
      : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

// -----

// A decoder block's model ops: each VJP is one gradient op (rope rotates
// back); frozen weights and integer ids take none; reshapes reshape back.
// CHECK-LABEL: func.func @block
// CHECK:         %[[DL:.*]] = qt.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x32xf32>, tensor<8xi64>, tensor<f32>
// CHECK:         qt.rmsnorm_grad
// CHECK:         qt.swiglu_grad
// CHECK:         %[[DQ:.*]], %[[DK:.*]], %{{.*}} = qt.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} heads 4 kv_heads 2 seq_len 4 : tensor<8x32xf32>, tensor<8x16xf32>
// CHECK:         qt.rope %[[DK]] heads 2 seq_len 4 inverse : tensor<8x16xf32>
// CHECK:         qt.matmul %{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
// CHECK:         qt.rope %[[DQ]] heads 4 seq_len 4 inverse : tensor<8x32xf32>
// CHECK:         %[[DB:.*]] = qt.row_sum %{{.*}} : tensor<8x32xf32> -> tensor<32xf32>
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [2, 4, 32] : tensor<8x32xf32> into tensor<2x4x32xf32>
// CHECK:         %[[DX:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x4x32xf32> into tensor<8x32xf32>
// CHECK:         %[[DT:.*]] = qt.embedding_grad %{{.*}}, %[[DX]] : tensor<8xi64>, tensor<8x32xf32> -> tensor<50x32xf32>
// CHECK:         return {{.*}}, %[[DT]], %[[DB]] :
func.func @block(%ids: tensor<8xi64>, %table: tensor<50x32xf32> {qt.trainable},
                 %bias: tensor<32xf32> {qt.trainable}, %nw: tensor<32xf32> {qt.frozen},
                 %wk: tensor<16x32xf32> {qt.frozen}, %labels: tensor<8xi64>) -> tensor<f32> {
  %e = qt.embedding %table, %ids : tensor<50x32xf32>, tensor<8xi64> -> tensor<8x32xf32>
  %e3 = tensor.expand_shape %e [[0, 1], [2]] output_shape [2, 4, 32] : tensor<8x32xf32> into tensor<2x4x32xf32>
  %x = tensor.collapse_shape %e3 [[0, 1], [2]] : tensor<2x4x32xf32> into tensor<8x32xf32>
  %xb = qt.bias_add %x, %bias : tensor<8x32xf32>, tensor<32xf32>
  %q = qt.rope %xb heads 4 seq_len 4 : tensor<8x32xf32>
  %k0 = qt.linear %xb, %wk weight_layout out_in : tensor<8x32xf32>, tensor<16x32xf32> -> tensor<8x16xf32>
  %k = qt.rope %k0 heads 2 seq_len 4 : tensor<8x16xf32>
  %a = qt.attention %q, %k, %k0 heads 4 kv_heads 2 seq_len 4 : tensor<8x32xf32>, tensor<8x16xf32>, tensor<8x16xf32>
  %m = qt.swiglu %a, %xb : tensor<8x32xf32>
  %n = qt.rmsnorm %m, %nw : tensor<8x32xf32>, tensor<32xf32>
  %loss = qt.cross_entropy %n, %labels : tensor<8x32xf32>, tensor<8xi64> -> tensor<f32>
  return %loss : tensor<f32>
}
