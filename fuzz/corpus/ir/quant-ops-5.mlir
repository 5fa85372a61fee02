func.func @matmul(%x: tensor<8x64xf32>, %xq: !qt.gse<8x64, axis = 1>,
                  %wq: !qt.gse<32x64, axis = 1>, %xt: !qt.gse<32x64, axis = 0>,
                  %dy: !qt.gse<32x32, axis = 0, rounding = stochastic>,
                  %w4: !qt.affine<64x32, bits = 4, group = 32>,
                  %a: !qt.ternary<64x4>, %dyf: tensor<?x32xf32>) {
  %0 = qt.matmul %xq, %wq transpose_b accumulate wide_int : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1> -> tensor<8x32xf32>
  %1 = qt.matmul %xq, %wq transpose_b accumulate f32 : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1> -> tensor<8x32xf32>
  %2 = qt.matmul %xt, %dy transpose_a : !qt.gse<32x64, axis = 0>, !qt.gse<32x32, axis = 0, rounding = stochastic> -> tensor<64x32xf32>
  %3 = qt.matmul %x, %w4 : tensor<8x64xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<8x32xf32>
  %4 = qt.matmul %a, %x transpose_a transpose_b : !qt.ternary<64x4>, tensor<8x64xf32> -> tensor<4x8xf32>
  %5 = qt.matmul %dyf, %w4 transpose_b : tensor<?x32xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<?x64xf32>
  return
}
