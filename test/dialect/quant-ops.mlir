// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// CHECK-LABEL: func.func @quantize_each_type
func.func @quantize_each_type(%x: tensor<64x64xf32>, %seed: i64) {
  // CHECK: qt.quantize %{{.*}} : tensor<64x64xf32> -> !qt.gse<64x64, axis = 1>
  %0 = qt.quantize %x : tensor<64x64xf32> -> !qt.gse<64x64, axis = 1>
  // CHECK: qt.quantize %{{.*}} seed %{{.*}} : tensor<64x64xf32> -> !qt.gse<64x64, axis = 0, rounding = stochastic>
  %1 = qt.quantize %x seed %seed : tensor<64x64xf32> -> !qt.gse<64x64, axis = 0, rounding = stochastic>
  // CHECK: qt.quantize %{{.*}} : tensor<64x64xf32> -> !qt.nf4<64x64>
  %2 = qt.quantize %x : tensor<64x64xf32> -> !qt.nf4<64x64>
  // CHECK: qt.quantize %{{.*}} : tensor<64x64xf32> -> !qt.affine<64x64, bits = 4, group = 32>
  %3 = qt.quantize %x : tensor<64x64xf32> -> !qt.affine<64x64, bits = 4, group = 32>
  // CHECK: qt.quantize %{{.*}} : tensor<64x64xf32> -> !qt.ternary<64x64>
  %4 = qt.quantize %x : tensor<64x64xf32> -> !qt.ternary<64x64>
  return
}

