// RUN: qtc-opt %s --split-input-file --qt-fuse | FileCheck %s

// LoTA: the merge chain is one kernel from the codes and adapters to the
// merged weight; Gw = x^T dY feeds dDW inside one kernel; the rest are
// kernels of their own.
// CHECK-LABEL: func.func @lota
// CHECK:         %[[W:.*]] = qt.kernel "lota_merge" ins(%{{.*}}, %{{.*}}, %{{.*}} : !qt.ternary<256x16>, !qt.ternary<16x64>, !qt.affine<256x64, bits = 4, group = 128>) -> !qt.affine<256x64, bits = 4, group = 128, zero = float> {
// CHECK:           qt.ternary_product
// CHECK:           qt.masked_threshold
// CHECK:           qt.lota_offset
// CHECK:           %[[M:.*]] = qt.lota_merge
// CHECK:           qt.yield %[[M]]
// CHECK:         qt.kernel "matmul" ins(%{{.*}}, %[[W]] :
// CHECK:         qt.kernel "lota_delta_grad" ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x256xf32>, tensor<8x64xf32>, !qt.affine<256x64, bits = 4, group = 128>) -> tensor<256x64xf32> {
// CHECK:           qt.matmul {{.*}} transpose_a
// CHECK:           qt.lota_delta_grad
// CHECK-NOT:     qt.ternary_product
func.func @lota(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>, %dy: tensor<8x64xf32>)
    -> (tensor<8x64xf32>, tensor<256x64xf32>) {
  %dw = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
  %what = qt.masked_threshold %dw, %w omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  %u = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  %weff = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  %y = qt.matmul %x, %weff : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<8x64xf32>
  %gw = qt.matmul %x, %dy transpose_a : tensor<8x256xf32>, tensor<8x64xf32> -> tensor<256x64xf32>
  %ddw = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale inv_omega : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  return %y, %ddw : tensor<8x64xf32>, tensor<256x64xf32>
}

// -----

// A producer used outside the group stays its own kernel: here the
// threshold's output is also returned.
// CHECK-LABEL: func.func @shared_threshold
// CHECK:         qt.kernel "ternary_product"
// CHECK:         qt.kernel "masked_threshold"
// CHECK:         qt.kernel "lota_offset"
// CHECK:         qt.kernel "lota_merge"
func.func @shared_threshold(%w: !qt.affine<256x64, bits = 4, group = 128>,
                            %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>)
    -> (!qt.affine<256x64, bits = 4, group = 128, zero = float>, tensor<256x64xi8>) {
  %dw = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
  %what = qt.masked_threshold %dw, %w omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  %u = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  %weff = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  return %weff, %what : !qt.affine<256x64, bits = 4, group = 128, zero = float>, tensor<256x64xi8>
}

// -----

// QEFT's dX: the dense transposed matmul plus the padded weak-row product
// is one kernel; the weak slice of X is read in place by dWf's matmul.
// CHECK-LABEL: func.func @qeft
// CHECK:         qt.kernel "qeft_grad_input" ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x64xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16>) -> tensor<8x256xf32> {
// CHECK:           %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           tensor.pad
// CHECK:             tensor.yield %[[ZERO]] : f32
// CHECK:           arith.addf
// CHECK:         qt.kernel "slice_matmul" ins(%{{.*}}, %{{.*}} : tensor<8x256xf32>, tensor<8x64xf32>) -> tensor<16x64xf32> {
// CHECK:           tensor.extract_slice
// CHECK:           qt.matmul
// CHECK-NOT:     arith.constant
func.func @qeft(%x: tensor<8x256xf32>, %dy: tensor<8x64xf32>,
                %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<16x64xf16>)
    -> (tensor<8x256xf32>, tensor<16x64xf32>) {
  %dx_dense = qt.matmul %dy, %wq transpose_b : tensor<8x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<8x256xf32>
  %dx_weak = qt.matmul %dy, %wf transpose_b : tensor<8x64xf32>, tensor<16x64xf16> -> tensor<8x16xf32>
  %zero = arith.constant 0.0 : f32
  %dx_pad = tensor.pad %dx_weak low[0, 240] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<8x16xf32> to tensor<8x256xf32>
  %dx = arith.addf %dx_dense, %dx_pad : tensor<8x256xf32>
  %xw = tensor.extract_slice %x[0, 240] [8, 16] [1, 1] : tensor<8x256xf32> to tensor<8x16xf32>
  %dwf = qt.matmul %xw, %dy transpose_a : tensor<8x16xf32>, tensor<8x64xf32> -> tensor<16x64xf32>
  return %dx, %dwf : tensor<8x256xf32>, tensor<16x64xf32>
}

