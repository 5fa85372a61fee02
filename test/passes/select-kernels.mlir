// RUN: qtc-opt %s --split-input-file --qt-select-kernels | FileCheck %s

// f32 products, with and without a fused scale: every parameter is written
// out, the defaults too.
// CHECK-LABEL: func.func @f32_matmuls
// CHECK:         qt.kernel "matmul" calls #qt.ukernel<"f32_matmul", {b_type = "f32", epilogue_add = false, epilogue_scale = false, group = 128 : i64, lota_delta_grad = false, ternary_a = false, ternary_b = false, transpose_a = true, transpose_b = false}>
// CHECK:         qt.kernel "matmul_scale" calls #qt.ukernel<"f32_matmul", {b_type = "f32", epilogue_add = false, epilogue_scale = true, group = 128 : i64, lota_delta_grad = false, ternary_a = false, ternary_b = false, transpose_a = false, transpose_b = false}>
// CHECK:         qt.kernel "matmul" calls #qt.ukernel<"f32_matmul", {b_type = "f32", epilogue_add = false, epilogue_scale = false, group = 128 : i64, lota_delta_grad = false, ternary_a = false, ternary_b = true, transpose_a = false, transpose_b = true}>
func.func @f32_matmuls(%x: tensor<8x64xf32>, %a: tensor<64x8xf32>, %dy: tensor<8x16xf32>,
                       %t: !qt.ternary<16x64>) -> (tensor<64x16xf32>, tensor<8x8xf32>, tensor<8x16xf32>) {
  %0 = qt.kernel "matmul" ins(%x, %dy : tensor<8x64xf32>, tensor<8x16xf32>) -> tensor<64x16xf32> {
  ^bb0(%p: tensor<8x64xf32>, %q: tensor<8x16xf32>):
    %r = qt.matmul %p, %q transpose_a : tensor<8x64xf32>, tensor<8x16xf32> -> tensor<64x16xf32>
    qt.yield %r : tensor<64x16xf32>
  }
  %1 = qt.kernel "matmul_scale" ins(%x, %a : tensor<8x64xf32>, tensor<64x8xf32>) -> tensor<8x8xf32> {
  ^bb0(%p: tensor<8x64xf32>, %q: tensor<64x8xf32>):
    %s = arith.constant dense<2.0> : tensor<8x8xf32>
    %r = qt.matmul %p, %q : tensor<8x64xf32>, tensor<64x8xf32> -> tensor<8x8xf32>
    %m = arith.mulf %r, %s : tensor<8x8xf32>
    qt.yield %m : tensor<8x8xf32>
  }
  %2 = qt.kernel "matmul" ins(%x, %t : tensor<8x64xf32>, !qt.ternary<16x64>) -> tensor<8x16xf32> {
  ^bb0(%p: tensor<8x64xf32>, %q: !qt.ternary<16x64>):
    %r = qt.matmul %p, %q transpose_b : tensor<8x64xf32>, !qt.ternary<16x64> -> tensor<8x16xf32>
    qt.yield %r : tensor<8x16xf32>
  }
  return %0, %1, %2 : tensor<64x16xf32>, tensor<8x8xf32>, tensor<8x16xf32>
}

// -----

