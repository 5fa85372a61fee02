func.func @extract_last() -> tensor<2x1xf32> {
  %x = arith.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0], [12.0, 13.0, 14.0, 15.0]]> : tensor<4x4xf32>
  %s = tensor.extract_slice %x[1, 3] [2, 1] [2, 1] : tensor<4x4xf32> to tensor<2x1xf32>
  return %s : tensor<2x1xf32>
}
