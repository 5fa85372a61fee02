// RUN: qtc-opt %s --split-input-file --qt-autodiff --verify-diagnostics

// expected-error@+1 {{trainable argument #0 has type '!qt.nf4<64x64>'; only f32/f16 tensors and ternary adapters train}}
func.func @quantized_trainable(%w: !qt.nf4<64x64> {qt.trainable}, %x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %y = qt.matmul %x, %w : tensor<8x64xf32>, !qt.nf4<64x64> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// A quantized operand reached by a trainable value: its gradient would be
// straight-through, which qtc leaves to the method composites.
func.func @through_cast(%a: tensor<64x32xf32> {qt.trainable}, %x: tensor<8x64xf32>) -> tensor<8x32xf32> {
  %aq = qt.quantize %a : tensor<64x32xf32> -> !qt.gse<64x32, axis = 0>
  // expected-error@+1 {{'qt.matmul' op has no gradient for operand #1: quantized operands are not differentiable; differentiate the f32 value before its cast}}
  %y = qt.matmul %x, %aq : tensor<8x64xf32>, !qt.gse<64x32, axis = 0> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

// An op without a VJP between a trainable argument and a result.
func.func @no_vjp(%x: tensor<8x64xf32> {qt.trainable}, %w: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error@+1 {{'arith.divf' op has no gradient (DifferentiableOpInterface) but lies between a differentiated argument and a result}}
  %y = arith.divf %x, %w : tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @frozen_base(%x: tensor<8x64xf32>, %w: tensor<64x64xf32> {qt.trainable},
                       %a: tensor<64x8xf32> {qt.trainable}, %b: tensor<8x64xf32> {qt.trainable}) -> tensor<8x64xf32> {
  // expected-error@+1 {{'qt.lora_linear' op has no gradient for operand #1: the base weight is frozen}}
  %y = qt.lora_linear %x, %w, %a, %b alpha 16.0 : tensor<8x64xf32>, tensor<64x64xf32>, tensor<64x8xf32>, tensor<8x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// expected-error@+1 {{result #1 has type 'i64'; qt-autodiff needs every result to be an f32/f16 tensor}}
func.func @integer_result(%x: tensor<8xf32> {qt.trainable}, %n: i64) -> (tensor<8xf32>, i64) {
  return %x, %n : tensor<8xf32>, i64
}

// -----

// expected-error@+1 {{qt-autodiff: no function has a qt.trainable argument; run qt-apply-method first}}
module {
  func.func @forward_only(%x: tensor<8xf32>) -> tensor<8xf32> {
    return %x : tensor<8xf32>
  }
}
