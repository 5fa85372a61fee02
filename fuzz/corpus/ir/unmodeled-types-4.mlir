func.func @i4_constant() -> tensor<2xi4> {
  %c = arith.constant dense<3> : tensor<2xi4>
  return %c : tensor<2xi4>
}
