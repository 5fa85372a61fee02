// The method composites alone, for checking qt-expand against them on the
// reference backend (expand-matches-composites.test).
func.func @lora(%x: tensor<8x64xf32>, %w: tensor<64x64xf32>, %a: tensor<64x8xf32>,
                %b: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %y = qt.lora_linear %x, %w, %a, %b alpha 16.0 : tensor<8x64xf32>, tensor<64x64xf32>, tensor<64x8xf32>, tensor<8x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

func.func @gsq(%x: tensor<32x64xf32>, %w0: !qt.nf4<64x64>, %a: tensor<64x32xf32>,
               %b: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %y = qt.lora_linear %x, %w0, %a, %b alpha 64.0 gsq <group = 32> : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

func.func @lota(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) -> tensor<8x64xf32> {
  %y = qt.lota_linear %x, %w, %a, %b : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
