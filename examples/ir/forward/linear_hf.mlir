// One projection as `qtc import` writes it: the weight in Hugging Face's
// [out, in] layout (y = x w^T). `qtc compile --method lora` keeps that
// layout: the base is never transposed in memory.
func.func @proj(%x: tensor<8x64xf32> {qt.name = "x"},
                %w: tensor<32x64xf32> {qt.name = "w"}) -> tensor<8x32xf32> {
  %y = qt.linear %x, %w weight_layout out_in : tensor<8x64xf32>, tensor<32x64xf32> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
