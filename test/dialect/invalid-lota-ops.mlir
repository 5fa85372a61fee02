// RUN: qtc-opt %s -split-input-file -verify-diagnostics

func.func @product_rank(%a: !qt.ternary<256x16x1>, %b: !qt.ternary<16x64>) {
  // expected-error @+1 {{'qt.ternary_product' op operand 'a' must have rank 2, found rank 3}}
  %0 = qt.ternary_product %a, %b : !qt.ternary<256x16x1>, !qt.ternary<16x64> -> tensor<256x64xi32>
  return
}

// -----

func.func @product_rank_b(%a: !qt.ternary<256x16>, %b: !qt.ternary<1024>) {
  // expected-error @+1 {{'qt.ternary_product' op operand 'b' must have rank 2, found rank 1}}
  %0 = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<1024> -> tensor<256x64xi32>
  return
}

// -----

func.func @product_ranks_agree(%a: !qt.ternary<256x16>, %b: !qt.ternary<8x64>) {
  // expected-error @+1 {{'qt.ternary_product' op operand 'b' dim 0 (rank) must be 16, found 8}}
  %0 = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<8x64> -> tensor<256x64xi32>
  return
}

// -----

func.func @product_result(%a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) {
  // expected-error @+1 {{'qt.ternary_product' op result shape must be 256x64, found 64x256}}
  %0 = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<64x256xi32>
  return
}

// -----

func.func @product_overflow(%a: !qt.ternary<256x200>, %b: !qt.ternary<200x64>) {
  // expected-error @+1 {{'qt.ternary_product' op result element type cannot hold |dW| <= r: i8 for r = 200}}
  %0 = qt.ternary_product %a, %b : !qt.ternary<256x200>, !qt.ternary<200x64> -> tensor<256x64xi8>
  return
}

// -----

func.func @threshold_delta(%dw: tensor<128x64xi32>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.masked_threshold' op delta shape must be 256x64, found 128x64}}
  %0 = qt.masked_threshold %dw, %w omega 12.0 : tensor<128x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  return
}

// -----

func.func @threshold_result(%dw: tensor<256x64xi32>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.masked_threshold' op result shape must be 256x64, found 256x32}}
  %0 = qt.masked_threshold %dw, %w omega 12.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x32xi8>
  return
}

// -----

func.func @threshold_omega(%dw: tensor<256x64xi32>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.masked_threshold' op omega must be positive, found 0}}
  %0 = qt.masked_threshold %dw, %w omega 0.0 : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xi8>
  return
}

// -----

func.func @offset_delta(%dw: tensor<256x32xi32>, %what: tensor<256x64xi8>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_offset' op delta shape must be 256x64, found 256x32}}
  %0 = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale one : tensor<256x32xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  return
}

// -----

func.func @offset_step(%dw: tensor<256x64xi32>, %what: tensor<64x256xi8>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_offset' op step shape must be 256x64, found 64x256}}
  %0 = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale one : tensor<256x64xi32>, tensor<64x256xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  return
}

// -----

func.func @offset_groups(%dw: tensor<256x64xi32>, %what: tensor<256x64xi8>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_offset' op result shape (groups x out_features) must be 2x64, found 4x64}}
  %0 = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale one : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<4x64xf32>
  return
}

// -----

func.func @offset_omega(%dw: tensor<256x64xi32>, %what: tensor<256x64xi8>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_offset' op omega must be positive, found -2}}
  %0 = qt.lota_offset %dw, %what, %w omega -2.0 offset_scale one : tensor<256x64xi32>, tensor<256x64xi8>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
  return
}

// -----

func.func @merge_twice(%w: !qt.affine<256x64, bits = 4, group = 128, zero = float>, %what: tensor<256x64xi8>, %u: tensor<2x64xf32>) {
  // expected-error @+1 {{'qt.lota_merge' op merges into a base with integer or scaled zeros, found '!qt.affine<256x64, bits = 4, group = 128, zero = float>'}}
  %0 = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128, zero = float>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  return
}

// -----

// A scaled zero (ggml's Q4_1) stays scaled: zs' = zs + s U.
func.func @merge_scaled_to_float(%w: !qt.affine<256x64, bits = 4, group = 32, zero = scaled>, %what: tensor<256x64xi8>, %u: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.lota_merge' op result must be the input weight with zero = scaled, found '!qt.affine<256x64, bits = 4, group = 32, zero = float>'}}
  %0 = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 32, zero = scaled>, tensor<256x64xi8>, tensor<8x64xf32> -> !qt.affine<256x64, bits = 4, group = 32, zero = float>
  return
}

// -----

func.func @merge_step(%w: !qt.affine<256x64, bits = 4, group = 128>, %what: tensor<256x32xi8>, %u: tensor<2x64xf32>) {
  // expected-error @+1 {{'qt.lota_merge' op step shape must be 256x64, found 256x32}}
  %0 = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x32xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  return
}

// -----

func.func @merge_offset(%w: !qt.affine<256x64, bits = 4, group = 128>, %what: tensor<256x64xi8>, %u: tensor<256x64xf32>) {
  // expected-error @+1 {{'qt.lota_merge' op offset shape (groups x out_features) must be 2x64, found 256x64}}
  %0 = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
  return
}

// -----

func.func @merge_int_result(%w: !qt.affine<256x64, bits = 4, group = 128>, %what: tensor<256x64xi8>, %u: tensor<2x64xf32>) {
  // expected-error @+1 {{'qt.lota_merge' op result must be the input weight with zero = float or zero = scaled, found '!qt.affine<256x64, bits = 4, group = 128>'}}
  %0 = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>
  return
}

// -----

func.func @merge_changes_bits(%w: !qt.affine<256x64, bits = 4, group = 128>, %what: tensor<256x64xi8>, %u: tensor<2x64xf32>) {
  // expected-error @+1 {{'qt.lota_merge' op result must be the input weight with zero = float or zero = scaled, found '!qt.affine<256x64, bits = 8, group = 128, zero = float>'}}
  %0 = qt.lota_merge %w, %what, %u : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>, tensor<2x64xf32> -> !qt.affine<256x64, bits = 8, group = 128, zero = float>
  return
}

// -----

func.func @delta_grad_shape(%gw: tensor<64x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_delta_grad' op weight_grad shape must be 256x64, found 64x256}}
  %0 = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale inv_omega : tensor<64x256xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  return
}

// -----

func.func @delta_grad_result(%gw: tensor<256x64xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_delta_grad' op result shape must be 256x64, found 256x16}}
  %0 = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale inv_omega : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x16xf32>
  return
}

// -----

func.func @delta_grad_omega(%gw: tensor<256x64xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>) {
  // expected-error @+1 {{'qt.lota_delta_grad' op omega must be positive, found 0}}
  %0 = qt.lota_delta_grad %gw, %w omega 0.0 offset_scale inv_omega : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  return
}
