func.func @f8_constant() -> tensor<4xf8E4M3FN> {
  %c = arith.constant dense<1.0> : tensor<4xf8E4M3FN>
  return %c : tensor<4xf8E4M3FN>
}
