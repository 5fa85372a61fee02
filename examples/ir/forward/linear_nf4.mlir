// A forward linear layer with an NF4 base weight (a QLoRA checkpoint).
// `qtc-opt --qt-train-pipeline="method=gsq rank=32 alpha=64 group=32"` turns
// it into examples/ir/gsq_layer.mlir.
func.func @linear(%x: tensor<32x64xf32> {qt.name = "x"},
                  %w0: !qt.nf4<64x64> {qt.name = "w0"}) -> tensor<32x64xf32> {
  %y = qt.linear %x, %w0 : tensor<32x64xf32>, !qt.nf4<64x64> -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}
