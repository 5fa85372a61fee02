// RUN: qtc-opt %s -split-input-file -verify-diagnostics

func.func @hessian_rank(%h: tensor<256xf32>, %n: i64, %x: tensor<8x256xf32>) {
  // expected-error @+1 {{'qt.hessian_accumulate' op hessian must have rank 2, found rank 1}}
  %0:2 = qt.hessian_accumulate %h, %n, %x : tensor<256xf32>, i64, tensor<8x256xf32>
  return
}

// -----

func.func @hessian_square(%h: tensor<256x128xf32>, %n: i64, %x: tensor<8x256xf32>) {
  // expected-error @+1 {{'qt.hessian_accumulate' op hessian dim 1 (square) must be 256, found 128}}
  %0:2 = qt.hessian_accumulate %h, %n, %x : tensor<256x128xf32>, i64, tensor<8x256xf32>
  return
}

// -----

func.func @hessian_x_rank(%h: tensor<256x256xf32>, %n: i64, %x: tensor<256xf32>) {
  // expected-error @+1 {{'qt.hessian_accumulate' op input 'x' must have rank 2, found rank 1}}
  %0:2 = qt.hessian_accumulate %h, %n, %x : tensor<256x256xf32>, i64, tensor<256xf32>
  return
}

// -----

func.func @hessian_x_features(%h: tensor<256x256xf32>, %n: i64, %x: tensor<8x128xf32>) {
  // expected-error @+1 {{'qt.hessian_accumulate' op input 'x' dim 1 (K) must be 256, found 128}}
  %0:2 = qt.hessian_accumulate %h, %n, %x : tensor<256x256xf32>, i64, tensor<8x128xf32>
  return
}

// -----

func.func @local_weight_rank(%h: tensor<256x256xf32>, %w: tensor<256xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op weight must have rank 2, found rank 1}}
  %0 = qt.weak_columns_local %h, %w count 16 : tensor<256x256xf32>, tensor<256xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_weight_rows(%h: tensor<256x256xf32>, %w: tensor<64x256xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op weight dim 0 (in_features) must be 256, found 64}}
  %0 = qt.weak_columns_local %h, %w count 16 : tensor<256x256xf32>, tensor<64x256xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_negative_bits(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op sensitivity bits must be in [2, 8], found -4}}
  %0 = qt.weak_columns_local %h, %w count 16 {bits = -4 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_wide_bits(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op sensitivity bits must be in [2, 8], found 9}}
  %0 = qt.weak_columns_local %h, %w count 16 {bits = 9 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

// The sensitivity quantizer is per output column; a group from older IR is
// refused rather than ignored.
func.func @local_group(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op has no 'group': the sensitivity quantizer has one scale and zero per output column (NUMERICS.md 5)}}
  %0 = qt.weak_columns_local %h, %w count 16 {group = 128 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_grid_minmax(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op grid applies to the mse quantizer only, found grid 40 with minmax}}
  %0 = qt.weak_columns_local %h, %w count 16 quantizer minmax {grid = 40 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_grid_zero(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op grid must be in [1, 1000], found 0}}
  %0 = qt.weak_columns_local %h, %w count 16 {grid = 0 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_grid_huge(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op grid must be in [1, 1000], found 1000000}}
  %0 = qt.weak_columns_local %h, %w count 16 {grid = 1000000 : i64} : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_quantizer(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+2 {{expected ::mlir::qt::LocalQuantizer to be one of: mse, minmax}}
  // expected-error @+1 {{failed to parse}}
  %0 = qt.weak_columns_local %h, %w count 16 quantizer gptq : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
  return
}

// -----

func.func @local_count(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op count must be in [1, K]: K is 256, found 300}}
  %0 = qt.weak_columns_local %h, %w count 300 : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<300xi64>
  return
}

// -----

func.func @local_result(%h: tensor<256x256xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.weak_columns_local' op result shape must be 16, found 8}}
  %0 = qt.weak_columns_local %h, %w count 16 : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<8xi64>
  return
}

// -----

// The custom syntax cannot spell an empty operand list; the generic one can.
func.func @global_none() {
  // expected-error @+1 {{'qt.weak_columns_global' op needs at least one hessian, found none}}
  %0 = "qt.weak_columns_global"() <{count = 16 : i64}> : () -> tensor<16xi64>
  return
}

// -----

