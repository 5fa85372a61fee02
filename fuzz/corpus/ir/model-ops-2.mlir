func.func @model_grads(%x: tensor<8x64xf32>, %nw: tensor<64xf32>, %q: tensor<32x256xf32>,
                       %kv: tensor<32x64xf32>, %g: tensor<8x128xf32>, %ids: tensor<8xi64>,
                       %logits: tensor<8x1000xf32>, %dloss: tensor<f32>) {
  %0:2 = qt.rmsnorm_grad %x, %nw, %x eps 1.0e-5 : tensor<8x64xf32>, tensor<64xf32>
  %1:3 = qt.attention_grad %q, %kv, %kv, %q heads 8 kv_heads 2 seq_len 16 : tensor<32x256xf32>, tensor<32x64xf32>
  %2 = qt.rope %kv heads 2 seq_len 16 inverse : tensor<32x64xf32>
  %3:2 = qt.swiglu_grad %g, %g, %g : tensor<8x128xf32>
  %4 = qt.embedding_grad %ids, %x : tensor<8xi64>, tensor<8x64xf32> -> tensor<1000x64xf32>
  %5 = qt.cross_entropy_grad %logits, %ids, %dloss : tensor<8x1000xf32>, tensor<8xi64>, tensor<f32>
  %6 = qt.row_sum %x : tensor<8x64xf32> -> tensor<64xf32>
  return
}
