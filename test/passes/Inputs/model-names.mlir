// Two projections as `qtc import` writes them, inlined: each op's location
// names its HF module, each layer call's location its layer.
func.func @inlined(%x: tensor<8x64xf32>, %wq: tensor<32x64xbf16> {qt.frozen}, %wo: tensor<64x32xf32> {qt.frozen}) -> tensor<8x64xf32> {
  %q = qt.linear %x, %wq weight_layout out_in : tensor<8x64xf32>, tensor<32x64xbf16> -> tensor<8x32xf32> loc(callsite("self_attn.q_proj" at "model.layers.3"))
  %o = qt.linear %q, %wo weight_layout out_in : tensor<8x32xf32>, tensor<64x32xf32> -> tensor<8x64xf32> loc(callsite("self_attn.o_proj" at "model.layers.3"))
  return %o : tensor<8x64xf32>
}
