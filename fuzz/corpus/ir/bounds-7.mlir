func.func @huge_splat() -> tensor<200000x200000xf32> {
  %x = arith.constant dense<1.0> : tensor<200000x200000xf32>
  return %x : tensor<200000x200000xf32>
}
