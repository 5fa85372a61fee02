func.func @f128_add() -> tensor<2xf128> {
  %c = arith.constant dense<1.0> : tensor<2xf128>
  %s = arith.addf %c, %c : tensor<2xf128>
  return %s : tensor<2xf128>
}
