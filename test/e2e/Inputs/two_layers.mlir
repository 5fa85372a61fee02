// Two linear layers in a row (two-layers.test): the gradient of the first
// layer flows through the second.
func.func @mlp(%x: tensor<8x64xf32> {qt.name = "x"},
               %w1: tensor<64x128xf32> {qt.name = "w1"},
               %w2: tensor<128x64xf32> {qt.name = "w2"}) -> tensor<8x64xf32> {
  %h = qt.linear %x, %w1 : tensor<8x64xf32>, tensor<64x128xf32> -> tensor<8x128xf32>
  %y = qt.linear %h, %w2 : tensor<8x128xf32>, tensor<128x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
