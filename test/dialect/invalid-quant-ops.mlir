// RUN: qtc-opt %s -split-input-file -verify-diagnostics

func.func @quantize_shape(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.quantize' op result shape must be 8x64, found 8x32}}
  %0 = qt.quantize %x : tensor<8x64xf32> -> !qt.gse<8x32, axis = 1>
  return
}

// -----

func.func @quantize_affine_float_zero(%x: tensor<64x8xf32>) {
  // expected-error @+1 {{'qt.quantize' op quantize to an affine type needs zero = int and no g_idx, found '!qt.affine<64x8, bits = 4, group = 32, zero = float>'}}
  %0 = qt.quantize %x : tensor<64x8xf32> -> !qt.affine<64x8, bits = 4, group = 32, zero = float>
  return
}

// -----

func.func @quantize_needs_seed(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.quantize' op stochastic rounding needs a seed operand, found none}}
  %0 = qt.quantize %x : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1, rounding = stochastic>
  return
}

// -----

func.func @quantize_spurious_seed(%x: tensor<8x64xf32>, %s: i64) {
  // expected-error @+1 {{'qt.quantize' op a seed operand is only for stochastic rounding, found one for '!qt.gse<8x64, axis = 1>'}}
  %0 = qt.quantize %x seed %s : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1>
  return
}

// -----

func.func @quantize_from_int(%x: tensor<8x64xi8>) {
  // expected-error @+1 {{'qt.quantize' op operand #0 must be ranked tensor of 32-bit float values}}
  %0 = qt.quantize %x : tensor<8x64xi8> -> !qt.gse<8x64, axis = 1>
  return
}

// -----

func.func @dequantize_shape(%q: !qt.nf4<64x64>) {
  // expected-error @+1 {{'qt.dequantize' op result shape must be 64x64, found 64x32}}
  %0 = qt.dequantize %q : !qt.nf4<64x64> -> tensor<64x32xf32>
  return
}

// -----

func.func @requantize_shape(%q: !qt.gse<64x64, axis = 1>) {
  // expected-error @+1 {{'qt.requantize' op result shape must be 64x64, found 32x64}}
  %0 = qt.requantize %q : !qt.gse<64x64, axis = 1> -> !qt.gse<32x64, axis = 0>
  return
}

// -----

func.func @requantize_needs_seed(%q: !qt.gse<64x64, axis = 1>) {
  // expected-error @+1 {{'qt.requantize' op stochastic rounding needs a seed operand}}
  %0 = qt.requantize %q : !qt.gse<64x64, axis = 1> -> !qt.gse<64x64, axis = 0, rounding = stochastic>
  return
}

// -----

func.func @requantize_to_nf4(%q: !qt.gse<64x64, axis = 1>) {
  // expected-error @+1 {{'qt.requantize' op result #0 must be}}
  %0 = qt.requantize %q : !qt.gse<64x64, axis = 1> -> !qt.nf4<64x64>
  return
}

// -----

func.func @pack_count(%m: tensor<8x64xi8>) {
  // expected-error @+1 {{'qt.pack' op storage of '!qt.gse<8x64, axis = 1>' is 2 tensors (mantissas, exponents), found 1}}
  %0 = qt.pack %m : (tensor<8x64xi8>) -> !qt.gse<8x64, axis = 1>
  return
}

// -----

func.func @pack_exponent_shape(%m: tensor<8x64xi8>, %e: tensor<8x4xi8>) {
  // expected-error @+1 {{'qt.pack' op storage tensor #1 (exponents) must be 'tensor<8x2xi8>', found 'tensor<8x4xi8>'}}
  %0 = qt.pack %m, %e : (tensor<8x64xi8>, tensor<8x4xi8>) -> !qt.gse<8x64, axis = 1>
  return
}

// -----

func.func @pack_scales_dtype(%c: tensor<256x64xi8>, %s: tensor<2x64xi32>, %z: tensor<2x64xi8>) {
  // expected-error @+1 {{'qt.pack' op storage tensor #1 (scales) must be 'tensor<2x64xf32>', found 'tensor<2x64xi32>'}}
  %0 = qt.pack %c, %s, %z : (tensor<256x64xi8>, tensor<2x64xi32>, tensor<2x64xi8>) -> !qt.affine<256x64, bits = 4, group = 128>
  return
}

// -----

func.func @pack_zero_dtype(%c: tensor<256x64xi8>, %s: tensor<2x64xf32>, %z: tensor<2x64xf32>) {
  // expected-error @+1 {{'qt.pack' op storage tensor #2 (zeros) must be 'tensor<2x64xi8>', found 'tensor<2x64xf32>'}}
  %0 = qt.pack %c, %s, %z : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>) -> !qt.affine<256x64, bits = 4, group = 128>
  return
}

