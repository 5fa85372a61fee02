// RUN: qtc-opt %s --split-input-file --qt-insert-optimizer="lr=0.001 total-steps=50" | FileCheck %s
// RUN: qtc-opt %s --split-input-file --qt-insert-optimizer="total-steps=50 grad-norm=argument" | FileCheck %s --check-prefix=ARG
// RUN: qtc-opt %s --split-input-file --qt-insert-optimizer="lr=0.001 total-steps=50 lr-scale=true max-grad-norm=1.0" | FileCheck %s --check-prefix=SCHED

// With grad-norm=argument the caller gives the norm, one more argument.
// ARG-LABEL: func.func @tsign
// ARG-SAME:    %[[STEP:[^:]*]]: i64 {qt.name = "step", qt.step}, %[[NORM:[^:]*]]: f32 {qt.grad_norm, qt.name = "grad_norm"})
// ARG-NOT:     qt.global_norm
// ARG:         qt.tsign_sgd %{{.*}}, %{{.*}}, %[[STEP]], %[[NORM]] total_steps 50

// AdamW for an f32 parameter: the moments become arguments named after the
// parameter, the step is shared, and every returned state names the
// argument it replaces. Gradients of non-trainable arguments (dX) stay.
// CHECK-LABEL: func.func @adamw
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<8x64xf32>, %[[A:[^:]*]]: tensor<64x8xf32> {qt.name = "a", qt.trainable}, %[[H:[^:]*]]: tensor<16xf16> {qt.trainable}, %[[DY:[^:]*]]: tensor<8x8xf32>,
// CHECK-SAME:     %[[STEP:[^:]*]]: i64 {qt.name = "step", qt.step},
// CHECK-SAME:     %[[M:[^:]*]]: tensor<64x8xf32> {qt.name = "a.m", qt.optimizer_state}, %[[V:[^:]*]]: tensor<64x8xf32> {qt.name = "a.v", qt.optimizer_state},
// CHECK-SAME:     %[[HM:[^:]*]]: tensor<16xf32> {qt.name = "arg2.m", qt.optimizer_state}, %[[HV:[^:]*]]: tensor<16xf32> {qt.name = "arg2.v", qt.optimizer_state})
// CHECK-SAME:    -> (tensor<8x8xf32>, tensor<8x64xf32> {qt.grad_of = 0 : i64}, tensor<64x8xf32> {qt.updates = 1 : i64}, tensor<16xf16> {qt.updates = 2 : i64},
// CHECK-SAME:        tensor<64x8xf32> {qt.updates = 5 : i64}, tensor<64x8xf32> {qt.updates = 6 : i64}, tensor<16xf32> {qt.updates = 7 : i64}, tensor<16xf32> {qt.updates = 8 : i64})
// CHECK:         %[[A1:.*]], %[[M1:.*]], %[[V1:.*]] = qt.adamw %[[A]], %{{.*}}, %[[M]], %[[V]], %[[STEP]] lr 1.000000e-03 : tensor<64x8xf32>, tensor<64x8xf32>
// CHECK:         %[[H1:.*]], %[[HM1:.*]], %[[HV1:.*]] = qt.adamw %[[H]], %{{.*}}, %[[HM]], %[[HV]], %[[STEP]] lr 1.000000e-03 : tensor<16xf16>, tensor<16xf32>
// CHECK:         return %{{.*}}, %{{.*}}, %[[A1]], %[[H1]], %[[M1]], %[[V1]], %[[HM1]], %[[HV1]]
// With lr-scale and max-grad-norm: one f32 lr_scale argument after the
// step, the global norm of every AdamW gradient (not dX's), both read by
// each AdamW, and the norm returned last.
// SCHED-LABEL: func.func @adamw
// SCHED-SAME:    %[[STEP:[^:]*]]: i64 {qt.name = "step", qt.step}, %[[SCALE:[^:]*]]: f32 {qt.lr_scale, qt.name = "lr_scale"},
// SCHED-SAME:    -> (tensor<8x8xf32>, tensor<8x64xf32> {qt.grad_of = 0 : i64}, tensor<64x8xf32> {qt.updates = 1 : i64}, tensor<16xf16> {qt.updates = 2 : i64},
// SCHED-SAME:        tensor<16xf32> {qt.updates = 9 : i64}, f32 {qt.grad_norm})
// SCHED:         %[[DA:.*]] = qt.matmul %{{.*}}, %{{.*}} transpose_a
// SCHED:         %[[DH:.*]] = arith.constant
// SCHED:         %[[NORM:.*]] = qt.global_norm %[[DA]], %[[DH]] : tensor<64x8xf32>, tensor<16xf32>
// SCHED:         qt.adamw %{{.*}}, %[[DA]], %{{.*}}, %{{.*}}, %[[STEP]] lr_scale %[[SCALE]] grad_norm %[[NORM]] lr 1.000000e-03 max_grad_norm 1.000000e+00 : tensor<64x8xf32>, tensor<64x8xf32>
// SCHED:         qt.adamw %{{.*}}, %[[DH]], %{{.*}}, %{{.*}}, %[[STEP]] lr_scale %[[SCALE]] grad_norm %[[NORM]] lr 1.000000e-03 max_grad_norm 1.000000e+00 : tensor<16xf16>, tensor<16xf32>
// SCHED:         return {{.*}}, %[[NORM]] :
func.func @adamw(%x: tensor<8x64xf32>, %a: tensor<64x8xf32> {qt.name = "a", qt.trainable},
                 %h: tensor<16xf16> {qt.trainable}, %dy: tensor<8x8xf32>)
    -> (tensor<8x8xf32>, tensor<8x64xf32> {qt.grad_of = 0 : i64},
        tensor<64x8xf32> {qt.grad_of = 1 : i64}, tensor<16xf32> {qt.grad_of = 2 : i64}) {
  %y = qt.matmul %x, %a : tensor<8x64xf32>, tensor<64x8xf32> -> tensor<8x8xf32>
  %dx = qt.matmul %dy, %a transpose_b : tensor<8x8xf32>, tensor<64x8xf32> -> tensor<8x64xf32>
  %da = qt.matmul %x, %dy transpose_a : tensor<8x64xf32>, tensor<8x8xf32> -> tensor<64x8xf32>
  %dh = arith.constant dense<1.0> : tensor<16xf32>
  return %y, %dx, %da, %dh : tensor<8x8xf32>, tensor<8x64xf32>, tensor<64x8xf32>, tensor<16xf32>
}

