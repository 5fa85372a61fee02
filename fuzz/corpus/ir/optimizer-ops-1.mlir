func.func @adamw(%p: tensor<64x16xf32>, %ph: tensor<16x64xf16>, %g: tensor<64x16xf32>,
                 %gh: tensor<16x64xf32>, %t: i64) {
  %0:3 = qt.adamw %p, %g, %g, %g, %t lr 1.0e-3 : tensor<64x16xf32>, tensor<64x16xf32>
  %1:3 = qt.adamw %ph, %gh, %gh, %gh, %t lr 2.0e-4 beta1 0.8 beta2 0.99 eps 1.0e-6 weight_decay 0.01 : tensor<16x64xf16>, tensor<16x64xf32>
  return
}