func.func @global_mixed(%h: tensor<256x256xf32>, %h2: tensor<128x128xf32>) {
  // expected-error @+1 {{'qt.weak_columns_global' op hessians must all have one type, found 'tensor<256x256xf32>' and 'tensor<128x128xf32>'}}
  %0 = qt.weak_columns_global %h, %h2 count 16 : tensor<256x256xf32>, tensor<128x128xf32> -> tensor<16xi64>
  return
}

// -----

func.func @global_count(%h: tensor<256x256xf32>) {
  // expected-error @+1 {{'qt.weak_columns_global' op count must be in [1, K]: K is 256, found 0}}
  %0 = qt.weak_columns_global %h count 0 : tensor<256x256xf32> -> tensor<0xi64>
  return
}

// -----

func.func @permute_axis(%x: tensor<8x256xf32>, %p: tensor<256xi64>) {
  // expected-error @+1 {{'qt.permute' op axis must be in [0, rank): rank is 2, found 2}}
  %0 = qt.permute %x, %p axis 2 : tensor<8x256xf32>, tensor<256xi64>
  return
}

// -----

func.func @permute_rank(%x: tensor<8x256xf32>, %p: tensor<1x256xi64>) {
  // expected-error @+1 {{'qt.permute' op perm must have rank 1, found rank 2}}
  %0 = qt.permute %x, %p axis 1 : tensor<8x256xf32>, tensor<1x256xi64>
  return
}

// -----

func.func @permute_length(%x: tensor<8x256xf32>, %p: tensor<128xi64>) {
  // expected-error @+1 {{'qt.permute' op perm length must be 256, found 128}}
  %0 = qt.permute %x, %p axis 1 : tensor<8x256xf32>, tensor<128xi64>
  return
}

// -----

func.func @gather_axis(%x: tensor<8x256xf32>, %i: tensor<16xi64>) {
  // expected-error @+1 {{'qt.gather' op axis must be in [0, rank): rank is 2, found -1}}
  %0 = qt.gather %x, %i axis -1 : tensor<8x256xf32>, tensor<16xi64> -> tensor<8x16xf32>
  return
}

// -----

func.func @gather_indices(%x: tensor<8x256xf32>, %i: tensor<4x4xi64>) {
  // expected-error @+1 {{'qt.gather' op indices must have rank 1, found rank 2}}
  %0 = qt.gather %x, %i axis 1 : tensor<8x256xf32>, tensor<4x4xi64> -> tensor<8x16xf32>
  return
}

// -----

func.func @gather_dtype(%x: tensor<8x256xf32>, %i: tensor<16xi64>) {
  // expected-error @+1 {{'qt.gather' op result element type must be the input's, expected 'f32', found 'f16'}}
  %0 = qt.gather %x, %i axis 1 : tensor<8x256xf32>, tensor<16xi64> -> tensor<8x16xf16>
  return
}

// -----

func.func @gather_shape(%x: tensor<8x256xf32>, %i: tensor<16xi64>) {
  // expected-error @+1 {{'qt.gather' op result shape must be 8x16, found 16x8}}
  %0 = qt.gather %x, %i axis 1 : tensor<8x256xf32>, tensor<16xi64> -> tensor<16x8xf32>
  return
}

// -----

func.func @split_rank(%w: tensor<256xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op weight must have rank 2, found rank 1}}
  %0:2 = qt.outlier_split %w : tensor<256xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16>
  return
}

// -----

func.func @split_weak_rank(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op weak rows must have rank 2, found rank 1}}
  %0:2 = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<64xf16>
  return
}

// -----

func.func @split_dense_shape(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op dense shape must be 256x64, found 128x64}}
  %0:2 = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<128x64, bits = 4, group = 128>, tensor<16x64xf16>
  return
}

// -----

func.func @split_dense_zero(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op needs an integer zero point (zero = int), found float}}
  %0:2 = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>, tensor<16x64xf16>
  return
}

// -----

func.func @split_gidx(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op dense part must not have g_idx (the split quantizes contiguous groups)}}
  %0:2 = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, g_idx = true>, tensor<16x64xf16>
  return
}

// -----

func.func @split_weak_count(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op weak row count must be in [1, in_features]: in_features is 256, found 512}}
  %0:2 = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<512x64xf16>
  return
}

// -----

func.func @split_weak_out(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.outlier_split' op weak rows dim 1 (out_features) must be 64, found 32}}
  %0:2 = qt.outlier_split %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>, tensor<16x32xf16>
  return
}
