func.func @f8_scalar() -> f8E5M2 {
  %c = arith.constant 1.0 : f8E5M2
  return %c : f8E5M2
}