// CHECK-LABEL: func.func @dequantize
func.func @dequantize(%q: !qt.nf4<64x64>, %t: !qt.ternary<4x8>) -> (tensor<64x64xf32>, tensor<4x8xf32>) {
  // CHECK: qt.dequantize %{{.*}} : !qt.nf4<64x64> -> tensor<64x64xf32>
  %0 = qt.dequantize %q : !qt.nf4<64x64> -> tensor<64x64xf32>
  // CHECK: qt.dequantize %{{.*}} : !qt.ternary<4x8> -> tensor<4x8xf32>
  %1 = qt.dequantize %t : !qt.ternary<4x8> -> tensor<4x8xf32>
  return %0, %1 : tensor<64x64xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @requantize
func.func @requantize(%q: !qt.gse<64x128, axis = 1>, %w: !qt.nf4<64x128>, %seed: i64) {
  // CHECK: qt.requantize %{{.*}} : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0>
  %0 = qt.requantize %q : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0>
  // CHECK: qt.requantize %{{.*}} seed %{{.*}} : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0, rounding = stochastic>
  %1 = qt.requantize %q seed %seed : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0, rounding = stochastic>
  // CHECK: qt.requantize %{{.*}} : !qt.nf4<64x128> -> !qt.gse<64x128, axis = 0>
  %2 = qt.requantize %w : !qt.nf4<64x128> -> !qt.gse<64x128, axis = 0>
  return
}

// CHECK-LABEL: func.func @pack_unpack
func.func @pack_unpack(%m: tensor<8x64xi8>, %e: tensor<8x2xi8>,
                       %codes: tensor<256x64xi8>, %scales: tensor<2x64xf32>,
                       %zeros: tensor<2x64xi8>, %fzeros: tensor<2x64xf32>,
                       %gidx: tensor<256xi32>, %nf4: tensor<2048xi8>,
                       %absmax: tensor<64xf32>, %tern: tensor<16x4xi8>) {
  // CHECK: qt.pack %{{.*}}, %{{.*}} : (tensor<8x64xi8>, tensor<8x2xi8>) -> !qt.gse<8x64, axis = 1>
  %0 = qt.pack %m, %e : (tensor<8x64xi8>, tensor<8x2xi8>) -> !qt.gse<8x64, axis = 1>
  // CHECK: qt.unpack %{{.*}} : !qt.gse<8x64, axis = 1> -> (tensor<8x64xi8>, tensor<8x2xi8>)
  %1:2 = qt.unpack %0 : !qt.gse<8x64, axis = 1> -> (tensor<8x64xi8>, tensor<8x2xi8>)
  // CHECK: qt.pack {{.*}} : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xi8>) -> !qt.affine<256x64, bits = 4, group = 128>
  %2 = qt.pack %codes, %scales, %zeros : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xi8>) -> !qt.affine<256x64, bits = 4, group = 128>
  // CHECK: qt.pack {{.*}} : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>, tensor<256xi32>) -> !qt.affine<256x64, bits = 4, group = 128, zero = float, g_idx = true>
  %3 = qt.pack %codes, %scales, %fzeros, %gidx : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>, tensor<256xi32>) -> !qt.affine<256x64, bits = 4, group = 128, zero = float, g_idx = true>
  // CHECK: qt.unpack %{{.*}} : !qt.affine<256x64, bits = 4, group = 128, zero = float, g_idx = true> -> (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>, tensor<256xi32>)
  %4:4 = qt.unpack %3 : !qt.affine<256x64, bits = 4, group = 128, zero = float, g_idx = true> -> (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>, tensor<256xi32>)
  // CHECK: qt.pack {{.*}} : (tensor<2048xi8>, tensor<64xf32>) -> !qt.nf4<64x64>
  %5 = qt.pack %nf4, %absmax : (tensor<2048xi8>, tensor<64xf32>) -> !qt.nf4<64x64>
  // CHECK: qt.pack {{.*}} : (tensor<16x4xi8>) -> !qt.ternary<16x4>
  %6 = qt.pack %tern : (tensor<16x4xi8>) -> !qt.ternary<16x4>
  // CHECK: qt.unpack %{{.*}} : !qt.ternary<16x4> -> (tensor<16x4xi8>)
  %7 = qt.unpack %6 : !qt.ternary<16x4> -> (tensor<16x4xi8>)
  return
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%x: tensor<8x64xf32>, %xq: !qt.gse<8x64, axis = 1>,
                  %wq: !qt.gse<32x64, axis = 1>, %xt: !qt.gse<32x64, axis = 0>,
                  %dy: !qt.gse<32x32, axis = 0, rounding = stochastic>,
                  %w4: !qt.affine<64x32, bits = 4, group = 32>,
                  %a: !qt.ternary<64x4>, %dyf: tensor<?x32xf32>) {
  // CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_b accumulate wide_int : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1> -> tensor<8x32xf32>
  %0 = qt.matmul %xq, %wq transpose_b accumulate wide_int : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1> -> tensor<8x32xf32>
  // CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_b : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1> -> tensor<8x32xf32>
  %1 = qt.matmul %xq, %wq transpose_b accumulate f32 : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1> -> tensor<8x32xf32>
  // X^T dY, both grouped along tokens.
  // CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_a : !qt.gse<32x64, axis = 0>, !qt.gse<32x32, axis = 0, rounding = stochastic> -> tensor<64x32xf32>
  %2 = qt.matmul %xt, %dy transpose_a : !qt.gse<32x64, axis = 0>, !qt.gse<32x32, axis = 0, rounding = stochastic> -> tensor<64x32xf32>
  // CHECK: qt.matmul %{{.*}}, %{{.*}} : tensor<8x64xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<8x32xf32>
  %3 = qt.matmul %x, %w4 : tensor<8x64xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<8x32xf32>
  // CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_a transpose_b : !qt.ternary<64x4>, tensor<8x64xf32> -> tensor<4x8xf32>
  %4 = qt.matmul %a, %x transpose_a transpose_b : !qt.ternary<64x4>, tensor<8x64xf32> -> tensor<4x8xf32>
  // Dynamic token counts are checked at run time.
  // CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_b : tensor<?x32xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<?x64xf32>
  %5 = qt.matmul %dyf, %w4 transpose_b : tensor<?x32xf32>, !qt.affine<64x32, bits = 4, group = 32> -> tensor<?x64xf32>
  return
}
