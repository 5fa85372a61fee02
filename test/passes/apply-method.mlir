// RUN: qtc-opt %s --qt-apply-method="method=lora rank=4 alpha=8" | FileCheck %s --check-prefix=LORA
// RUN: qtc-opt %s --qt-apply-method="method=gsq rank=32 group=16" | FileCheck %s --check-prefix=GSQ
// RUN: qtc-opt %s --qt-apply-method="method=lota rank=16 omega=10" | FileCheck %s --check-prefix=LOTA
// RUN: qtc-opt %s --qt-apply-method="method=qeft outliers=4" | FileCheck %s --check-prefix=QEFT

// Each qt.linear gets its own parameters, appended as trainable arguments
// named after the layer; a base weight that is an argument becomes frozen.

// LORA-LABEL: func.func @two_layers
// LORA-SAME:    %[[X:[^:]*]]: tensor<32x256xf32>
// LORA-SAME:    %[[W1:[^:]*]]: !qt.affine<256x128, bits = 4, group = 128> {qt.frozen}
// LORA-SAME:    %[[W2:[^:]*]]: !qt.affine<128x64, bits = 4, group = 128> {qt.frozen}
// LORA-SAME:    %[[A0:[^:]*]]: tensor<256x4xf32> {qt.init = #qt<param_init uniform_fan_in>, qt.name = "linear0.a", qt.trainable}
// LORA-SAME:    %[[B0:[^:]*]]: tensor<4x128xf32> {qt.init = #qt<param_init zeros>, qt.name = "linear0.b", qt.trainable}
// LORA-SAME:    %[[A1:[^:]*]]: tensor<128x4xf32> {qt.init = #qt<param_init uniform_fan_in>, qt.name = "linear1.a", qt.trainable}
// LORA-SAME:    %[[B1:[^:]*]]: tensor<4x64xf32> {qt.init = #qt<param_init zeros>, qt.name = "linear1.b", qt.trainable}
// LORA:         %[[H:.*]] = qt.lora_linear %[[X]], %[[W1]], %[[A0]], %[[B0]] alpha 8.000000e+00 :
// LORA:         qt.lora_linear %[[H]], %[[W2]], %[[A1]], %[[B1]] alpha 8.000000e+00 :
// LORA-NOT:     qt.linear

// GSQ-LABEL: func.func @two_layers
// GSQ-SAME:    tensor<256x32xf32> {qt.init = #qt<param_init uniform_fan_in>, qt.name = "linear0.a", qt.trainable}
// GSQ:         qt.lora_linear {{.*}} alpha 1.600000e+01 gsq <group = 16> :
// GSQ:         qt.lora_linear {{.*}} alpha 1.600000e+01 gsq <group = 16> :

// LOTA-LABEL: func.func @two_layers
// LOTA-SAME:    %[[X:[^:]*]]: tensor<32x256xf32>
// LOTA-SAME:    %[[W1:[^:]*]]: !qt.affine<256x128, bits = 4, group = 128> {qt.frozen}
// LOTA-SAME:    %[[W2:[^:]*]]: !qt.affine<128x64, bits = 4, group = 128> {qt.frozen}
// LOTA-SAME:    %[[A0:[^:]*]]: !qt.ternary<256x16> {qt.init = #qt<param_init ternary_kaiming>, qt.name = "linear0.a", qt.trainable}
// LOTA-SAME:    %[[B0:[^:]*]]: !qt.ternary<16x128> {qt.init = #qt<param_init zeros>, qt.name = "linear0.b", qt.trainable}
// LOTA:         %[[H:.*]] = qt.lota_linear %[[X]], %[[W1]], %[[A0]], %[[B0]] omega 1.000000e+01 :
// LOTA:         qt.lota_linear %[[H]], %[[W2]], {{.*}} omega 1.000000e+01 :

