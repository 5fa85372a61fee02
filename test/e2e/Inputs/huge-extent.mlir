func.func @linear(%x: tensor<1x3000000000xf32> {qt.name = "x"}, %w: tensor<3000000000x8xf32> {qt.name = "w"}) -> tensor<1x8xf32> {
  %y = qt.linear %x, %w : tensor<1x3000000000xf32>, tensor<3000000000x8xf32> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
