// A forward linear layer with an f32 weight, y = x w: what an importer
// produces for one projection. `qtc-opt --qt-train-pipeline="method=lora
// rank=8 alpha=16"` turns it into examples/ir/lora_f32_layer.mlir.
func.func @linear(%x: tensor<8x64xf32> {qt.name = "x"},
                  %w: tensor<64x64xf32> {qt.name = "w"}) -> tensor<8x64xf32> {
  %y = qt.linear %x, %w : tensor<8x64xf32>, tensor<64x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
