func.func @dequantize(%q: !qt.nf4<64x64>, %t: !qt.ternary<4x8>) -> (tensor<64x64xf32>, tensor<4x8xf32>) {
  %0 = qt.dequantize %q : !qt.nf4<64x64> -> tensor<64x64xf32>
  %1 = qt.dequantize %t : !qt.ternary<4x8> -> tensor<4x8xf32>
  return %0, %1 : tensor<64x64xf32>, tensor<4x8xf32>
}
