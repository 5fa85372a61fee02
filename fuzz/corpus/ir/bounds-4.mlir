func.func @forever(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %y = func.call @forever(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