// QEFT-LABEL: func.func @two_layers
// QEFT-SAME:    %[[X:[^:]*]]: tensor<32x256xf32>
// QEFT-SAME:    %[[W1:[^:]*]]: !qt.affine<256x128, bits = 4, group = 128> {qt.frozen}
// QEFT-SAME:    %[[W2:[^:]*]]: !qt.affine<128x64, bits = 4, group = 128> {qt.frozen}
// QEFT-SAME:    %[[F0:[^:]*]]: tensor<4x128xf16> {qt.init = #qt<param_init given>, qt.name = "linear0.weak", qt.trainable}
// QEFT-SAME:    %[[F1:[^:]*]]: tensor<4x64xf16> {qt.init = #qt<param_init given>, qt.name = "linear1.weak", qt.trainable}
// QEFT:         %[[H:.*]] = qt.qeft_linear %[[X]], %[[W1]], %[[F0]] :
// QEFT:         qt.qeft_linear %[[H]], %[[W2]], %[[F1]] :
func.func @two_layers(%x: tensor<32x256xf32>,
                      %w1: !qt.affine<256x128, bits = 4, group = 128>,
                      %w2: !qt.affine<128x64, bits = 4, group = 128>) -> tensor<32x64xf32> {
  %h = qt.linear %x, %w1 : tensor<32x256xf32>, !qt.affine<256x128, bits = 4, group = 128> -> tensor<32x128xf32>
  %y = qt.linear %h, %w2 : tensor<32x128xf32>, !qt.affine<128x64, bits = 4, group = 128> -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

// A weight that is not an argument (quantized in the function) stays as it
// is; only the new parameters are marked.
// LORA-LABEL: func.func @computed_weight
// LORA-SAME:    (%{{[^:]*}}: tensor<32x256xf32>, %{{[^:]*}}: tensor<256x64xf32>, %{{[^:]*}}: tensor<256x4xf32> {qt.init = #qt<param_init uniform_fan_in>, qt.name = "linear2.a", qt.trainable}
// QEFT-LABEL: func.func @computed_weight
// QEFT-SAME:    (%{{[^:]*}}: tensor<32x256xf32>, %{{[^:]*}}: tensor<256x64xf32>, %{{[^:]*}}: tensor<4x64xf16> {qt.init = #qt<param_init given>, qt.name = "linear2.weak", qt.trainable})
func.func @computed_weight(%x: tensor<32x256xf32>, %w: tensor<256x64xf32>) -> tensor<32x64xf32> {
  %wq = qt.quantize %w : tensor<256x64xf32> -> !qt.affine<256x64, bits = 4, group = 128>
  %y = qt.linear %x, %wq : tensor<32x256xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

// An imported model's layers: `targets` picks them by module name, the
// adapters are named after the module, and f32 LoRA keeps Hugging Face's
// [out, in] base (in = 64, out = 32 for q_proj).
// RUN: qtc-opt %S/Inputs/model-names.mlir --qt-apply-method="method=lora rank=4 targets=q_proj" | FileCheck %s --check-prefix=NAMES
// NAMES-LABEL: func.func @inlined
// NAMES-SAME:    %[[A:[^:]*]]: tensor<64x4xf32> {qt.init = #qt<param_init uniform_fan_in>, qt.name = "model.layers.3.self_attn.q_proj.a", qt.trainable}
// NAMES-SAME:    %[[B:[^:]*]]: tensor<4x32xf32> {qt.init = #qt<param_init zeros>, qt.name = "model.layers.3.self_attn.q_proj.b", qt.trainable}
// NAMES:         qt.lora_linear %{{.*}}, %{{.*}}, %[[A]], %[[B]] alpha 1.600000e+01 weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16>
// NAMES:         qt.linear %{{.*}}, %{{.*}} weight_layout out_in : tensor<8x32xf32>, tensor<64x32xf32>
// GSQ keeps a float [out, in] base too (a bf16 one: cast after widening).
// RUN: qtc-opt %S/Inputs/model-names.mlir --qt-apply-method="method=gsq rank=8 group=8 targets=q_proj" | FileCheck %s --check-prefix=GSQHF
// GSQHF: qt.lora_linear %{{.*}} gsq <group = 8> weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16>, tensor<64x8xf32>, tensor<8x32xf32>
// RUN: qtc-opt %S/Inputs/model-names.mlir --qt-apply-method="method=lora rank=4" | FileCheck %s --check-prefix=ALL
// ALL: qt.name = "model.layers.3.self_attn.q_proj.a"
// ALL: qt.name = "model.layers.3.self_attn.o_proj.b"
// ALL-NOT: qt.linear
