// Small functions for qtc-run's error tests.

func.func @quantize(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %q = qt.quantize %x : tensor<2x32xf32> -> !qt.gse<2x32, axis = 1>
  %y = qt.dequantize %q : !qt.gse<2x32, axis = 1> -> tensor<2x32xf32>
  return %y : tensor<2x32xf32>
}

func.func @embed(%table: tensor<10x4xf32>, %ids: tensor<3xi64>) -> tensor<3x4xf32> {
  %x = qt.embedding %table, %ids : tensor<10x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  return %x : tensor<3x4xf32>
}

func.func @ternary(%a: !qt.ternary<4x4>, %step: i64) -> (!qt.ternary<4x4>, i64) {
  return %a, %step : !qt.ternary<4x4>, i64
}

func.func @affine(%w: !qt.affine<32x2, bits = 2, group = 32>) -> tensor<32x2xf32> {
  %x = qt.dequantize %w : !qt.affine<32x2, bits = 2, group = 32> -> tensor<32x2xf32>
  return %x : tensor<32x2xf32>
}

func.func @scalars(%n: i32, %s: f32) -> (i32, f32) {
  return %n, %s : i32, f32
}

// 1/0 is +inf: a non-finite result.
func.func @reciprocal(%x: tensor<2xf32>) -> tensor<2xf32> {
  %one = arith.constant dense<1.0> : tensor<2xf32>
  %y = arith.divf %one, %x : tensor<2xf32>
  return %y : tensor<2xf32>
}

// 1e5 rounds to +inf in f16 (qtc-step did not look at f16 results).
func.func @to_f16(%x: tensor<2xf32>) -> tensor<2xf16> {
  %y = arith.truncf %x : tensor<2xf32> to tensor<2xf16>
  return %y : tensor<2xf16>
}
