// A layer as `qtc import` writes it: the weight in Hugging Face's layout.
func.func @hf_layout(%x: tensor<8x64xf32>, %w: tensor<32x64xbf16>) -> tensor<8x32xf32> {
  %y = qt.linear %x, %w weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
