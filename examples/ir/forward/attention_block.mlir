// The attention half of a Llama decoder layer as `qtc import` spells it,
// for two sequences of 8 tokens: rmsnorm, q/k/v projections in Hugging
// Face's [out, in] layout, rope, causal grouped-query attention (4 heads
// over 2 kv heads of 8), o_proj and the residual. `qtc compile --method
// lora` adapts the four projections.
func.func @attention_block(%x: tensor<16x32xf32> {qt.name = "x"},
                           %norm: tensor<32xf32> {qt.frozen, qt.name = "norm"},
                           %wq: tensor<32x32xf32> {qt.frozen, qt.name = "q_proj"},
                           %wk: tensor<16x32xf32> {qt.frozen, qt.name = "k_proj"},
                           %wv: tensor<16x32xf32> {qt.frozen, qt.name = "v_proj"},
                           %wo: tensor<32x32xf32> {qt.frozen, qt.name = "o_proj"}) -> tensor<16x32xf32> {
  %n = qt.rmsnorm %x, %norm eps 1.0e-05 : tensor<16x32xf32>, tensor<32xf32>
  %q0 = qt.linear %n, %wq weight_layout out_in : tensor<16x32xf32>, tensor<32x32xf32> -> tensor<16x32xf32>
  %k0 = qt.linear %n, %wk weight_layout out_in : tensor<16x32xf32>, tensor<16x32xf32> -> tensor<16x16xf32>
  %v = qt.linear %n, %wv weight_layout out_in : tensor<16x32xf32>, tensor<16x32xf32> -> tensor<16x16xf32>
  %q = qt.rope %q0 heads 4 seq_len 8 : tensor<16x32xf32>
  %k = qt.rope %k0 heads 2 seq_len 8 : tensor<16x16xf32>
  %a = qt.attention %q, %k, %v heads 4 kv_heads 2 seq_len 8 : tensor<16x32xf32>, tensor<16x16xf32>, tensor<16x16xf32>
  %o = qt.linear %a, %wo weight_layout out_in : tensor<16x32xf32>, tensor<32x32xf32> -> tensor<16x32xf32>
  %y = arith.addf %x, %o : tensor<16x32xf32>
  return %y : tensor<16x32xf32>
}
