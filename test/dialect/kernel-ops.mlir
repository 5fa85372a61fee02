// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// CHECK-LABEL: func.func @kernel
// CHECK:         %[[K:.*]]:2 = qt.kernel "scale_and_cast" ins(%{{.*}}, %{{.*}} : tensor<8x64xf32>, i64) -> tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic> attributes {qt.arena = array<i64: 0, 2048, 2560>} {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<8x64xf32>, %[[S:.*]]: i64):
// CHECK-NEXT:      %[[C:.*]] = arith.constant dense<2.000000e+00> : tensor<8x64xf32>
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[X]], %[[C]]
// CHECK-NEXT:      %[[Q:.*]] = qt.quantize %[[Y]] seed %[[S]]
// CHECK-NEXT:      qt.yield %[[Y]], %[[Q]] : tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
// CHECK:         return %[[K]]#0, %[[K]]#1
func.func @kernel(%x: tensor<8x64xf32>, %seed: i64)
    -> (tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>) {
  %y, %q = qt.kernel "scale_and_cast" ins(%x, %seed : tensor<8x64xf32>, i64)
      -> tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
      attributes {qt.arena = array<i64: 0, 2048, 2560>} {
  ^bb0(%v: tensor<8x64xf32>, %s: i64):
    %two = arith.constant dense<2.0> : tensor<8x64xf32>
    %r = arith.mulf %v, %two : tensor<8x64xf32>
    %c = qt.quantize %r seed %s : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1, rounding = stochastic>
    qt.yield %r, %c : tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
  }
  return %y, %q : tensor<8x64xf32>, !qt.gse<8x64, axis = 1, rounding = stochastic>
}

// The registry kernel qt-select-kernels chose, with every parameter.
// CHECK-LABEL: func.func @selected
// CHECK:         qt.kernel "add" calls #qt.ukernel<"elementwise", {op = "add"}> ins(%{{.*}}, %{{.*}} : tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32> {
func.func @selected(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %y = qt.kernel "add" calls #qt.ukernel<"elementwise", {op = "add"}> ins(%a, %b : tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%x: tensor<8xf32>, %z: tensor<8xf32>):
    %s = arith.addf %x, %z : tensor<8xf32>
    qt.yield %s : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}
