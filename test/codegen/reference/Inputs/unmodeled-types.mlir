// Element types the reference backend has no arrays for.
func.func @f8_constant() -> tensor<4xf8E4M3FN> {
  %c = arith.constant dense<1.0> : tensor<4xf8E4M3FN>
  return %c : tensor<4xf8E4M3FN>
}

func.func @f128_add() -> tensor<2xf128> {
  %c = arith.constant dense<1.0> : tensor<2xf128>
  %s = arith.addf %c, %c : tensor<2xf128>
  return %s : tensor<2xf128>
}

func.func @complex_constant() -> tensor<2xcomplex<f32>> {
  %c = arith.constant dense<(1.0, 2.0)> : tensor<2xcomplex<f32>>
  return %c : tensor<2xcomplex<f32>>
}

func.func @i4_constant() -> tensor<2xi4> {
  %c = arith.constant dense<3> : tensor<2xi4>
  return %c : tensor<2xi4>
}

func.func @f8_scalar() -> f8E5M2 {
  %c = arith.constant 1.0 : f8E5M2
  return %c : f8E5M2
}

func.func @f8_argument(%x: tensor<4xf8E4M3FN>) -> tensor<4xf8E4M3FN> {
  return %x : tensor<4xf8E4M3FN>
}
