func.func @to_f16(%x: tensor<2xf32>) -> tensor<2xf16> {
  %y = arith.truncf %x : tensor<2xf32> to tensor<2xf16>
  return %y : tensor<2xf16>
}