// -----

// t-SignSGD for ternary parameters reads the step (a new argument) and the
// global norm of the adapters' gradients, computed in the step.
// CHECK-LABEL: func.func @tsign
// CHECK-SAME:    %[[A:[^:]*]]: !qt.ternary<4x2> {qt.trainable}, %[[G:[^:]*]]: tensor<4x2xf32>, %[[STEP:[^:]*]]: i64 {qt.name = "step", qt.step})
// CHECK-SAME:    -> (!qt.ternary<4x2> {qt.updates = 0 : i64})
// CHECK:         %[[NORM:.*]] = qt.global_norm %[[G]] : tensor<4x2xf32>
// CHECK:         %[[A1:.*]] = qt.tsign_sgd %[[A]], %[[G]], %[[STEP]], %[[NORM]] total_steps 50 : !qt.ternary<4x2>, tensor<4x2xf32>
// CHECK:         return %[[A1]]
func.func @tsign(%a: !qt.ternary<4x2> {qt.trainable}, %g: tensor<4x2xf32>)
    -> (tensor<4x2xf32> {qt.grad_of = 0 : i64}) {
  return %g : tensor<4x2xf32>
}

// -----

// Nothing to train: the function is left as it is.
// CHECK-LABEL: func.func @inference
// CHECK-SAME:    (%{{[^:]*}}: tensor<4xf32>) -> tensor<4xf32>
func.func @inference(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
