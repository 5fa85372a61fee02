// RUN: qtc-opt %s -split-input-file -verify-diagnostics

func.func @linear_x_rank(%x: tensor<2x8x64xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{'qt.linear' op input 'x' must have rank 2, found rank 3}}
  %0 = qt.linear %x, %w : tensor<2x8x64xf32>, tensor<64x32xf32> -> tensor<2x8x32xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<8x64xf32>, %w: !qt.nf4<64>) {
  // expected-error @+1 {{'qt.linear' op weight must have rank 2, found rank 1}}
  %0 = qt.linear %x, %w : tensor<8x64xf32>, !qt.nf4<64> -> tensor<8x32xf32>
  return
}

// -----

func.func @linear_in_features(%x: tensor<8x64xf32>, %w: !qt.nf4<32x64>) {
  // expected-error @+1 {{'qt.linear' op weight dim 0 (in_features) must be 64, found 32}}
  %0 = qt.linear %x, %w : tensor<8x64xf32>, !qt.nf4<32x64> -> tensor<8x64xf32>
  return
}

// -----

func.func @linear_out_in(%x: tensor<8x64xf32>, %w: tensor<64x32xbf16>) {
  // expected-error @+1 {{'qt.linear' op weight dim 1 (in_features) must be 64, found 32}}
  %0 = qt.linear %x, %w weight_layout out_in : tensor<8x64xf32>, tensor<64x32xbf16> -> tensor<8x64xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{'qt.linear' op result shape must be 8x32, found 8x64}}
  %0 = qt.linear %x, %w : tensor<8x64xf32>, tensor<64x32xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @lora_a_rank(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %a: tensor<64xf32>, %b: tensor<4x32xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op adapter 'a' must have rank 2, found rank 1}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 : tensor<8x64xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<4x32xf32> -> tensor<8x32xf32>
  return
}

// -----

func.func @lora_b_rank(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %a: tensor<64x4xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op adapter 'b' must have rank 2, found rank 1}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 : tensor<8x64xf32>, tensor<64x32xf32>, tensor<64x4xf32>, tensor<128xf32> -> tensor<8x32xf32>
  return
}

// -----

func.func @lora_a_in(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %a: tensor<32x4xf32>, %b: tensor<4x32xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op adapter 'a' dim 0 (in_features) must be 64, found 32}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 : tensor<8x64xf32>, tensor<64x32xf32>, tensor<32x4xf32>, tensor<4x32xf32> -> tensor<8x32xf32>
  return
}

// -----

func.func @lora_ranks_agree(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %a: tensor<64x4xf32>, %b: tensor<8x32xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op adapter 'b' dim 0 (rank) must be 4, found 8}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 : tensor<8x64xf32>, tensor<64x32xf32>, tensor<64x4xf32>, tensor<8x32xf32> -> tensor<8x32xf32>
  return
}

// -----

func.func @lora_b_out(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %a: tensor<64x4xf32>, %b: tensor<4x16xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op adapter 'b' dim 1 (out_features) must be 32, found 16}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 8.0 : tensor<8x64xf32>, tensor<64x32xf32>, tensor<64x4xf32>, tensor<4x16xf32> -> tensor<8x32xf32>
  return
}

// -----

func.func @gsq_rank_not_grouped(%x: tensor<32x64xf32>, %w: !qt.nf4<64x64>, %a: tensor<64x16xf32>, %b: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op GSQ group size must divide every reduction extent: group 32 does not divide rank = 16}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 16.0 gsq <> : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x16xf32>, tensor<16x64xf32> -> tensor<32x64xf32>
  return
}

// -----

func.func @gsq_tokens_not_grouped(%x: tensor<8x64xf32>, %w: !qt.nf4<64x64>, %a: tensor<64x32xf32>, %b: tensor<32x64xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op GSQ group size must divide every reduction extent: group 32 does not divide tokens = 8}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 16.0 gsq <> : tensor<8x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @lota_float_zero(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128, zero = float>,
                           %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) {
  // expected-error @+1 {{'qt.lota_linear' op needs a base with integer or scaled zeros, found '!qt.affine<256x64, bits = 4, group = 128, zero = float>'}}
  %0 = qt.lota_linear %x, %w, %a, %b : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return
}

// -----

func.func @lota_omega(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                      %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) {
  // expected-error @+1 {{'qt.lota_linear' op omega must be positive, found -1}}
  %0 = qt.lota_linear %x, %w, %a, %b omega -1.0 : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return
}

// -----

func.func @lota_adapter_rank(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                             %a: !qt.ternary<256x16>, %b: !qt.ternary<8x64>) {
  // expected-error @+1 {{'qt.lota_linear' op adapter 'b' dim 0 (rank) must be 16, found 8}}
  %0 = qt.lota_linear %x, %w, %a, %b : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<8x64> -> tensor<8x64xf32>
  return
}

// -----

func.func @lota_float_adapter(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128>,
                              %a: tensor<256x16xf32>, %b: !qt.ternary<16x64>) {
  // expected-error @+1 {{'qt.lota_linear' op operand #2 must be}}
  %0 = qt.lota_linear %x, %w, %a, %b : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<256x16xf32>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return
}

// -----

func.func @qeft_weak_rank(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<1024xf16>) {
  // expected-error @+1 {{'qt.qeft_linear' op weak rows must have rank 2, found rank 1}}
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<1024xf16> -> tensor<8x64xf32>
  return
}

// -----

func.func @qeft_too_many_weak(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<300x64xf16>) {
  // expected-error @+1 {{'qt.qeft_linear' op weak row count must be in [1, in_features]: in_features is 256, found 300}}
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<300x64xf16> -> tensor<8x64xf32>
  return
}

// -----

func.func @qeft_weak_out(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<16x32xf16>) {
  // expected-error @+1 {{'qt.qeft_linear' op weak rows dim 1 (out_features) must be 64, found 32}}
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x32xf16> -> tensor<8x64xf32>
  return
}

// -----

func.func @qeft_dense_zero(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128, zero = scaled>, %wf: tensor<16x64xf16>) {
  // expected-error @+1 {{'qt.qeft_linear' op needs an integer zero point (zero = int), found scaled}}
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = scaled>, tensor<16x64xf16> -> tensor<8x64xf32>
  return
}

// -----

func.func @qeft_f32_weak(%x: tensor<8x256xf32>, %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.qeft_linear' op operand #2 must be ranked tensor of 16-bit float values}}
  %0 = qt.qeft_linear %x, %wq, %wf : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @gsq_nf4_out_in(%x: tensor<32x64xf32>, %w: !qt.nf4<64x64>, %a: tensor<64x32xf32>, %b: tensor<32x64xf32>) {
  // expected-error @+1 {{'qt.lora_linear' op GSQ takes a quantized weight as [in, out] (weight_layout in_out), found '!qt.nf4<64x64>' as [out, in]}}
  %0 = qt.lora_linear %x, %w, %a, %b alpha 16.0 gsq <group = 32> weight_layout out_in : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32x64xf32>
  return
}
