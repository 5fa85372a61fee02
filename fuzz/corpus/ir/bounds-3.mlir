func.func @pad_negative(%x: tensor<4x4xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[-1, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x4xf32> to tensor<3x4xf32>
  return %p : tensor<3x4xf32>
}