// -----

// QEFT with every input weak: nothing to pad, the weak product is added as
// it is, and the sum is still one kernel.
// CHECK-LABEL: func.func @qeft_all_weak
// CHECK:         qt.kernel "qeft_grad_input" ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x64xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xf16>) -> tensor<8x256xf32> {
// CHECK-NOT:       tensor.pad
// CHECK:           arith.addf
// CHECK-NOT:     qt.kernel "add"
func.func @qeft_all_weak(%dy: tensor<8x64xf32>,
                         %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<256x64xf16>)
    -> tensor<8x256xf32> {
  %dx_dense = qt.matmul %dy, %wq transpose_b : tensor<8x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<8x256xf32>
  %dx_weak = qt.matmul %dy, %wf transpose_b : tensor<8x64xf32>, tensor<256x64xf16> -> tensor<8x256xf32>
  %dx = arith.addf %dx_dense, %dx_weak : tensor<8x256xf32>
  return %dx : tensor<8x256xf32>
}

// -----

// A product with a splat constant is a "scale" kernel holding its constant;
// scalar seed arithmetic stays outside kernels and feeds them.
// CHECK-LABEL: func.func @scale_and_seed
// CHECK:         %[[S:.*]] = arith.addi
// CHECK:         qt.kernel "scale" ins(%{{.*}} : tensor<4x32xf32>) -> tensor<4x32xf32> {
// CHECK:           arith.constant dense<2.000000e+00> : tensor<4x32xf32>
// CHECK:           arith.mulf
// CHECK:         qt.kernel "quantize" ins(%{{.*}}, %[[S]] : tensor<4x32xf32>, i64)
// CHECK:         qt.kernel "add"
func.func @scale_and_seed(%x: tensor<4x32xf32>, %seed: i64)
    -> (!qt.gse<4x32, axis = 1, rounding = stochastic>, tensor<4x32xf32>) {
  %c1 = arith.constant 1 : i64
  %s1 = arith.addi %seed, %c1 : i64
  %two = arith.constant dense<2.0> : tensor<4x32xf32>
  %y = arith.mulf %x, %two : tensor<4x32xf32>
  %q = qt.quantize %y seed %s1 : tensor<4x32xf32> -> !qt.gse<4x32, axis = 1, rounding = stochastic>
  %z = arith.addf %x, %y : tensor<4x32xf32>
  return %q, %z : !qt.gse<4x32, axis = 1, rounding = stochastic>, tensor<4x32xf32>
}

// -----

