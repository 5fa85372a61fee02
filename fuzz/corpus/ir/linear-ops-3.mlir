func.func @lora_out_in(%x: tensor<8x64xf32>, %w: tensor<32x64xbf16>, %a: tensor<64x4xf32>, %b: tensor<4x32xf32>) {
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16>, tensor<64x4xf32>, tensor<4x32xf32> -> tensor<8x32xf32>
  return
}
