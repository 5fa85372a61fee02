func.func @lota_linear(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                       %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) {
  %0 = qt.lota_linear %x, %w, %a, %b : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  %1 = qt.lota_linear %x, %w, %a, %b omega 10.0 offset_scale one : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  %2 = qt.lota_linear %x, %w, %a, %b offset_scale inv_omega : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return
}
