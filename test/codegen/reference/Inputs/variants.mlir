// Second ways to compute what the example layers compute, for qtc-run tests
// that compare the two.

// The deployed LoTA layer: a plain matmul on the merged weight alone.
func.func @lota_deployed(%x: tensor<8x256xf32>,
    %w: !qt.affine<256x64, bits = 4, group = 128, zero = float>) -> tensor<8x64xf32> {
  %y = qt.matmul %x, %w : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128, zero = float> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// The training-time LoTA forward as one composite op.
func.func @lota_composite(%x: tensor<8x256xf32>,
    %w: !qt.affine<256x64, bits = 4, group = 128>,
    %a: !qt.ternary<256x16>, %b: !qt.ternary<16x64>) -> tensor<8x64xf32> {
  %y = qt.lota_linear %x, %w, %a, %b omega 12.0 : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>, !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// The QEFT forward unfused: dequantized dense part plus the f16 tail.
func.func @qeft_unfused(%x: tensor<8x256xf32>,
    %wq: !qt.affine<256x64, bits = 4, group = 128>, %wf: tensor<16x64xf16>) -> tensor<8x64xf32> {
  %dense = qt.dequantize %wq : !qt.affine<256x64, bits = 4, group = 128> -> tensor<256x64xf32>
  %y0 = qt.matmul %x, %dense : tensor<8x256xf32>, tensor<256x64xf32> -> tensor<8x64xf32>
  %xw = tensor.extract_slice %x[0, 240] [8, 16] [1, 1] : tensor<8x256xf32> to tensor<8x16xf32>
  %wf32 = arith.extf %wf : tensor<16x64xf16> to tensor<16x64xf32>
  %y1 = qt.matmul %xw, %wf32 : tensor<8x16xf32>, tensor<16x64xf32> -> tensor<8x64xf32>
  %y = arith.addf %y0, %y1 : tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// Narrow float and integer element types through .npy files.
func.func @widen(%h: tensor<4xf16>, %b: tensor<4xbf16>, %x: tensor<2x4xf32>,
                 %cols: tensor<2xi32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xbf16>) {
  %hf = arith.extf %h : tensor<4xf16> to tensor<4xf32>
  %bf = arith.extf %b : tensor<4xbf16> to tensor<4xf32>
  %g = qt.gather %x, %cols axis 1 : tensor<2x4xf32>, tensor<2xi32> -> tensor<2x2xf32>
  %sum = arith.addf %bf, %hf : tensor<4xf32>
  %back = arith.truncf %sum : tensor<4xf32> to tensor<4xbf16>
  return %hf, %bf, %g, %back : tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xbf16>
}
