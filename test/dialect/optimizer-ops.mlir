// RUN: qtc-opt %s | qtc-opt | FileCheck %s
// RUN: qtc-opt %s --mlir-print-op-generic | qtc-opt | FileCheck %s

// CHECK-LABEL: func.func @adamw
func.func @adamw(%p: tensor<64x16xf32>, %ph: tensor<16x64xf16>, %g: tensor<64x16xf32>,
                 %gh: tensor<16x64xf32>, %t: i64, %s: f32, %n: f32) {
  // CHECK: qt.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} lr 1.000000e-03 : tensor<64x16xf32>, tensor<64x16xf32>
  %0:3 = qt.adamw %p, %g, %g, %g, %t lr 1.0e-3 : tensor<64x16xf32>, tensor<64x16xf32>
  // CHECK: qt.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} lr 2.000000e-04 beta1 8.000000e-01 beta2 9.900000e-01 eps 9.99999997E-7 weight_decay 0.00999999977 : tensor<16x64xf16>, tensor<16x64xf32>
  %1:3 = qt.adamw %ph, %gh, %gh, %gh, %t lr 2.0e-4 beta1 0.8 beta2 0.99 eps 1.0e-6 weight_decay 0.01 : tensor<16x64xf16>, tensor<16x64xf32>
  // A schedule's factor and clipping, each alone and together.
  // CHECK: qt.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} lr_scale %{{.*}} lr 1.000000e-03 : tensor<64x16xf32>, tensor<64x16xf32>
  %2:3 = qt.adamw %p, %g, %g, %g, %t lr_scale %s lr 1.0e-3 : tensor<64x16xf32>, tensor<64x16xf32>
  // CHECK: qt.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} grad_norm %{{.*}} lr 1.000000e-03 max_grad_norm 1.000000e+00 : tensor<64x16xf32>, tensor<64x16xf32>
  %3:3 = qt.adamw %p, %g, %g, %g, %t grad_norm %n lr 1.0e-3 max_grad_norm 1.0 : tensor<64x16xf32>, tensor<64x16xf32>
  // CHECK: qt.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} lr_scale %{{.*}} grad_norm %{{.*}} lr 1.000000e-03 max_grad_norm 5.000000e-01 : tensor<16x64xf16>, tensor<16x64xf32>
  %4:3 = qt.adamw %ph, %gh, %gh, %gh, %t lr_scale %s grad_norm %n lr 1.0e-3 max_grad_norm 0.5 : tensor<16x64xf16>, tensor<16x64xf32>
  return
}

// CHECK-LABEL: func.func @tsign_sgd
func.func @tsign_sgd(%a: !qt.ternary<256x16>, %g: tensor<256x16xf32>, %t: i64, %norm: f32, %level: f32) {
  // CHECK: qt.tsign_sgd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} total_steps 100 : !qt.ternary<256x16>, tensor<256x16xf32>
  %0 = qt.tsign_sgd %a, %g, %t, %norm total_steps 100 : !qt.ternary<256x16>, tensor<256x16xf32>
  // CHECK: qt.quantile %{{.*}}, %{{.*}} abs : tensor<256x16xf32>
  %1 = qt.quantile %g, %level abs : tensor<256x16xf32>
  // CHECK: qt.quantile %{{.*}}, %{{.*}} : tensor<256x16xf32>
  %2 = qt.quantile %g, %level : tensor<256x16xf32>
  // CHECK: qt.global_norm %{{.*}}, %{{.*}} : tensor<256x16xf32>, tensor<256x16xf32>
  %3 = qt.global_norm %g, %g : tensor<256x16xf32>, tensor<256x16xf32>
  return
}
