func.func @reorder_and_split(%x: tensor<8x256xf32>, %perm: tensor<256xi64>, %cols: tensor<16xi64>,
                             %w: tensor<256x64xf32>, %wh: tensor<256x64xf16>) {
  %0 = qt.permute %x, %perm axis 1 : tensor<8x256xf32>, tensor<256xi64>
  %1 = qt.permute %wh, %perm axis 0 inverse : tensor<256x64xf16>, tensor<256xi64>
  %2 = qt.gather %x, %cols axis 1 : tensor<8x256xf32>, tensor<16xi64> -> tensor<8x16xf32>
  %wq, %wf = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16>
  return
}