// -----

func.func @pack_missing_gidx(%c: tensor<256x64xi8>, %s: tensor<2x64xf32>, %z: tensor<2x64xi8>) {
  // expected-error @+1 {{'qt.pack' op storage of '!qt.affine<256x64, bits = 4, group = 128, g_idx = true>' is 4 tensors (codes, scales, zeros, g_idx), found 3}}
  %0 = qt.pack %c, %s, %z : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xi8>) -> !qt.affine<256x64, bits = 4, group = 128, g_idx = true>
  return
}

// -----

func.func @unpack_nf4_codes(%q: !qt.nf4<64x64>) {
  // expected-error @+1 {{'qt.unpack' op storage tensor #0 (codes) must be 'tensor<2048xi8>', found 'tensor<4096xi8>'}}
  %0:2 = qt.unpack %q : !qt.nf4<64x64> -> (tensor<4096xi8>, tensor<64xf32>)
  return
}

// -----

func.func @unpack_count(%q: !qt.ternary<4x4>) {
  // expected-error @+1 {{'qt.unpack' op storage of '!qt.ternary<4x4>' is 1 tensors (values), found 2}}
  %0:2 = qt.unpack %q : !qt.ternary<4x4> -> (tensor<4x4xi8>, tensor<4x4xi8>)
  return
}

// -----

func.func @matmul_rank_a(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op operand 'a' must have rank 2, found rank 1}}
  %0 = qt.matmul %a, %b : tensor<8xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_rank_b(%a: tensor<8x8xf32>, %b: !qt.ternary<8x4x2>) {
  // expected-error @+1 {{'qt.matmul' op operand 'b' must have rank 2, found rank 3}}
  %0 = qt.matmul %a, %b : tensor<8x8xf32>, !qt.ternary<8x4x2> -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_rank_result(%a: tensor<8x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op result must have rank 2, found rank 3}}
  %0 = qt.matmul %a, %b : tensor<8x8xf32>, tensor<8x4xf32> -> tensor<1x8x4xf32>
  return
}

// -----

func.func @matmul_reduction(%a: tensor<8x64xf32>, %b: tensor<32x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op reduction extent of 'b' must be 64, found 32}}
  %0 = qt.matmul %a, %b : tensor<8x64xf32>, tensor<32x4xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_transposed_reduction(%a: tensor<8x64xf32>, %b: tensor<64x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op reduction extent of 'b' must be 64, found 4}}
  %0 = qt.matmul %a, %b transpose_b : tensor<8x64xf32>, tensor<64x4xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @matmul_result_shape(%a: tensor<8x64xf32>, %b: tensor<64x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op result shape must be 8x4, found 4x8}}
  %0 = qt.matmul %a, %b : tensor<8x64xf32>, tensor<64x4xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_gse_axis_a(%a: !qt.gse<32x64, axis = 0>, %b: tensor<64x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op GSE operand must be grouped along its reduction axis: 'a' needs axis 1, found axis 0}}
  %0 = qt.matmul %a, %b : !qt.gse<32x64, axis = 0>, tensor<64x4xf32> -> tensor<32x4xf32>
  return
}

// -----

func.func @matmul_gse_axis_b(%a: tensor<8x64xf32>, %b: !qt.gse<32x64, axis = 0>) {
  // expected-error @+1 {{'qt.matmul' op GSE operand must be grouped along its reduction axis: 'b' needs axis 1, found axis 0}}
  %0 = qt.matmul %a, %b transpose_b : tensor<8x64xf32>, !qt.gse<32x64, axis = 0> -> tensor<8x32xf32>
  return
}

// -----

func.func @matmul_gse_groups(%a: !qt.gse<8x64, axis = 1>, %b: !qt.gse<32x64, axis = 1, group = 16>) {
  // expected-error @+1 {{'qt.matmul' op GSE operands must share one group size, found 32 and 16}}
  %0 = qt.matmul %a, %b transpose_b : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1, group = 16> -> tensor<8x32xf32>
  return
}

// -----

func.func @matmul_wide_int(%a: !qt.gse<8x64, axis = 1>, %b: tensor<64x4xf32>) {
  // expected-error @+1 {{'qt.matmul' op accumulate wide_int needs two GSE operands, found '!qt.gse<8x64, axis = 1>' and 'tensor<64x4xf32>'}}
  %0 = qt.matmul %a, %b accumulate wide_int : !qt.gse<8x64, axis = 1>, tensor<64x4xf32> -> tensor<8x4xf32>
  return
}
