// The last cases are errors, so qtc-opt fails; the IR of the others is
// still printed (stdout) after the diagnostics (stderr).
// RUN: not qtc-opt %s --split-input-file --qt-plan-memory 2>/dev/null | FileCheck %s
// RUN: not qtc-opt %s --split-input-file --qt-plan-memory --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// A chain a -> b -> c -> d of 1 KiB results: b overlaps a and c, a and c
// never meet, so c reuses a's bytes. Peak 2 KiB for 3 KiB of
// intermediates; the returned d is written straight into the caller's
// result buffer (offset -1).
// REMARK: remark: arena of 2048 bytes for 3 intermediates of 3072 bytes; 1 results written in place
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    qt.arena_size = 2048
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: 0>}
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: 1024>}
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: 0>}
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: -1>}
func.func @chain(%x: tensor<256xf32>) -> tensor<256xf32> {
  %a = qt.kernel "add" ins(%x : tensor<256xf32>) -> tensor<256xf32> {
  ^bb0(%v: tensor<256xf32>):
    %r = arith.addf %v, %v : tensor<256xf32>
    qt.yield %r : tensor<256xf32>
  }
  %b = qt.kernel "add" ins(%a : tensor<256xf32>) -> tensor<256xf32> {
  ^bb0(%v: tensor<256xf32>):
    %r = arith.addf %v, %v : tensor<256xf32>
    qt.yield %r : tensor<256xf32>
  }
  %c = qt.kernel "add" ins(%b : tensor<256xf32>) -> tensor<256xf32> {
  ^bb0(%v: tensor<256xf32>):
    %r = arith.addf %v, %v : tensor<256xf32>
    qt.yield %r : tensor<256xf32>
  }
  %d = qt.kernel "add" ins(%c : tensor<256xf32>) -> tensor<256xf32> {
  ^bb0(%v: tensor<256xf32>):
    %r = arith.addf %v, %v : tensor<256xf32>
    qt.yield %r : tensor<256xf32>
  }
  return %d : tensor<256xf32>
}

// -----

// A reshape is a view of its source's bytes: b reads a through %v, so a
// stays live until b has run and b cannot take a's bytes; c can. The view
// itself gets no place.
// REMARK: remark: arena of 2048 bytes for 3 intermediates of 3072 bytes; 1 results written in place
// CHECK-LABEL: func.func @view
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: 0>}
// CHECK:         tensor.expand_shape
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: 1024>}
// CHECK:         qt.kernel "add" {{.*}} attributes {qt.arena = array<i64: 0>}
func.func @view(%x: tensor<256xf32>) -> tensor<16x16xf32> {
  %a = qt.kernel "add" ins(%x : tensor<256xf32>) -> tensor<256xf32> {
  ^bb0(%u: tensor<256xf32>):
    %r = arith.addf %u, %u : tensor<256xf32>
    qt.yield %r : tensor<256xf32>
  }
  %v = tensor.expand_shape %a [[0, 1]] output_shape [16, 16] : tensor<256xf32> into tensor<16x16xf32>
  %b = qt.kernel "add" ins(%v : tensor<16x16xf32>) -> tensor<16x16xf32> {
  ^bb0(%u: tensor<16x16xf32>):
    %r = arith.addf %u, %u : tensor<16x16xf32>
    qt.yield %r : tensor<16x16xf32>
  }
  %c = qt.kernel "add" ins(%b : tensor<16x16xf32>) -> tensor<16x16xf32> {
  ^bb0(%u: tensor<16x16xf32>):
    %r = arith.addf %u, %u : tensor<16x16xf32>
    qt.yield %r : tensor<16x16xf32>
  }
  %d = qt.kernel "add" ins(%c : tensor<16x16xf32>) -> tensor<16x16xf32> {
  ^bb0(%u: tensor<16x16xf32>):
    %r = arith.addf %u, %u : tensor<16x16xf32>
    qt.yield %r : tensor<16x16xf32>
  }
  return %d : tensor<16x16xf32>
}

// -----

// Each storage tensor of a quantized result has its own 64-byte aligned
// place: 8x64 i8 mantissas (512 bytes) and 8x2 i8 exponents (16 -> 64),
// next to the 8x64 f32 (2048 bytes) placed first as the largest. All three
// are read by the last kernel, so they are live together: no reuse.
// REMARK: remark: arena of 2624 bytes for 3 intermediates of 2624 bytes; 1 results written in place
// CHECK-LABEL: func.func @quantized
// CHECK:         qt.kernel "quantize" {{.*}} attributes {qt.arena = array<i64: 2048, 2560>}
// CHECK:         qt.kernel "neg" {{.*}} attributes {qt.arena = array<i64: 0>}
// CHECK:         qt.kernel "dequantize_add" {{.*}} attributes {qt.arena = array<i64: -1>}
func.func @quantized(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %q = qt.kernel "quantize" ins(%x : tensor<8x64xf32>) -> !qt.gse<8x64, axis = 1> {
  ^bb0(%v: tensor<8x64xf32>):
    %r = qt.quantize %v : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1>
    qt.yield %r : !qt.gse<8x64, axis = 1>
  }
  %n = qt.kernel "neg" ins(%x : tensor<8x64xf32>) -> tensor<8x64xf32> {
  ^bb0(%v: tensor<8x64xf32>):
    %r = arith.negf %v : tensor<8x64xf32>
    qt.yield %r : tensor<8x64xf32>
  }
  %s = qt.kernel "dequantize_add" ins(%q, %n : !qt.gse<8x64, axis = 1>, tensor<8x64xf32>) -> tensor<8x64xf32> {
  ^bb0(%qv: !qt.gse<8x64, axis = 1>, %nv: tensor<8x64xf32>):
    %d = qt.dequantize %qv : !qt.gse<8x64, axis = 1> -> tensor<8x64xf32>
    %r = arith.addf %d, %nv : tensor<8x64xf32>
    qt.yield %r : tensor<8x64xf32>
  }
  return %s : tensor<8x64xf32>
}

// -----

func.func @unfused(%x: tensor<8xf32>) -> tensor<8xf32> {
  // REMARK: error: 'arith.addf' op computes a tensor outside a qt.kernel; run qt-fuse before qt-plan-memory
  %y = arith.addf %x, %x : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A static arena needs static shapes.
// REMARK: error: qt-plan-memory needs static shapes; the function takes or returns 'tensor<?x8xf32>'
func.func @dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  return %x : tensor<?x8xf32>
}

// -----

func.func @dynamic_kernel(%x: tensor<4x8xf32>, %n: index) -> tensor<4x8xf32> {
  // REMARK: error: 'qt.kernel' op qt-plan-memory needs static shapes; a result has 'tensor<?x8xf32>'
  %y = qt.kernel "empty" ins(%n : index) -> tensor<?x8xf32> {
  ^bb0(%m: index):
    %e = tensor.empty(%m) : tensor<?x8xf32>
    qt.yield %e : tensor<?x8xf32>
  }
  return %x : tensor<4x8xf32>
}