// The add epilogues: the addend is the add's other operand.
// CHECK-LABEL: func.func @add_epilogues
// CHECK:         qt.kernel "matmul_scale_add" calls #qt.ukernel<"f32_matmul", {b_type = "f32", epilogue_add = true, epilogue_scale = true, group = 128 : i64, lota_delta_grad = false, ternary_a = false, ternary_b = false, transpose_a = false, transpose_b = false}>
// CHECK:         qt.kernel "matmul_add" calls #qt.ukernel<"f32_matmul", {b_type = "f32", epilogue_add = true, epilogue_scale = false, group = 128 : i64, lota_delta_grad = false, ternary_a = false, ternary_b = false, transpose_a = false, transpose_b = true}>
func.func @add_epilogues(%x: tensor<8x64xf32>, %a: tensor<64x8xf32>, %y: tensor<8x8xf32>)
    -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %0 = qt.kernel "matmul_scale_add" ins(%x, %a, %y : tensor<8x64xf32>, tensor<64x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32> {
  ^bb0(%p: tensor<8x64xf32>, %q: tensor<64x8xf32>, %z: tensor<8x8xf32>):
    %s = arith.constant dense<2.0> : tensor<8x8xf32>
    %r = qt.matmul %p, %q : tensor<8x64xf32>, tensor<64x8xf32> -> tensor<8x8xf32>
    %m = arith.mulf %r, %s : tensor<8x8xf32>
    %t = arith.addf %z, %m : tensor<8x8xf32>
    qt.yield %t : tensor<8x8xf32>
  }
  %1 = qt.kernel "matmul_add" ins(%x, %x, %y : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x8xf32>) -> tensor<8x8xf32> {
  ^bb0(%p: tensor<8x64xf32>, %q: tensor<8x64xf32>, %z: tensor<8x8xf32>):
    %r = qt.matmul %p, %q transpose_b : tensor<8x64xf32>, tensor<8x64xf32> -> tensor<8x8xf32>
    %t = arith.addf %r, %z : tensor<8x8xf32>
    qt.yield %t : tensor<8x8xf32>
  }
  return %0, %1 : tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

// Affine weights: the few-row schedule up to 4 rows forward (64 for dX),
// the GEMM one above; the weight read clamped where N (here 17) is not a
// multiple of 64.
// CHECK-LABEL: func.func @affine_shapes
// CHECK:         calls #qt.ukernel<"affine_matmul", {clamp_columns = false, group = 128 : i64, packed_bits = 0 : i64, shape = "gemv", transposed = false, weak_rows = false, zero = "float"}>
// CHECK:         calls #qt.ukernel<"affine_matmul", {clamp_columns = false, group = 128 : i64, packed_bits = 0 : i64, shape = "gemm", transposed = false, weak_rows = false, zero = "float"}>
// CHECK:         calls #qt.ukernel<"affine_matmul", {clamp_columns = true, group = 128 : i64, packed_bits = 0 : i64, shape = "gemm", transposed = false, weak_rows = false, zero = "int"}>
// CHECK:         calls #qt.ukernel<"affine_matmul", {clamp_columns = false, group = 128 : i64, packed_bits = 0 : i64, shape = "gemv", transposed = true, weak_rows = false, zero = "float"}>
func.func @affine_shapes(%x4: tensor<4x256xf32>, %x5: tensor<5x256xf32>,
                         %w: !qt.affine<256x64, bits = 4, group = 128, zero = float>,
                         %w17: !qt.affine<256x17, bits = 4, group = 128>,
                         %dy: tensor<64x64xf32>)
    -> (tensor<4x64xf32>, tensor<5x64xf32>, tensor<5x17xf32>, tensor<64x256xf32>) {
  %0 = qt.kernel "matmul" ins(%x4, %w : tensor<4x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float>) -> tensor<4x64xf32> {
  ^bb0(%p: tensor<4x256xf32>, %q: !qt.affine<256x64, bits = 4, group = 128, zero = float>):
    %r = qt.matmul %p, %q : tensor<4x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<4x64xf32>
    qt.yield %r : tensor<4x64xf32>
  }
  %1 = qt.kernel "matmul" ins(%x5, %w : tensor<5x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float>) -> tensor<5x64xf32> {
  ^bb0(%p: tensor<5x256xf32>, %q: !qt.affine<256x64, bits = 4, group = 128, zero = float>):
    %r = qt.matmul %p, %q : tensor<5x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<5x64xf32>
    qt.yield %r : tensor<5x64xf32>
  }
  %2 = qt.kernel "matmul" ins(%x5, %w17 : tensor<5x256xf32>, !qt.affine<256x17, bits = 4, group = 128>) -> tensor<5x17xf32> {
  ^bb0(%p: tensor<5x256xf32>, %q: !qt.affine<256x17, bits = 4, group = 128>):
    %r = qt.matmul %p, %q : tensor<5x256xf32>, !qt.affine<256x17, bits = 4, group = 128> -> tensor<5x17xf32>
    qt.yield %r : tensor<5x17xf32>
  }
  %3 = qt.kernel "matmul" ins(%dy, %w : tensor<64x64xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float>) -> tensor<64x256xf32> {
  ^bb0(%p: tensor<64x64xf32>, %q: !qt.affine<256x64, bits = 4, group = 128, zero = float>):
    %r = qt.matmul %p, %q transpose_b : tensor<64x64xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<64x256xf32>
    qt.yield %r : tensor<64x256xf32>
  }
  return %0, %1, %2, %3 : tensor<4x64xf32>, tensor<5x64xf32>, tensor<5x17xf32>, tensor<64x256xf32>
}

// -----

// GSE casts and products; the optimizers; the gradient norm.
// CHECK-LABEL: func.func @gsq_and_optimizers
// CHECK:         calls #qt.ukernel<"gse_quantize", {axis = 1 : i64, bits = 8 : i64, exp_bits = 8 : i64, exp_rule = "floor", group = 32 : i64, rounding = "stochastic"}>
// CHECK:         calls #qt.ukernel<"gse_requantize", {axis = 0 : i64, bits = 8 : i64, exp_bits = 8 : i64, exp_rule = "floor", from_axis = 1 : i64, from_group = 32 : i64, group = 32 : i64, rounding = "rne"}>
// CHECK:         calls #qt.ukernel<"nf4_to_gse", {axis = 0 : i64, block = 64 : i64, group = 32 : i64}>
// CHECK:         calls #qt.ukernel<"gse_matmul", {accumulate = "wide_int", epilogue_scale = false, group = 32 : i64, prepacked_b = false, shape = "gemm", transpose_a = false, transpose_b = false}>
// CHECK:         calls #qt.ukernel<"adamw", {param_type = "f16"}>
// CHECK:         calls #qt.ukernel<"sum_of_squares", {}>
func.func @gsq_and_optimizers(%x: tensor<32x64xf32>, %seed: i64, %w: !qt.nf4<64x64>,
                              %p: tensor<64x64xf16>, %g: tensor<64x64xf32>, %step: i64)
    -> (!qt.gse<32x64, axis = 0>, tensor<32x64xf32>, tensor<64x64xf16>, tensor<64x64xf32>, tensor<64x64xf32>, f32) {
  %0 = qt.kernel "quantize" ins(%x, %seed : tensor<32x64xf32>, i64) -> !qt.gse<32x64, axis = 1, rounding = stochastic> {
  ^bb0(%a: tensor<32x64xf32>, %s: i64):
    %q = qt.quantize %a seed %s : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1, rounding = stochastic>
    qt.yield %q : !qt.gse<32x64, axis = 1, rounding = stochastic>
  }
  %xt = qt.kernel "quantize" ins(%x : tensor<32x64xf32>) -> !qt.gse<32x64, axis = 1> {
  ^bb0(%a: tensor<32x64xf32>):
    %q = qt.quantize %a : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1>
    qt.yield %q : !qt.gse<32x64, axis = 1>
  }
  %1 = qt.kernel "requantize" ins(%xt : !qt.gse<32x64, axis = 1>) -> !qt.gse<32x64, axis = 0> {
  ^bb0(%a: !qt.gse<32x64, axis = 1>):
    %q = qt.requantize %a : !qt.gse<32x64, axis = 1> -> !qt.gse<32x64, axis = 0>
    qt.yield %q : !qt.gse<32x64, axis = 0>
  }
  %2 = qt.kernel "requantize" ins(%w : !qt.nf4<64x64>) -> !qt.gse<64x64, axis = 0> {
  ^bb0(%a: !qt.nf4<64x64>):
    %q = qt.requantize %a : !qt.nf4<64x64> -> !qt.gse<64x64, axis = 0>
    qt.yield %q : !qt.gse<64x64, axis = 0>
  }
  %3 = qt.kernel "matmul" ins(%xt, %2 : !qt.gse<32x64, axis = 1>, !qt.gse<64x64, axis = 0>) -> tensor<32x64xf32> {
  ^bb0(%a: !qt.gse<32x64, axis = 1>, %b: !qt.gse<64x64, axis = 0>):
    %y = qt.matmul %a, %b accumulate wide_int : !qt.gse<32x64, axis = 1>, !qt.gse<64x64, axis = 0> -> tensor<32x64xf32>
    qt.yield %y : tensor<32x64xf32>
  }
  %4:3 = qt.kernel "adamw" ins(%p, %g, %g, %g, %step : tensor<64x64xf16>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, i64) -> tensor<64x64xf16>, tensor<64x64xf32>, tensor<64x64xf32> {
  ^bb0(%a: tensor<64x64xf16>, %b: tensor<64x64xf32>, %c: tensor<64x64xf32>, %d: tensor<64x64xf32>, %e: i64):
    %np, %nm, %nv = qt.adamw %a, %b, %c, %d, %e lr 1.0e-3 : tensor<64x64xf16>, tensor<64x64xf32>
    qt.yield %np, %nm, %nv : tensor<64x64xf16>, tensor<64x64xf32>, tensor<64x64xf32>
  }
  %5 = qt.kernel "global_norm" ins(%g : tensor<64x64xf32>) -> f32 {
  ^bb0(%a: tensor<64x64xf32>):
    %n = qt.global_norm %a : tensor<64x64xf32>
    qt.yield %n : f32
  }
  return %1, %3, %4#0, %4#1, %4#2, %5 : !qt.gse<32x64, axis = 0>, tensor<32x64xf32>, tensor<64x64xf16>, tensor<64x64xf32>, tensor<64x64xf32>, f32
}

// -----

// What fusion leaves behind when it misses: the generic layout kernels and
// the f32 x f16 product.
// CHECK-LABEL: func.func @unfused_qeft
// CHECK:         qt.kernel "matmul" calls #qt.ukernel<"f32_matmul", {b_type = "f16", epilogue_add = false, epilogue_scale = false, group = 128 : i64, lota_delta_grad = false, ternary_a = false, ternary_b = false, transpose_a = false, transpose_b = true}>
// CHECK:         qt.kernel "pad" calls #qt.ukernel<"pad", {type = "f32"}>
// CHECK:         qt.kernel "extract_slice" calls #qt.ukernel<"slice", {type = "f32"}>
func.func @unfused_qeft(%x: tensor<8x256xf32>, %dy: tensor<8x64xf32>, %wf: tensor<16x64xf16>)
    -> (tensor<8x256xf32>, tensor<8x16xf32>) {
  %0 = qt.kernel "matmul" ins(%dy, %wf : tensor<8x64xf32>, tensor<16x64xf16>) -> tensor<8x16xf32> {
  ^bb0(%p: tensor<8x64xf32>, %q: tensor<16x64xf16>):
    %r = qt.matmul %p, %q transpose_b : tensor<8x64xf32>, tensor<16x64xf16> -> tensor<8x16xf32>
    qt.yield %r : tensor<8x16xf32>
  }
  %1 = qt.kernel "pad" ins(%0 : tensor<8x16xf32>) -> tensor<8x256xf32> {
  ^bb0(%p: tensor<8x16xf32>):
    %zero = arith.constant 0.0 : f32
    %r = tensor.pad %p low[0, 240] high[0, 0] {
    ^bb0(%i: index, %j: index):
      tensor.yield %zero : f32
    } : tensor<8x16xf32> to tensor<8x256xf32>
    qt.yield %r : tensor<8x256xf32>
  }
  %2 = qt.kernel "extract_slice" ins(%x : tensor<8x256xf32>) -> tensor<8x16xf32> {
  ^bb0(%p: tensor<8x256xf32>):
    %r = tensor.extract_slice %p[0, 240] [8, 16] [1, 1] : tensor<8x256xf32> to tensor<8x16xf32>
    qt.yield %r : tensor<8x16xf32>
  }
  return %1, %2 : tensor<8x256xf32>, tensor<8x16xf32>
}

// -----

// The loss's label shift: the same layout kernels on i64 labels.
// CHECK-LABEL: func.func @label_shift
// CHECK:         qt.kernel "extract_slice" calls #qt.ukernel<"slice", {type = "i64"}>
// CHECK:         qt.kernel "pad" calls #qt.ukernel<"pad", {type = "i64"}>
func.func @label_shift(%labels: tensor<2x4xi64>) -> tensor<2x4xi64> {
  %0 = qt.kernel "extract_slice" ins(%labels : tensor<2x4xi64>) -> tensor<2x3xi64> {
  ^bb0(%p: tensor<2x4xi64>):
    %r = tensor.extract_slice %p[0, 1] [2, 3] [1, 1] : tensor<2x4xi64> to tensor<2x3xi64>
    qt.yield %r : tensor<2x3xi64>
  }
  %1 = qt.kernel "pad" ins(%0 : tensor<2x3xi64>) -> tensor<2x4xi64> {
  ^bb0(%p: tensor<2x3xi64>):
    %ignore = arith.constant -100 : i64
    %r = tensor.pad %p low[0, 0] high[0, 1] {
    ^bb0(%i: index, %j: index):
      tensor.yield %ignore : i64
    } : tensor<2x3xi64> to tensor<2x4xi64>
    qt.yield %r : tensor<2x4xi64>
  }
  return %1 : tensor<2x4xi64>
}

// -----

// Token ids and labels in i32 (`qtc import --ids i32`): the embedding and
// cross-entropy kernels take them as they are.
// CHECK-LABEL: func.func @i32_ids
// CHECK:         qt.kernel "embedding" calls #qt.ukernel<"embedding", {ids = "i32"}>
// CHECK:         qt.kernel "embedding_grad" calls #qt.ukernel<"embedding_grad", {ids = "i32"}>
// CHECK:         qt.kernel "cross_entropy" calls #qt.ukernel<"cross_entropy", {labels = "i32"}>
// CHECK:         qt.kernel "cross_entropy_grad" calls #qt.ukernel<"cross_entropy_grad", {labels = "i32"}>
func.func @i32_ids(%table: tensor<10x8xf32>, %ids: tensor<4xi32>, %dy: tensor<4x8xf32>,
                   %logits: tensor<4x10xf32>, %labels: tensor<4xi32>, %dloss: tensor<f32>)
    -> (tensor<4x8xf32>, tensor<10x8xf32>, tensor<f32>, tensor<4x10xf32>) {
  %0 = qt.kernel "embedding" ins(%table, %ids : tensor<10x8xf32>, tensor<4xi32>) -> tensor<4x8xf32> {
  ^bb0(%t: tensor<10x8xf32>, %i: tensor<4xi32>):
    %r = qt.embedding %t, %i : tensor<10x8xf32>, tensor<4xi32> -> tensor<4x8xf32>
    qt.yield %r : tensor<4x8xf32>
  }
  %1 = qt.kernel "embedding_grad" ins(%ids, %dy : tensor<4xi32>, tensor<4x8xf32>) -> tensor<10x8xf32> {
  ^bb0(%i: tensor<4xi32>, %d: tensor<4x8xf32>):
    %r = qt.embedding_grad %i, %d : tensor<4xi32>, tensor<4x8xf32> -> tensor<10x8xf32>
    qt.yield %r : tensor<10x8xf32>
  }
  %2 = qt.kernel "cross_entropy" ins(%logits, %labels : tensor<4x10xf32>, tensor<4xi32>) -> tensor<f32> {
  ^bb0(%l: tensor<4x10xf32>, %y: tensor<4xi32>):
    %r = qt.cross_entropy %l, %y : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
    qt.yield %r : tensor<f32>
  }
  %3 = qt.kernel "cross_entropy_grad" ins(%logits, %labels, %dloss : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>) -> tensor<4x10xf32> {
  ^bb0(%l: tensor<4x10xf32>, %y: tensor<4xi32>, %g: tensor<f32>):
    %r = qt.cross_entropy_grad %l, %y, %g : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
    qt.yield %r : tensor<4x10xf32>
  }
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<10x8xf32>, tensor<f32>, tensor<4x10xf32>
}

// -----

// LoTA's merge chain when it was not fused: one kernel per op.
// CHECK-LABEL: func.func @unfused_lota
// CHECK:         qt.kernel "ternary_product" calls #qt.ukernel<"ternary_product", {}>
// CHECK:         qt.kernel "masked_threshold" calls #qt.ukernel<"masked_threshold", {bits = 4 : i64}>
// CHECK:         qt.kernel "lota_offset" calls #qt.ukernel<"lota_offset", {group = 128 : i64, offset_scale = "inv_omega"}>
// CHECK:         qt.kernel "lota_merge" calls #qt.ukernel<"lota_apply", {zero = "int"}>
func.func @unfused_lota(%w: !qt.affine<256x64, bits = 4, group = 128>,
                        %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>)
    -> !qt.affine<256x64, bits = 4, group = 128, zero = float> {
  %dw = qt.kernel "ternary_product" ins(%a, %b : !qt.ternary<256x16>, !qt.ternary<16x64>) -> tensor<256x64xi32> {
  ^bb0(%p: !qt.ternary<256x16>, %q: !qt.ternary<16x64>):
    %r = qt.ternary_product %p, %q : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
    qt.yield %r : tensor<256x64xi32>
  }
  %what = qt.kernel "masked_threshold" ins(%dw, %w : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128>) -> tensor<256x64xi8> {
  ^bb0(%p: tensor<256x64xi32>, %q: !qt.affine<256x64, bits = 4, group = 128>):
    %r = qt.masked_threshold %p, %q omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
    qt.yield %r : tensor<256x64xi8>
  }
  %u = qt.kernel "lota_offset" ins(%dw, %what, %w : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128>) -> tensor<2x64xf32> {
  ^bb0(%p: tensor<256x64xi32>, %q: tensor<256x64xi8>, %r: !qt.affine<256x64, bits = 4, group = 128>):
    %o = qt.lota_offset %p, %q, %r omega 12.0 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
    qt.yield %o : tensor<2x64xf32>
  }
  %m = qt.kernel "lota_merge" ins(%w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32>) -> !qt.affine<256x64, bits = 4, group = 128, zero = float> {
  ^bb0(%p: !qt.affine<256x64, bits = 4, group = 128>, %q: tensor<256x64xi8>, %r: tensor<2x64xf32>):
    %o = qt.lota_merge %p, %q, %r : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
    qt.yield %o : !qt.affine<256x64, bits = 4, group = 128, zero = float>
  }
  return %m : !qt.affine<256x64, bits = 4, group = 128, zero = float>
}

// -----

// A scaled-zero base (ggml's Q4_1, w = q s + zs): LoTA's merge keeps the
// zeros scaled, and the merged weight's products read them so.
// CHECK-LABEL: func.func @scaled_zero_lota
// CHECK:         qt.kernel "lota_merge" calls #qt.ukernel<"lota_apply", {zero = "scaled"}>
// CHECK:         qt.kernel "matmul" calls #qt.ukernel<"affine_matmul", {clamp_columns = false, group = 32 : i64, packed_bits = 0 : i64, shape = "gemm", transposed = false, weak_rows = false, zero = "scaled"}>
// CHECK:         qt.kernel "matmul" calls #qt.ukernel<"affine_matmul", {clamp_columns = false, group = 32 : i64, packed_bits = 0 : i64, shape = "gemv", transposed = true, weak_rows = false, zero = "scaled"}>
func.func @scaled_zero_lota(%w: !qt.affine<64x64, bits = 4, group = 32, zero = scaled>,
                            %what: tensor<64x64xi8>, %u: tensor<2x64xf32>,
                            %x: tensor<32x64xf32>, %dy: tensor<32x64xf32>)
    -> (tensor<32x64xf32>, tensor<32x64xf32>) {
  %m = qt.kernel "lota_merge" ins(%w, %what, %u : !qt.affine<64x64, bits = 4, group = 32, zero = scaled>, tensor<64x64xi8>, tensor<2x64xf32>) -> !qt.affine<64x64, bits = 4, group = 32, zero = scaled> {
  ^bb0(%p: !qt.affine<64x64, bits = 4, group = 32, zero = scaled>, %q: tensor<64x64xi8>, %r: tensor<2x64xf32>):
    %o = qt.lota_merge %p, %q, %r : !qt.affine<64x64, bits = 4, group = 32, zero = scaled>, tensor<64x64xi8>, tensor<2x64xf32> -> !qt.affine<64x64, bits = 4, group = 32, zero = scaled>
    qt.yield %o : !qt.affine<64x64, bits = 4, group = 32, zero = scaled>
  }
  %y = qt.kernel "matmul" ins(%x, %m : tensor<32x64xf32>, !qt.affine<64x64, bits = 4, group = 32, zero = scaled>) -> tensor<32x64xf32> {
  ^bb0(%p: tensor<32x64xf32>, %q: !qt.affine<64x64, bits = 4, group = 32, zero = scaled>):
    %r = qt.matmul %p, %q : tensor<32x64xf32>, !qt.affine<64x64, bits = 4, group = 32, zero = scaled> -> tensor<32x64xf32>
    qt.yield %r : tensor<32x64xf32>
  }
  %dx = qt.kernel "matmul" ins(%dy, %m : tensor<32x64xf32>, !qt.affine<64x64, bits = 4, group = 32, zero = scaled>) -> tensor<32x64xf32> {
  ^bb0(%p: tensor<32x64xf32>, %q: !qt.affine<64x64, bits = 4, group = 32, zero = scaled>):
    %r = qt.matmul %p, %q transpose_b : tensor<32x64xf32>, !qt.affine<64x64, bits = 4, group = 32, zero = scaled> -> tensor<32x64xf32>
    qt.yield %r : tensor<32x64xf32>
  }
  return %y, %dx : tensor<32x64xf32>, tensor<32x64xf32>
}

// -----

// The GSE GEMV form for X W^T with f32 sums at up to 2 rows (GEMM from 3,
// and for any other layout or with an epilogue).
// CHECK-LABEL: func.func @gse_gemv
// CHECK:         calls #qt.ukernel<"gse_matmul", {accumulate = "f32", epilogue_scale = false, group = 32 : i64, prepacked_b = false, shape = "gemv", transpose_a = false, transpose_b = true}>
// CHECK:         calls #qt.ukernel<"gse_matmul", {accumulate = "f32", epilogue_scale = false, group = 32 : i64, prepacked_b = false, shape = "gemm", transpose_a = false, transpose_b = true}>
func.func @gse_gemv(%x2: !qt.gse<2x64, axis = 1>, %x3: !qt.gse<3x64, axis = 1>,
                    %w: !qt.gse<128x64, axis = 1>) -> (tensor<2x128xf32>, tensor<3x128xf32>) {
  %0 = qt.kernel "matmul" ins(%x2, %w : !qt.gse<2x64, axis = 1>, !qt.gse<128x64, axis = 1>) -> tensor<2x128xf32> {
  ^bb0(%a: !qt.gse<2x64, axis = 1>, %b: !qt.gse<128x64, axis = 1>):
    %y = qt.matmul %a, %b transpose_b : !qt.gse<2x64, axis = 1>, !qt.gse<128x64, axis = 1> -> tensor<2x128xf32>
    qt.yield %y : tensor<2x128xf32>
  }
  %1 = qt.kernel "matmul" ins(%x3, %w : !qt.gse<3x64, axis = 1>, !qt.gse<128x64, axis = 1>) -> tensor<3x128xf32> {
  ^bb0(%a: !qt.gse<3x64, axis = 1>, %b: !qt.gse<128x64, axis = 1>):
    %y = qt.matmul %a, %b transpose_b : !qt.gse<3x64, axis = 1>, !qt.gse<128x64, axis = 1> -> tensor<3x128xf32>
    qt.yield %y : tensor<3x128xf32>
  }
  return %0, %1 : tensor<2x128xf32>, tensor<3x128xf32>
}
