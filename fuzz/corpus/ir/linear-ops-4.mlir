func.func @lora_linear(%x: tensor<32x64xf32>, %w: tensor<64x64xf32>, %wn: !qt.nf4<64x64>,
                       %a: tensor<64x32xf32>, %b: tensor<32x64xf32>) {
  %0 = qt.lora_linear %x, %w, %a, %b alpha 16.0 : tensor<32x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  %1 = qt.lora_linear %x, %wn, %a, %b alpha 16.0 gsq <> : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  return
}
