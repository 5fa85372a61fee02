// examples/ir/forward/linear_hf.mlir with its weight in qtc's [in, out]
// layout: the same layer, for checking that the layout changes no numbers.
func.func @proj(%x: tensor<8x64xf32> {qt.name = "x"},
                %w: tensor<64x32xf32> {qt.name = "w"}) -> tensor<8x32xf32> {
  %y = qt.linear %x, %w : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
