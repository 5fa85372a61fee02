// RUN: qtc-opt %s --qt-insert-optimizer --verify-diagnostics

// expected-error@+1 {{t-SignSGD needs the schedule length: pass total-steps > 0 to qt-insert-optimizer}}
func.func @tsign(%a: !qt.ternary<4x2> {qt.trainable}, %g: tensor<4x2xf32>)
    -> (tensor<4x2xf32> {qt.grad_of = 0 : i64}) {
  return %g : tensor<4x2xf32>
}

// RUN: not qtc-opt %s --qt-insert-optimizer="total-steps=5 grad-norm=clipped" 2>&1 | FileCheck %s --check-prefix=SOURCE
// SOURCE: error: qt-insert-optimizer: grad-norm must be computed or argument, found 'clipped'
