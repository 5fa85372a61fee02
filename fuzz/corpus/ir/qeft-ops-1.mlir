func.func @calibrate_and_select(%h: tensor<256x256xf32>, %n: i64, %x: tensor<8x256xf32>,
                                %w: tensor<256x64xf32>, %h2: tensor<256x256xf32>) {
  %h1, %n1 = qt.hessian_accumulate %h, %n, %x : tensor<256x256xf32>, i64, tensor<8x256xf32>
  %0 = qt.weak_columns_local %h1, %w count 16 : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  %1 = qt.weak_columns_local %h1, %w count 8 quantizer minmax {bits = 3 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<8xi64>
  %2 = qt.weak_columns_global %h1, %h2 count 16 : tensor<256x256xf32>, tensor<256x256xf32> -> tensor<16xi64>
  return
}
