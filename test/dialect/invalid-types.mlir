// RUN: qtc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{GSE bits must be in [2, 8], found 9}}
func.func @gse_bits(%q: !qt.gse<8x64, axis = 1, bits = 9>)

// -----

// expected-error @+1 {{GSE group must be at least 8, found 4}}
func.func @gse_small_group(%q: !qt.gse<8x64, axis = 1, group = 4>)

// -----

// expected-error @+1 {{GSE exp_bits must be in [4, 8], found 3}}
func.func @gse_exp_bits(%q: !qt.gse<8x64, axis = 1, exp_bits = 3>)

// -----

// expected-error @+1 {{group size 32 must divide the grouped dim 1 of extent 60}}
func.func @gse_group_divides(%q: !qt.gse<8x60, axis = 1>)

// -----

// expected-error @+1 {{GSE axis 2 is out of range for rank 2}}
func.func @gse_axis(%q: !qt.gse<8x64, axis = 2>)

// -----

// expected-error @+1 {{quantized tensor dims must be positive, found 0 at dim 1}}
func.func @zero_dim(%q: !qt.ternary<8x0>)

// -----

// Dynamic extents are not part of a quantized type.
// expected-error @+1 {{expected static shape}}
func.func @dynamic_dim(%q: !qt.ternary<?x8>)

// -----

// expected-error @+1 {{affine weight must be [in_features, out_features], found rank 3}}
func.func @affine_rank(%w: !qt.affine<4x64x8, bits = 4, group = 32>)

// -----

// expected-error @+1 {{affine bits must be one of 2, 3, 4, 8, found 5}}
func.func @affine_bits(%w: !qt.affine<64x8, bits = 5, group = 32>)

// -----

// expected-error @+1 {{group size 48 must divide the grouped dim 0 of extent 64}}
func.func @affine_group(%w: !qt.affine<64x8, bits = 4, group = 48>)

// -----

// expected-error @+1 {{NF4 block must be a positive even number, found 7}}
func.func @nf4_odd_block(%w: !qt.nf4<7x8, block = 7>)

// -----

// expected-error @+1 {{NF4 block 64 must divide the element count 96}}
func.func @nf4_block_divides(%w: !qt.nf4<12x8>)

// -----

func.func @gsq_group(%x: tensor<8x8xf32>, %a: tensor<8x8xf32>) {
  // expected-error @+1 {{GSE group must be at least 8, found 2}}
  %0 = qt.lora_linear %x, %a, %a, %a alpha 1.0 gsq <group = 2> : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  return
}

// -----

// expected-error @+2 {{expected ::mlir::qt::ExpRule to be one of: floor, ceil}}
// expected-error @+1 {{failed to parse Qt_GSEType parameter 'exp_rule'}}
func.func @bad_enum(%q: !qt.gse<8x64, axis = 1, exp_rule = nearest>)

// -----

// expected-error @+1 {{struct is missing required parameter: axis}}
func.func @missing_axis(%q: !qt.gse<8x64, bits = 8>)

// -----

// expected-error @+1 {{quantized tensor must have rank >= 1, found a scalar shape}}
func.func @scalar(%q: !qt.ternary<>)
