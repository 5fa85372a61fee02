func.func @model_ops(%x: tensor<8x64xf32>, %nw: tensor<64xf32>, %q: tensor<32x256xf32>,
                     %kv: tensor<32x64xf32>, %pos: tensor<32xi64>, %g: tensor<8x128xf32>,
                     %table: tensor<1000x64xf32>, %ids: tensor<8xi64>, %ids2: tensor<2x4xi32>,
                     %logits: tensor<8x1000xf32>) {
  %0 = qt.rmsnorm %x, %nw eps 1.0e-6 : tensor<8x64xf32>, tensor<64xf32>
  %1 = qt.rmsnorm %x, %nw eps 1.0e-5 : tensor<8x64xf32>, tensor<64xf32>
  %2 = qt.rope %q heads 8 seq_len 16 : tensor<32x256xf32>
  %3 = qt.rope %q positions %pos heads 8 theta 1.0e6 : tensor<32x256xf32>, tensor<32xi64>
  %r = qt.rope %kv heads 2 seq_len 16 theta 5.0e5 scaling <factor = 32.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192> : tensor<32x64xf32>
  %4 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 16 : tensor<32x256xf32>, tensor<32x64xf32>, tensor<32x64xf32>
  %5 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 32 scale 0.125 : tensor<32x256xf32>, tensor<32x64xf32>, tensor<32x64xf32>
  %b = qt.bias_add %x, %nw : tensor<8x64xf32>, tensor<64xf32>
  %6 = qt.swiglu %g, %g : tensor<8x128xf32>
  %7 = qt.embedding %table, %ids : tensor<1000x64xf32>, tensor<8xi64> -> tensor<8x64xf32>
  %8 = qt.embedding %table, %ids2 : tensor<1000x64xf32>, tensor<2x4xi32> -> tensor<2x4x64xf32>
  %9 = qt.cross_entropy %logits, %ids : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
  %10 = qt.cross_entropy %logits, %ids ignore_index 0 : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
  return
}
