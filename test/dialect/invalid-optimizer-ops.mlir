// RUN: qtc-opt %s -split-input-file -verify-diagnostics

func.func @adamw_grad(%p: tensor<64x16xf32>, %g: tensor<16x64xf32>, %t: i64) {
  // expected-error @+1 {{'qt.adamw' op grad shape must be 64x16, found 16x64}}
  %0:3 = qt.adamw %p, %g, %g, %g, %t lr 1.0e-3 : tensor<64x16xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @adamw_lr(%p: tensor<64x16xf32>, %t: i64) {
  // expected-error @+1 {{'qt.adamw' op lr must be positive, found 0}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t lr 0.0 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @adamw_clip_without_bound(%p: tensor<64x16xf32>, %t: i64, %n: f32) {
  // expected-error @+1 {{'qt.adamw' op takes grad_norm and max_grad_norm together}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t grad_norm %n lr 1.0e-3 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @adamw_clip_without_norm(%p: tensor<64x16xf32>, %t: i64) {
  // expected-error @+1 {{'qt.adamw' op takes grad_norm and max_grad_norm together}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t lr 1.0e-3 max_grad_norm 1.0 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @adamw_clip_bound(%p: tensor<64x16xf32>, %t: i64, %n: f32) {
  // expected-error @+1 {{'qt.adamw' op max_grad_norm must be positive, found 0}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t grad_norm %n lr 1.0e-3 max_grad_norm 0.0 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @adamw_eps(%p: tensor<64x16xf32>, %t: i64) {
  // expected-error @+1 {{'qt.adamw' op eps must be positive, found -1}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t lr 1.0e-3 eps -1.0 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @adamw_beta(%p: tensor<64x16xf32>, %t: i64) {
  // expected-error @+1 {{'qt.adamw' op betas must be in [0, 1), found beta2 = 1}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t lr 1.0e-3 beta2 1.0 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @adamw_decay(%p: tensor<64x16xf32>, %t: i64) {
  // expected-error @+1 {{'qt.adamw' op weight_decay must be >= 0, found -5.000000e-01}}
  %0:3 = qt.adamw %p, %p, %p, %p, %t lr 1.0e-3 weight_decay -0.5 : tensor<64x16xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @tsign_grad(%a: !qt.ternary<256x16>, %g: tensor<16x256xf32>, %t: i64, %n: f32) {
  // expected-error @+1 {{'qt.tsign_sgd' op grad shape must be 256x16, found 16x256}}
  %0 = qt.tsign_sgd %a, %g, %t, %n total_steps 10 : !qt.ternary<256x16>, tensor<16x256xf32>
  return
}

// -----

func.func @tsign_steps(%a: !qt.ternary<256x16>, %g: tensor<256x16xf32>, %t: i64, %n: f32) {
  // expected-error @+1 {{'qt.tsign_sgd' op total_steps must be >= 1, found 0}}
  %0 = qt.tsign_sgd %a, %g, %t, %n total_steps 0 : !qt.ternary<256x16>, tensor<256x16xf32>
  return
}

// -----

// Read signed: upstream's I64Attr read -5 as 2^64 - 5, which passed.
func.func @tsign_negative_steps(%a: !qt.ternary<256x16>, %g: tensor<256x16xf32>, %t: i64, %n: f32) {
  // expected-error @+1 {{'qt.tsign_sgd' op total_steps must be >= 1, found -5}}
  %0 = qt.tsign_sgd %a, %g, %t, %n total_steps -5 : !qt.ternary<256x16>, tensor<256x16xf32>
  return
}

// -----

func.func @global_norm_of_nothing() -> f32 {
  // expected-error @+1 {{'qt.global_norm' op needs at least one tensor}}
  %0 = "qt.global_norm"() : () -> f32
  return %0 : f32
}
