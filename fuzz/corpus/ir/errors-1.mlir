func.func @quantize(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %q = qt.quantize %x : tensor<2x32xf32> -> !qt.gse<2x32, axis = 1>
  %y = qt.dequantize %q : !qt.gse<2x32, axis = 1> -> tensor<2x32xf32>
  return %y : tensor<2x32xf32>
}
