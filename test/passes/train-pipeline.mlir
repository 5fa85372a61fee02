// RUN: qtc-opt %qtc_src_root/examples/ir/forward/linear_affine.mlir --qt-train-pipeline="method=lota rank=16 total-steps=100" | FileCheck %s --check-prefix=LOTA
// RUN: qtc-opt %qtc_src_root/examples/ir/forward/linear_nf4.mlir --qt-train-pipeline="method=gsq rank=32 alpha=64 group=32" | FileCheck %s --check-prefix=GSQ
// RUN: qtc-opt %qtc_src_root/examples/ir/forward/linear_f32.mlir --qt-train-pipeline="method=lora rank=8 alpha=16" | FileCheck %s --check-prefix=LORA
// RUN: not qtc-opt %qtc_src_root/examples/ir/forward/linear_affine.mlir --qt-train-pipeline="method=lota rank=16" 2>&1 | FileCheck %s --check-prefix=NO-STEPS

// One flag takes a forward layer to a training step of primitive ops. The
// values the backward rebuilt (LoTA's merged weight, LoRA's H, GSQ's forward
// casts) exist once after CSE. Bit-exactness against the hand-written steps
// is checked in train-pipeline-matches-examples.test.

// LOTA-LABEL: func.func @linear
// LOTA-COUNT-1: qt.lota_merge
// LOTA-NOT:     qt.lota_merge
// LOTA:         qt.lota_delta_grad
// LOTA-COUNT-2: qt.tsign_sgd {{.*}} total_steps 100
// LOTA-NOT:     qt.lota_linear

// GSQ-LABEL: func.func @linear
// GSQ-COUNT-1:  qt.quantize %arg0 :
// GSQ-NOT:      qt.quantize %arg0 :
// GSQ-COUNT-2:  qt.adamw
// GSQ-NOT:      qt.lora_linear

// LORA-LABEL: func.func @linear
// LORA-COUNT-1: qt.matmul %arg0, %arg2 :
// LORA-NOT:     qt.matmul %arg0, %arg2 :
// LORA-COUNT-2: qt.adamw

// NO-STEPS: error: t-SignSGD needs the schedule length: pass total-steps > 0 to qt-insert-optimizer
