func.func @qeft_linear(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128>,
                       %wf: tensor<16x64xf16>) -> tensor<8x64xf32> {
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16> -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}
