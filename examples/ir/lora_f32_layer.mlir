// One training step of an f32 LoRA layer (the baseline), written by hand:
// forward, backward and the AdamW update of both adapters.
//   y = x w + s (x a) b,  s = alpha / r = 16 / 8
func.func @lora_f32_train_step(
    %x: tensor<8x64xf32>, %dy: tensor<8x64xf32>, %w: tensor<64x64xf32>,
    %a: tensor<64x8xf32>, %b: tensor<8x64xf32>,
    %ma: tensor<64x8xf32>, %va: tensor<64x8xf32>,
    %mb: tensor<8x64xf32>, %vb: tensor<8x64xf32>, %step: i64)
    -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<64x8xf32>, tensor<8x64xf32>,
        tensor<64x8xf32>, tensor<64x8xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
  // Forward.
  %y = qt.lora_linear %x, %w, %a, %b alpha 16.0 : tensor<8x64xf32>, tensor<64x64xf32>, tensor<64x8xf32>, tensor<8x64xf32> -> tensor<8x64xf32>

  // Backward: h = x a, dB = s h^T dy, dH = s dy b^T, dA = x^T dH,
  // dX = dy w^T + dH a^T.
  %s8x64 = arith.constant dense<2.0> : tensor<8x64xf32>
  %s8x8 = arith.constant dense<2.0> : tensor<8x8xf32>
  %h = qt.matmul %x, %a : tensor<8x64xf32>, tensor<64x8xf32> -> tensor<8x8xf32>
  %db_raw = qt.matmul %h, %dy transpose_a : tensor<8x8xf32>, tensor<8x64xf32> -> tensor<8x64xf32>
  %db = arith.mulf %db_raw, %s8x64 : tensor<8x64xf32>
  %dh_raw = qt.matmul %dy, %b transpose_b : tensor<8x64xf32>, tensor<8x64xf32> -> tensor<8x8xf32>
  %dh = arith.mulf %dh_raw, %s8x8 : tensor<8x8xf32>
  %da = qt.matmul %x, %dh transpose_a : tensor<8x64xf32>, tensor<8x8xf32> -> tensor<64x8xf32>
  %dx_base = qt.matmul %dy, %w transpose_b : tensor<8x64xf32>, tensor<64x64xf32> -> tensor<8x64xf32>
  %dx_lora = qt.matmul %dh, %a transpose_b : tensor<8x8xf32>, tensor<64x8xf32> -> tensor<8x64xf32>
  %dx = arith.addf %dx_base, %dx_lora : tensor<8x64xf32>

  // AdamW on both adapters; the base weight is frozen.
  %a1, %ma1, %va1 = qt.adamw %a, %da, %ma, %va, %step lr 1.0e-4 : tensor<64x8xf32>, tensor<64x8xf32>
  %b1, %mb1, %vb1 = qt.adamw %b, %db, %mb, %vb, %step lr 1.0e-4 : tensor<8x64xf32>, tensor<8x64xf32>
  return %y, %dx, %a1, %b1, %ma1, %va1, %mb1, %vb1
      : tensor<8x64xf32>, tensor<8x64xf32>, tensor<64x8xf32>, tensor<8x64xf32>,
        tensor<64x8xf32>, tensor<64x8xf32>, tensor<8x64xf32>, tensor<8x64xf32>
}
