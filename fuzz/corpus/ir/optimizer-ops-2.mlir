func.func @tsign_sgd(%a: !qt.ternary<256x16>, %g: tensor<256x16xf32>, %t: i64, %norm: f32, %level: f32) {
  %0 = qt.tsign_sgd %a, %g, %t, %norm total_steps 100 : !qt.ternary<256x16>, tensor<256x16xf32>
  %1 = qt.quantile %g, %level abs : tensor<256x16xf32>
  %2 = qt.quantile %g, %level : tensor<256x16xf32>
  %3 = qt.global_norm %g, %g : tensor<256x16xf32>, tensor<256x16xf32>
  return
}
