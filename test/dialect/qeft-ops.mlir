// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// CHECK-LABEL: func.func @calibrate_and_select
func.func @calibrate_and_select(%h: tensor<256x256xf32>, %n: i64, %x: tensor<8x256xf32>,
                                %w: tensor<256x64xf32>, %h2: tensor<256x256xf32>) {
  // CHECK: qt.hessian_accumulate %{{.*}}, %{{.*}}, %{{.*}} : tensor<256x256xf32>, i64, tensor<8x256xf32>
  %h1, %n1 = qt.hessian_accumulate %h, %n, %x : tensor<256x256xf32>, i64, tensor<8x256xf32>
  // CHECK: qt.weak_columns_local %{{.*}}, %{{.*}} count 16 : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  %0 = qt.weak_columns_local %h1, %w count 16 : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  // CHECK: qt.weak_columns_local %{{.*}}, %{{.*}} count 8 quantizer minmax {bits = 3 : i64} :
  %1 = qt.weak_columns_local %h1, %w count 8 quantizer minmax {bits = 3 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<8xi64>
  // The default quantizer is elided.
  // CHECK: qt.weak_columns_local %{{.*}}, %{{.*}} count 8 {grid = 100 : i64} :
  %3 = qt.weak_columns_local %h1, %w count 8 quantizer mse {grid = 100 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<8xi64>
  // CHECK: qt.weak_columns_global %{{.*}}, %{{.*}} count 16 : tensor<256x256xf32>, tensor<256x256xf32> -> tensor<16xi64>
  %2 = qt.weak_columns_global %h1, %h2 count 16 : tensor<256x256xf32>, tensor<256x256xf32> -> tensor<16xi64>
  return
}

// CHECK-LABEL: func.func @reorder_and_split
func.func @reorder_and_split(%x: tensor<8x256xf32>, %perm: tensor<256xi64>, %cols: tensor<16xi64>,
                             %w: tensor<256x64xf32>, %wh: tensor<256x64xf16>) {
  // CHECK: qt.permute %{{.*}}, %{{.*}} axis 1 : tensor<8x256xf32>, tensor<256xi64>
  %0 = qt.permute %x, %perm axis 1 : tensor<8x256xf32>, tensor<256xi64>
  // CHECK: qt.permute %{{.*}}, %{{.*}} axis 0 inverse : tensor<256x64xf16>, tensor<256xi64>
  %1 = qt.permute %wh, %perm axis 0 inverse : tensor<256x64xf16>, tensor<256xi64>
  // CHECK: qt.gather %{{.*}}, %{{.*}} axis 1 : tensor<8x256xf32>, tensor<16xi64> -> tensor<8x16xf32>
  %2 = qt.gather %x, %cols axis 1 : tensor<8x256xf32>, tensor<16xi64> -> tensor<8x16xf32>
  // CHECK: qt.outlier_split %{{.*}} : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16>
  %wq, %wf = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16>
  return
}
