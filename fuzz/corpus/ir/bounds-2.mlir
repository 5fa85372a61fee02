func.func @insert_past_end(%x: tensor<2x2xf32>, %d: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = tensor.insert_slice %x into %d[3, 0] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
