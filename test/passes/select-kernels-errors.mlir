// RUN: qtc-opt %s --split-input-file --qt-select-kernels --verify-diagnostics

// What no registry kernel computes is an error at the op.
func.func @f16_product(%x: tensor<8x64xf16>, %w: tensor<64x16xf32>) -> tensor<8x16xf32> {
  %0 = qt.kernel "matmul" ins(%x, %w : tensor<8x64xf16>, tensor<64x16xf32>) -> tensor<8x16xf32> {
  ^bb0(%p: tensor<8x64xf16>, %q: tensor<64x16xf32>):
    // expected-error@+1 {{'qt.matmul' op has no kernel for operands 'tensor<8x64xf16>' and 'tensor<64x16xf32>'}}
    %r = qt.matmul %p, %q : tensor<8x64xf16>, tensor<64x16xf32> -> tensor<8x16xf32>
    qt.yield %r : tensor<8x16xf32>
  }
  return %0 : tensor<8x16xf32>
}

// -----

func.func @g_idx(%x: tensor<8x256xf32>, %w: !qt.affine<256x64, bits = 4, group = 128, g_idx = true>) -> tensor<8x64xf32> {
  %0 = qt.kernel "matmul" ins(%x, %w : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, g_idx = true>) -> tensor<8x64xf32> {
  ^bb0(%p: tensor<8x256xf32>, %q: !qt.affine<256x64, bits = 4, group = 128, g_idx = true>):
    // expected-error@+1 {{'qt.matmul' op has no kernel for an affine weight '!qt.affine<256x64, bits = 4, group = 128, g_idx = true>' (g_idx is not generated yet)}}
    %r = qt.matmul %p, %q : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, g_idx = true> -> tensor<8x64xf32>
    qt.yield %r : tensor<8x64xf32>
  }
  return %0 : tensor<8x64xf32>
}

// -----

func.func @f16_pad(%x: tensor<8x16xf16>) -> tensor<8x32xf16> {
  %0 = qt.kernel "pad" ins(%x : tensor<8x16xf16>) -> tensor<8x32xf16> {
  ^bb0(%p: tensor<8x16xf16>):
    %zero = arith.constant 0.0 : f16
    // expected-error@+1 {{'tensor.pad' op has no kernel: the generic pad takes a 2-D f32, i32 or i64 tensor, static lows and a constant value}}
    %r = tensor.pad %p low[0, 16] high[0, 0] {
    ^bb0(%i: index, %j: index):
      tensor.yield %zero : f16
    } : tensor<8x16xf16> to tensor<8x32xf16>
    qt.yield %r : tensor<8x32xf16>
  }
  return %0 : tensor<8x32xf16>
}

// -----

// The verifier does not check static slice bounds; the selection does.
func.func @slice_past_the_end(%x: tensor<8x256xf32>) -> tensor<8x16xf32> {
  %0 = qt.kernel "extract_slice" ins(%x : tensor<8x256xf32>) -> tensor<8x16xf32> {
  ^bb0(%p: tensor<8x256xf32>):
    // expected-error@+1 {{'tensor.extract_slice' op reads dimension 1 of its source at 285, past its extent 256}}
    %r = tensor.extract_slice %p[0, 240] [8, 16] [1, 3] : tensor<8x256xf32> to tensor<8x16xf32>
    qt.yield %r : tensor<8x16xf32>
  }
  return %0 : tensor<8x16xf32>
}

// -----

// expected-error@+2 {{'qt.kernel' op of kind 'matmul_add' is not a matmul and an add}}
func.func @add_epilogue_without_a_matmul(%x: tensor<8x8xf32>, %y: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %0 = qt.kernel "matmul_add" ins(%x, %y : tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32> {
  ^bb0(%p: tensor<8x8xf32>, %q: tensor<8x8xf32>):
    %t = arith.addf %p, %q : tensor<8x8xf32>
    qt.yield %t : tensor<8x8xf32>
  }
  return %0 : tensor<8x8xf32>
}