// The LoRA scale after a matmul that nothing else reads is the matmul
// kernel's epilogue; a matmul whose output is also used elsewhere keeps
// its own kernel and the product becomes a "scale" kernel.
// CHECK-LABEL: func.func @scale_epilogue
// CHECK:         %[[Y:.*]] = qt.kernel "matmul_scale" ins(%{{.*}}, %{{.*}} : !qt.gse<32x64, axis = 1>, !qt.gse<64x32, axis = 0>) -> tensor<32x32xf32> {
// CHECK:           %[[S:.*]] = arith.constant dense<2.000000e+00> : tensor<32x32xf32>
// CHECK:           %[[M:.*]] = qt.matmul
// CHECK:           %[[P:.*]] = arith.mulf %[[M]], %[[S]]
// CHECK:           qt.yield %[[P]]
// CHECK:         %[[H:.*]] = qt.kernel "matmul" ins
// CHECK:         qt.kernel "scale" ins(%[[H]] :
// CHECK:         return %[[Y]], %{{.*}}, %[[H]]
func.func @scale_epilogue(%a: !qt.gse<32x64, axis = 1>, %b: !qt.gse<64x32, axis = 0>,
                          %x: tensor<32x64xf32>, %w: tensor<64x32xf32>)
    -> (tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>) {
  %s = arith.constant dense<2.0> : tensor<32x32xf32>
  %c = qt.matmul %a, %b : !qt.gse<32x64, axis = 1>, !qt.gse<64x32, axis = 0> -> tensor<32x32xf32>
  %y = arith.mulf %c, %s : tensor<32x32xf32>
  %h = qt.matmul %x, %w : tensor<32x64xf32>, tensor<64x32xf32> -> tensor<32x32xf32>
  %z = arith.mulf %h, %s : tensor<32x32xf32>
  return %y, %z, %h : tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>
}

// -----

// LoRA's sums: the adapter's scaled product added to the base output, and
// an unscaled product added to dY W, are the f32 matmul's epilogue (either
// operand of the add); a product read by anything else, a GSE product and
// x + x are not.
// CHECK-LABEL: func.func @add_epilogue
// CHECK:         %[[BASE:.*]] = qt.kernel "matmul" ins(%arg0, %arg1 :
// CHECK:         %[[Y:.*]] = qt.kernel "matmul_scale_add" ins(%arg2, %arg3, %[[BASE]] : tensor<32x8xf32>, tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32> {
// CHECK:           %[[S:.*]] = arith.constant dense<2.000000e+00>
// CHECK:           %[[M:.*]] = qt.matmul
// CHECK:           %[[P:.*]] = arith.mulf %[[M]], %[[S]]
// CHECK:           %[[A:.*]] = arith.addf %{{.*}}, %[[P]]
// CHECK:           qt.yield %[[A]]
// CHECK:         %[[DX:.*]] = qt.kernel "matmul_add" ins(%arg2, %arg3, %[[BASE]] :
// CHECK:           qt.matmul
// CHECK-NEXT:      arith.addf
// CHECK:         %[[SHARED:.*]] = qt.kernel "matmul" ins(%arg2, %arg3 :
// CHECK:         qt.kernel "add" ins(%[[BASE]], %[[SHARED]] :
// CHECK:         qt.kernel "matmul_scale" ins(%arg4, %arg5 :
// CHECK:         qt.kernel "add"
// CHECK:         %[[TWICE:.*]] = qt.kernel "matmul" ins(%arg2, %arg3 :
// CHECK:         qt.kernel "add" ins(%[[TWICE]] :
func.func @add_epilogue(%x: tensor<32x16xf32>, %w: tensor<16x64xf32>,
                        %xa: tensor<32x8xf32>, %b: tensor<8x64xf32>,
                        %ga: !qt.gse<32x64, axis = 1>, %gb: !qt.gse<64x64, axis = 0>)
    -> (tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
        tensor<32x64xf32>, tensor<32x64xf32>) {
  %s = arith.constant dense<2.0> : tensor<32x64xf32>
  %base = qt.matmul %x, %w : tensor<32x16xf32>, tensor<16x64xf32> -> tensor<32x64xf32>
  %p = qt.matmul %xa, %b : tensor<32x8xf32>, tensor<8x64xf32> -> tensor<32x64xf32>
  %ps = arith.mulf %p, %s : tensor<32x64xf32>
  %y = arith.addf %base, %ps : tensor<32x64xf32>
  %q = qt.matmul %xa, %b : tensor<32x8xf32>, tensor<8x64xf32> -> tensor<32x64xf32>
  %dx = arith.addf %q, %base : tensor<32x64xf32>
  %shared = qt.matmul %xa, %b : tensor<32x8xf32>, tensor<8x64xf32> -> tensor<32x64xf32>
  %z = arith.addf %base, %shared : tensor<32x64xf32>
  %g = qt.matmul %ga, %gb : !qt.gse<32x64, axis = 1>, !qt.gse<64x64, axis = 0> -> tensor<32x64xf32>
  %gs = arith.mulf %g, %s : tensor<32x64xf32>
  %gy = arith.addf %base, %gs : tensor<32x64xf32>
  %twice = qt.matmul %xa, %b : tensor<32x8xf32>, tensor<8x64xf32> -> tensor<32x64xf32>
  %tt = arith.addf %twice, %twice : tensor<32x64xf32>
  return %y, %dx, %z, %shared, %gy, %tt : tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
      tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>
}

