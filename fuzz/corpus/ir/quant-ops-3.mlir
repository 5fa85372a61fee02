func.func @requantize(%q: !qt.gse<64x128, axis = 1>, %w: !qt.nf4<64x128>, %seed: i64) {
  %0 = qt.requantize %q : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0>
  %1 = qt.requantize %q seed %seed : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0, rounding = stochastic>
  %2 = qt.requantize %w : !qt.nf4<64x128> -> !qt.gse<64x128, axis = 0>
  return
}
