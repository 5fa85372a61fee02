func.func @cut(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %q = qt.quantize %x : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1>
