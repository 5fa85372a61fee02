func.func @ternary(%a: !qt.ternary<4x4>, %step: i64) -> (!qt.ternary<4x4>, i64) {
  return %a, %step : !qt.ternary<4x4>, i64
}
