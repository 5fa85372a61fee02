func.func @affine(%w: !qt.affine<32x2, bits = 2, group = 32>) -> tensor<32x2xf32> {
  %x = qt.dequantize %w : !qt.affine<32x2, bits = 2, group = 32> -> tensor<32x2xf32>
  return %x : tensor<32x2xf32>
}
