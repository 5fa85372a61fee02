// One training step of a LoTA-QAF layer (NUMERICS.md 4), written by hand:
// a 4-bit GPTQ base, ternary adapters of rank 16 (omega = 0.75 r = 12),
// straight-through backward and t-SignSGD. The merged weight is what
// deployment keeps: it dequantizes exactly to the W_eff of the forward.
func.func @lota_train_step(
    %x: tensor<8x256xf32>, %dy: tensor<8x64xf32>,
    %w: !qt.affine<256x64, bits = 4, group = 128>,
    %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>,
    %step: i64, %grad_norm: f32)
    -> (tensor<8x64xf32>, tensor<8x256xf32>, !qt.ternary<256x16>, !qt.ternary<16x64>,
        !qt.affine<256x64, bits = 4, group = 128, zero = float>) {
  // Forward: W_eff = s (q - z + What + U), formed as the lossless merge.
  %dw = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
  %what = qt.masked_threshold %dw, %w omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  %u = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  %weff = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  %y = qt.matmul %x, %weff : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<8x64xf32>

  // Backward, straight-through across the threshold:
  // Gw = x^T dy, dDW = S Gw + c P(S Gw), dA = dDW b^T, dB = a^T dDW.
  %gw = qt.matmul %x, %dy transpose_a : tensor<8x256xf32>, tensor<8x64xf32> -> tensor<256x64xf32>
  %ddw = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale inv_omega : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  %da = qt.matmul %ddw, %b transpose_b : tensor<256x64xf32>, !qt.ternary<16x64> -> tensor<256x16xf32>
  %db = qt.matmul %a, %ddw transpose_a : !qt.ternary<256x16>, tensor<256x64xf32> -> tensor<16x64xf32>
  %dx = qt.matmul %dy, %weff transpose_b : tensor<8x64xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<8x256xf32>

  // t-SignSGD on each adapter (no learning rate, momentum or decay).
  %a1 = qt.tsign_sgd %a, %da, %step, %grad_norm total_steps 100 : !qt.ternary<256x16>, tensor<256x16xf32>
  %b1 = qt.tsign_sgd %b, %db, %step, %grad_norm total_steps 100 : !qt.ternary<16x64>, tensor<16x64xf32>
  return %y, %dx, %a1, %b1, %weff
      : tensor<8x64xf32>, tensor<8x256xf32>, !qt.ternary<256x16>, !qt.ternary<16x64>,
        !qt.affine<256x64, bits = 4, group = 128, zero = float>
}
