func.func @lota_primitives(%w: !qt.affine<256x64, bits = 4, group = 128>,
                           %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>,
                           %gw: tensor<256x64xf32>) {
  %dw = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi32>
  %dw8 = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<256x64xi8>
  %what = qt.masked_threshold %dw, %w omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  %u = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale inv_omega : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  %m = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  %ms = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = scaled>
  %ddw = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale one : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  return
}
