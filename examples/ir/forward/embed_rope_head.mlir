// The ends of a decoder: token embedding, a bias, rope (Llama 3 scaling),
// rmsnorm, an lm_head in Hugging Face's layout and the next-token loss of
// two sequences of 8 tokens. The table and bias train in full (qt.trainable:
// embedding_grad, row_sum); `qtc compile --method lora` adapts the head.
func.func @embed_rope_head(%ids: tensor<16xi64> {qt.name = "ids"},
                           %table: tensor<50x32xf32> {qt.name = "table", qt.trainable},
                           %bias: tensor<32xf32> {qt.name = "bias", qt.trainable},
                           %norm: tensor<32xf32> {qt.frozen, qt.name = "norm"},
                           %head: tensor<50x32xf32> {qt.name = "head"},
                           %labels: tensor<16xi64> {qt.name = "labels"}) -> tensor<f32> {
  %x = qt.embedding %table, %ids : tensor<50x32xf32>, tensor<16xi64> -> tensor<16x32xf32>
  %xb = qt.bias_add %x, %bias : tensor<16x32xf32>, tensor<32xf32>
  %r = qt.rope %xb heads 4 seq_len 8 theta 5.0e+05 scaling <factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 4> : tensor<16x32xf32>
  %n = qt.rmsnorm %r, %norm eps 1.0e-05 : tensor<16x32xf32>, tensor<32xf32>
  %logits = qt.linear %n, %head weight_layout out_in : tensor<16x32xf32>, tensor<50x32xf32> -> tensor<16x50xf32>
  %loss = qt.cross_entropy %logits, %labels : tensor<16x50xf32>, tensor<16xi64> -> tensor<f32>
  return %loss : tensor<f32>
}
