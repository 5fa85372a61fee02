func.func @linear(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %wn: !qt.nf4<64x32>,
                  %wa: !qt.affine<64x32, bits = 4, group = 32>, %xd: tensor<?x64xf32>) {
  %0 = qt.linear %x, %w : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x32xf32>
  %1 = qt.linear %x, %wn : tensor<8x64xf32>, !qt.nf4<64x32> -> tensor<8x32xf32>
  %2 = qt.linear %xd, %wa : tensor<?x64xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<?x32xf32>
  return
}
