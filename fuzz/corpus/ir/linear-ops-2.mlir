func.func @linear_out_in(%x: tensor<8x64xf32>, %w: tensor<32x64xbf16>, %h: tensor<32x64xf16>) {
  %0 = qt.linear %x, %w weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16> -> tensor<8x32xf32>
  %1 = qt.linear %x, %h weight_layout out_in : tensor<8x64xf32>, tensor<32x64xf16> -> tensor<8x32xf32>
  return
}