// -----

// Reshapes are views of their source's bytes, not kernels: they stay
// between the kernels that produce and read them.
// CHECK-LABEL: func.func @views
// CHECK:         %[[IDS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<2x4xi64> into tensor<8xi64>
// CHECK:         %[[H:.*]] = qt.kernel "embedding" ins(%{{.*}}, %[[IDS]] :
// CHECK:         %[[Y:.*]] = tensor.expand_shape %[[H]]
// CHECK-NOT:     qt.kernel
// CHECK:         return %[[Y]]
func.func @views(%table: tensor<10x8xf32>, %ids: tensor<2x4xi64>) -> tensor<2x4x8xf32> {
  %flat = tensor.collapse_shape %ids [[0, 1]] : tensor<2x4xi64> into tensor<8xi64>
  %h = qt.embedding %table, %flat : tensor<10x8xf32>, tensor<8xi64> -> tensor<8x8xf32>
  %y = tensor.expand_shape %h [[0, 1], [2]] output_shape [2, 4, 8] : tensor<8x8xf32> into tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// The lm_head and the loss: cross-entropy and dh = dlogits W recompute the
// logits in one kernel (head_loss_and_grad: the loss and dh share its
// log-sum-exp pass), so that neither the [T, V] logits nor dlogits is a
// kernel result.
// CHECK-LABEL: func.func @head_loss
// CHECK:         %[[K:.*]]:2 = qt.kernel "head_loss_and_grad" ins(%arg0, %arg1, %arg2, %arg3 : tensor<4x8xf32>, tensor<10x8xbf16>, tensor<4xi64>, tensor<f32>) -> tensor<f32>, tensor<4x8xf32> {
// CHECK-NEXT:    ^bb0(
// CHECK-NEXT:      qt.matmul %{{.*}} transpose_b
// CHECK-NEXT:      qt.cross_entropy
// CHECK-NEXT:      qt.cross_entropy_grad
// CHECK-NEXT:      qt.matmul
// CHECK:         return %[[K]]#0, %[[K]]#1
func.func @head_loss(%h: tensor<4x8xf32>, %w: tensor<10x8xbf16>, %labels: tensor<4xi64>,
                     %dloss: tensor<f32>) -> (tensor<f32>, tensor<4x8xf32>) {
  %logits = qt.matmul %h, %w transpose_b : tensor<4x8xf32>, tensor<10x8xbf16> -> tensor<4x10xf32>
  %loss = qt.cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4xi64> -> tensor<f32>
  %dlogits = qt.cross_entropy_grad %logits, %labels, %dloss : tensor<4x10xf32>, tensor<4xi64>, tensor<f32>
  %dh = qt.matmul %dlogits, %w : tensor<4x10xf32>, tensor<10x8xbf16> -> tensor<4x8xf32>
  return %loss, %dh : tensor<f32>, tensor<4x8xf32>
}

// -----

// The loss on other labels than the gradient's, or read before dh: the two
// kernels of their own, each recomputing the logits.
// CHECK-LABEL: func.func @head_loss_apart
// CHECK:         qt.kernel "head_loss" ins(%arg0, %arg1, %arg4 :
// CHECK:         qt.kernel "head_loss_grad" ins(%arg0, %arg1, %arg2, %arg3 :
// CHECK-LABEL: func.func @head_loss_read_first
// CHECK:         %[[L:.*]] = qt.kernel "head_loss"
// CHECK:         qt.kernel "scale" ins(%[[L]] :
// CHECK:         qt.kernel "head_loss_grad"
func.func @head_loss_apart(%h: tensor<4x8xf32>, %w: tensor<10x8xf32>, %labels: tensor<4xi64>,
                           %dloss: tensor<f32>, %other: tensor<4xi64>) -> (tensor<f32>, tensor<4x8xf32>) {
  %logits = qt.matmul %h, %w transpose_b : tensor<4x8xf32>, tensor<10x8xf32> -> tensor<4x10xf32>
  %loss = qt.cross_entropy %logits, %other : tensor<4x10xf32>, tensor<4xi64> -> tensor<f32>
  %dlogits = qt.cross_entropy_grad %logits, %labels, %dloss : tensor<4x10xf32>, tensor<4xi64>, tensor<f32>
  %dh = qt.matmul %dlogits, %w : tensor<4x10xf32>, tensor<10x8xf32> -> tensor<4x8xf32>
  return %loss, %dh : tensor<f32>, tensor<4x8xf32>
}
func.func @head_loss_read_first(%h: tensor<4x8xf32>, %w: tensor<10x8xf32>, %labels: tensor<4xi64>)
    -> (tensor<f32>, tensor<4x8xf32>) {
  %two = arith.constant dense<2.0> : tensor<f32>
  %logits = qt.matmul %h, %w transpose_b : tensor<4x8xf32>, tensor<10x8xf32> -> tensor<4x10xf32>
  %loss = qt.cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4xi64> -> tensor<f32>
  %dloss = arith.mulf %loss, %two : tensor<f32>
  %dlogits = qt.cross_entropy_grad %logits, %labels, %dloss : tensor<4x10xf32>, tensor<4xi64>, tensor<f32>
  %dh = qt.matmul %dlogits, %w : tensor<4x10xf32>, tensor<10x8xf32> -> tensor<4x8xf32>
  return %loss, %dh : tensor<f32>, tensor<4x8xf32>
}

// -----

// Logits returned, or dlogits read again (a trained head's dW): the logits
// are a kernel result and nothing recomputes them.
// CHECK-LABEL: func.func @head_loss_not_fused
// CHECK:         qt.kernel "matmul"
// CHECK:         qt.kernel "cross_entropy"
// CHECK:         qt.kernel "cross_entropy_grad"
// CHECK:         qt.kernel "matmul"
// CHECK:         qt.kernel "matmul"
// CHECK-NOT:     head_loss
func.func @head_loss_not_fused(%h: tensor<4x8xf32>, %w: tensor<10x8xf32>, %labels: tensor<4xi64>,
                               %dloss: tensor<f32>) -> (tensor<f32>, tensor<4x8xf32>, tensor<10x8xf32>) {
  %logits = qt.matmul %h, %w transpose_b : tensor<4x8xf32>, tensor<10x8xf32> -> tensor<4x10xf32>
  %loss = qt.cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4xi64> -> tensor<f32>
  %dlogits = qt.cross_entropy_grad %logits, %labels, %dloss : tensor<4x10xf32>, tensor<4xi64>, tensor<f32>
  %dh = qt.matmul %dlogits, %w : tensor<4x10xf32>, tensor<10x8xf32> -> tensor<4x8xf32>
  %dw = qt.matmul %dlogits, %h transpose_a : tensor<4x10xf32>, tensor<4x8xf32> -> tensor<10x8xf32>
  return %loss, %dh, %dw : tensor<f32>, tensor<4x8xf32>, tensor<10x8xf32>
}
