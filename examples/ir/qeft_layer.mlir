// One training step of a QEFT layer (NUMERICS.md 5), written by hand: the
// residual stream is already reordered so the 16 weak input columns are the
// last rows of the [K = 256, N = 64] weight; the dense part is 4-bit with zero
// codes on those rows and only the f16 weak rows train (AdamW, f32 state).
//   forward   Y = X Wq + X[:, K-n:] Wf
//   backward  dX = dY Wq^T + pad(dY Wf^T),  dWf = X[:, K-n:]^T dY
func.func @qeft_train_step(
    %x: tensor<8x256xf32>, %dy: tensor<8x64xf32>,
    %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<16x64xf16>,
    %m: tensor<16x64xf32>, %v: tensor<16x64xf32>, %step: i64)
    -> (tensor<8x64xf32>, tensor<8x256xf32>, tensor<16x64xf16>,
        tensor<16x64xf32>, tensor<16x64xf32>) {
  // Forward: one fused mixed-precision matmul.
  %y = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16> -> tensor<8x64xf32>

  // Backward; only the weak slice of X is kept for dWf.
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

  // AdamW on the f16 weak rows, lr 2e-4 (QEFT's default).
  %wf1, %m1, %v1 = qt.adamw %wf, %dwf, %m, %v, %step lr 2.0e-4 : tensor<16x64xf16>, tensor<16x64xf32>
  return %y, %dx, %wf1, %m1, %v1
      : tensor<8x64xf32>, tensor<8x256xf32>, tensor<16x64xf16>,
        tensor<16x64xf32>, tensor<16x64xf32>
}
