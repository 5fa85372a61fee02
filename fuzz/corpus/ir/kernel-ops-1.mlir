func.func @kernel(%x: tensor<8x64xf32>, %seed: i64)
    -> (tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>) {
  %y, %q = qt.kernel "scale_and_cast" ins(%x, %seed : tensor<8x64xf32>, i64)
      -> tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
      attributes {qt.arena = array<i64: 0, 2048, 2560>} {
  ^bb0(%v: tensor<8x64xf32>, %s: i64):
    %two = arith.constant dense<2.0> : tensor<8x64xf32>
    %r = arith.mulf %v, %two : tensor<8x64xf32>
    %c = qt.quantize %r seed %s : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1, rounding = stochastic>
    qt.yield %r, %c : tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
  }
  return %y, %q : tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
}
