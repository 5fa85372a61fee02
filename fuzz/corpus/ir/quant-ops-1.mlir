func.func @quantize_each_type(%x: tensor<64x64xf32>, %seed: i64) {
  %0 = qt.quantize %x : tensor<64x64xf32> -> !qt.gse<64x64, axis = 1>
  %1 = qt.quantize %x seed %seed : tensor<64x64xf32> -> !qt.gse<64x64, axis = 0, rounding = stochastic>
  %2 = qt.quantize %x : tensor<64x64xf32> -> !qt.nf4<64x64>
  %3 = qt.quantize %x : tensor<64x64xf32> -> !qt.affine<64x64, bits = 4, group = 32>
  %4 = qt.quantize %x : tensor<64x64xf32> -> !qt.ternary<64x64>
  return
}
