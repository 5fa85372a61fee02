// One training step of a GSQ-Tuning layer (NUMERICS.md 1), written by hand:
// an NF4 base and f32 LoRA masters; every matmul operand is a GSE-int8 cast
// (G = 32) grouped along that matmul's reduction axis, gradients rounded
// stochastically; AdamW on the masters. s = alpha / r = 64 / 32.
//   forward   H = Q(X) Q(A)        Y = Q(X) Q(W0) + s Q(H) Q(B)
//   backward  dB = s Q(H)^T Q(dY)  dH = s Q(dY) Q(B)^T
//             dA = Q(X)^T Q(dH)    dX = Q(dY) Q(W0)^T + Q(dH) Q(A)^T
func.func @gsq_train_step(
    %x: tensor<32x64xf32>, %dy: tensor<32x64xf32>, %w0: !qt.nf4<64x64>,
    %a: tensor<64x32xf32>, %b: tensor<32x64xf32>,
    %ma: tensor<64x32xf32>, %va: tensor<64x32xf32>,
    %mb: tensor<32x64xf32>, %vb: tensor<32x64xf32>, %step: i64, %seed: i64)
    -> (tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>, tensor<32x64xf32>,
        tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>) {
  // Forward. X, A, W0 grouped along K = 64; H and B along r = 32.
  %xq = qt.quantize %x : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1>
  %aq = qt.quantize %a : tensor<64x32xf32> -> !qt.gse<64x32, axis = 0>
  %w0q = qt.requantize %w0 : !qt.nf4<64x64> -> !qt.gse<64x64, axis = 0>
  %h = qt.matmul %xq, %aq : !qt.gse<32x64, axis = 1>, !qt.gse<64x32, axis = 0> -> tensor<32x32xf32>
  %hq = qt.quantize %h : tensor<32x32xf32> -> !qt.gse<32x32, axis = 1>
  %bq = qt.quantize %b : tensor<32x64xf32> -> !qt.gse<32x64, axis = 0>
  %y0 = qt.matmul %xq, %w0q : !qt.gse<32x64, axis = 1>, !qt.gse<64x64, axis = 0> -> tensor<32x64xf32>
  %y1 = qt.matmul %hq, %bq : !qt.gse<32x32, axis = 1>, !qt.gse<32x64, axis = 0> -> tensor<32x64xf32>
  %s32x64 = arith.constant dense<2.0> : tensor<32x64xf32>
  %s32x32 = arith.constant dense<2.0> : tensor<32x32xf32>
  %y1s = arith.mulf %y1, %s32x64 : tensor<32x64xf32>
  %y = arith.addf %y0, %y1s : tensor<32x64xf32>

  // Backward. Each stochastic cast gets its own seed.
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %seed1 = arith.addi %seed, %c1 : i64
  %seed2 = arith.addi %seed, %c2 : i64
  %seed3 = arith.addi %seed, %c3 : i64
  // dY grouped along tokens (for dB) and along N (for dH and dX).
  %dyt = qt.quantize %dy seed %seed : tensor<32x64xf32> -> !qt.gse<32x64, axis = 0, rounding = stochastic>
  %dyn = qt.quantize %dy seed %seed1 : tensor<32x64xf32> -> !qt.gse<32x64, axis = 1, rounding = stochastic>
  %ht = qt.requantize %hq : !qt.gse<32x32, axis = 1> -> !qt.gse<32x32, axis = 0>
  %db_raw = qt.matmul %ht, %dyt transpose_a : !qt.gse<32x32, axis = 0>, !qt.gse<32x64, axis = 0, rounding = stochastic> -> tensor<32x64xf32>
  %db = arith.mulf %db_raw, %s32x64 : tensor<32x64xf32>
  %bn = qt.requantize %bq : !qt.gse<32x64, axis = 0> -> !qt.gse<32x64, axis = 1>
  %dh_raw = qt.matmul %dyn, %bn transpose_b : !qt.gse<32x64, axis = 1, rounding = stochastic>, !qt.gse<32x64, axis = 1> -> tensor<32x32xf32>
  %dh = arith.mulf %dh_raw, %s32x32 : tensor<32x32xf32>
  // dA = X^T dH: both grouped along tokens.
  %xt = qt.requantize %xq : !qt.gse<32x64, axis = 1> -> !qt.gse<32x64, axis = 0>
  %dht = qt.quantize %dh seed %seed2 : tensor<32x32xf32> -> !qt.gse<32x32, axis = 0, rounding = stochastic>
  %da = qt.matmul %xt, %dht transpose_a : !qt.gse<32x64, axis = 0>, !qt.gse<32x32, axis = 0, rounding = stochastic> -> tensor<64x32xf32>
  // dX = dY W0^T + dH A^T: W0 along N, A and dH along r.
  %w0n = qt.requantize %w0 : !qt.nf4<64x64> -> !qt.gse<64x64, axis = 1>
  %dx0 = qt.matmul %dyn, %w0n transpose_b : !qt.gse<32x64, axis = 1, rounding = stochastic>, !qt.gse<64x64, axis = 1> -> tensor<32x64xf32>
  %dhr = qt.quantize %dh seed %seed3 : tensor<32x32xf32> -> !qt.gse<32x32, axis = 1, rounding = stochastic>
  %ar = qt.requantize %aq : !qt.gse<64x32, axis = 0> -> !qt.gse<64x32, axis = 1>
  %dx1 = qt.matmul %dhr, %ar transpose_b : !qt.gse<32x32, axis = 1, rounding = stochastic>, !qt.gse<64x32, axis = 1> -> tensor<32x64xf32>
  %dx = arith.addf %dx0, %dx1 : tensor<32x64xf32>

  // AdamW on the f32 masters.
  %a1, %ma1, %va1 = qt.adamw %a, %da, %ma, %va, %step lr 1.0e-4 : tensor<64x32xf32>, tensor<64x32xf32>
  %b1, %mb1, %vb1 = qt.adamw %b, %db, %mb, %vb, %step lr 1.0e-4 : tensor<32x64xf32>, tensor<32x64xf32>
  return %y, %dx, %a1, %b1, %ma1, %va1, %mb1, %vb1
      : tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>, tensor<32x64xf32>,
        tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>
}
