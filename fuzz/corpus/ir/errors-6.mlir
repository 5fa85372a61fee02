func.func @reciprocal(%x: tensor<2xf32>) -> tensor<2xf32> {
  %one = arith.constant dense<1.0> : tensor<2xf32>
  %y = arith.divf %one, %x : tensor<2xf32>
  return %y : tensor<2xf32>
}
