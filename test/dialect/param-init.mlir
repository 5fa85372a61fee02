// RUN: qtc-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// How a trainer starts a parameter (qt-apply-method sets it): printed and
// parsed back.
// CHECK-LABEL: func.func @inits
// CHECK-SAME: {qt.init = #qt<param_init uniform_fan_in>}
// CHECK-SAME: {qt.init = #qt<param_init zeros>}
// CHECK-SAME: {qt.init = #qt<param_init ternary_kaiming>}
// CHECK-SAME: {qt.init = #qt<param_init given>}
func.func @inits(%a: tensor<64x8xf32> {qt.init = #qt<param_init uniform_fan_in>},
                 %b: tensor<8x64xf32> {qt.init = #qt<param_init zeros>},
                 %t: !qt.ternary<64x8> {qt.init = #qt<param_init ternary_kaiming>},
                 %w: tensor<4x64xf16> {qt.init = #qt<param_init given>}) {
  return
}

// -----

// expected-error @+1 {{argument #0: 'qt.init' must be a #qt<param_init ...>, found "zeros"}}
func.func @not_an_init(%a: tensor<64x8xf32> {qt.init = "zeros"}) {
  return
}

// -----

// expected-error @+2 {{expected ::mlir::qt::ParamInit to be one of: given, zeros, uniform_fan_in, ternary_kaiming}}
// expected-error @+1 {{failed to parse Qt_ParamInitAttr parameter 'value'}}
func.func @unknown_init(%a: tensor<64x8xf32> {qt.init = #qt<param_init kaiming>}) {
  return
}
