// A forward linear layer with a 4-bit GPTQ base weight. With
// `--qt-train-pipeline="method=lota rank=16 total-steps=100"` it becomes
// examples/ir/lota_layer.mlir; with `method=qeft outliers=16 lr=2e-4`,
// examples/ir/qeft_layer.mlir (the weak input columns already last).
func.func @linear(%x: tensor<8x256xf32> {qt.name = "x"},
                  %w: !qt.affine<256x64, bits = 4, group = 128> {qt.name = "w"})
    -> tensor<8x64xf32> {
  %y = qt.linear %x, %w : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
