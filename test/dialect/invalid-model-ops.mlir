// RUN: qtc-opt %s -split-input-file -verify-diagnostics

func.func @rmsnorm_scalar(%x: tensor<f32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'qt.rmsnorm' op input 'x' must have rank >= 1, found a scalar}}
  %0 = qt.rmsnorm %x, %w : tensor<f32>, tensor<64xf32>
  return
}

// -----

func.func @rmsnorm_weight_rank(%x: tensor<8x64xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+1 {{'qt.rmsnorm' op weight must have rank 1, found rank 2}}
  %0 = qt.rmsnorm %x, %w : tensor<8x64xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @rmsnorm_weight(%x: tensor<8x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'qt.rmsnorm' op weight length must be 64, found 32}}
  %0 = qt.rmsnorm %x, %w : tensor<8x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @rmsnorm_eps(%x: tensor<8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'qt.rmsnorm' op eps must be positive, found 0}}
  %0 = qt.rmsnorm %x, %w eps 0.0 : tensor<8x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qt.rope' op input 'x' [tokens, heads * head_dim] must have rank 2, found rank 4}}
  %0 = qt.rope %x heads 4 seq_len 8 : tensor<1x4x8x16xf32>
  return
}

// -----

func.func @rope_heads(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.rope' op heads must be positive, found 0}}
  %0 = qt.rope %x heads 0 seq_len 8 : tensor<8x64xf32>
  return
}

// -----

func.func @rope_dynamic(%x: tensor<8x?xf32>) {
  // expected-error @+1 {{'qt.rope' op needs static features in input 'x'}}
  %0 = qt.rope %x heads 4 seq_len 8 : tensor<8x?xf32>
  return
}

// -----

func.func @rope_head_split(%x: tensor<8x60xf32>) {
  // expected-error @+1 {{'qt.rope' op input 'x' features (60) must be a multiple of its heads (8)}}
  %0 = qt.rope %x heads 8 seq_len 8 : tensor<8x60xf32>
  return
}

// -----

func.func @rope_odd(%x: tensor<8x60xf32>) {
  // expected-error @+1 {{'qt.rope' op head_dim must be even (rotation pairs), found 15}}
  %0 = qt.rope %x heads 4 seq_len 8 : tensor<8x60xf32>
  return
}

// -----

func.func @rope_theta(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.rope' op theta must be positive, found -1}}
  %0 = qt.rope %x heads 4 seq_len 8 theta -1.0 : tensor<8x64xf32>
  return
}

// -----

func.func @rope_no_positions(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.rope' op needs exactly one of 'positions' (one per token) and 'seq_len' (positions t mod seq_len)}}
  %0 = qt.rope %x heads 4 : tensor<8x64xf32>
  return
}

// -----

func.func @rope_seq_len(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.rope' op seq_len (3) must divide the tokens (8)}}
  %0 = qt.rope %x heads 4 seq_len 3 : tensor<8x64xf32>
  return
}

// -----

func.func @rope_seq_len_zero(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.rope' op seq_len must be positive, found 0}}
  %0 = qt.rope %x heads 4 seq_len 0 : tensor<8x64xf32>
  return
}

// -----

func.func @rope_positions_rank(%x: tensor<8x64xf32>, %p: tensor<1x8xi64>) {
  // expected-error @+1 {{'qt.rope' op positions must have rank 1, found rank 2}}
  %0 = qt.rope %x positions %p heads 4 : tensor<8x64xf32>, tensor<1x8xi64>
  return
}

// -----

func.func @rope_positions(%x: tensor<8x64xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{'qt.rope' op positions length must be 8, found 4}}
  %0 = qt.rope %x positions %p heads 4 : tensor<8x64xf32>, tensor<4xi64>
  return
}

// -----

func.func @rope_llama3_factor(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{rope_llama3 factor must be positive, found 0}}
  %0 = qt.rope %x heads 4 seq_len 8 scaling <factor = 0.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192> : tensor<8x64xf32>
  return
}

// -----

func.func @rope_llama3_band(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{rope_llama3 needs 0 < low_freq_factor < high_freq_factor, found 4.000000e+00 and 4.000000e+00}}
  %0 = qt.rope %x heads 4 seq_len 8 scaling <factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 4.0, original_max_position = 8192> : tensor<8x64xf32>
  return
}

// -----

func.func @rope_llama3_positions(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{rope_llama3 original_max_position must be positive, found 0}}
  %0 = qt.rope %x heads 4 seq_len 8 scaling <factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 0> : tensor<8x64xf32>
  return
}

// -----

func.func @attention_q_rank(%q: tensor<1x8x16x32xf32>, %kv: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.attention' op q [tokens, heads * head_dim] must have rank 2, found rank 4}}
  %0 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 16 : tensor<1x8x16x32xf32>, tensor<16x64xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<16x256xf32>, %kv: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.attention' op kv_heads must be positive, found 0}}
  %0 = qt.attention %q, %kv, %kv heads 8 kv_heads 0 seq_len 16 : tensor<16x256xf32>, tensor<16x64xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<16x256xf32>, %kv: tensor<16x96xf32>) {
  // expected-error @+1 {{'qt.attention' op key/value heads must divide query heads (GQA): 3 does not divide 8}}
  %0 = qt.attention %q, %kv, %kv heads 8 kv_heads 3 seq_len 16 : tensor<16x256xf32>, tensor<16x96xf32>, tensor<16x96xf32>
  return
}

// -----

func.func @attention_k_rank(%q: tensor<16x256xf32>, %k: tensor<16x2x32xf32>, %v: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.attention' op k [tokens, kv_heads * head_dim] must have rank 2, found rank 3}}
  %0 = qt.attention %q, %k, %v heads 8 kv_heads 2 seq_len 16 : tensor<16x256xf32>, tensor<16x2x32xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @attention_k_shape(%q: tensor<16x256xf32>, %kv: tensor<16x128xf32>) {
  // expected-error @+1 {{'qt.attention' op k shape must be 16x64, found 16x128}}
  %0 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 16 : tensor<16x256xf32>, tensor<16x128xf32>, tensor<16x128xf32>
  return
}

// -----

func.func @attention_v_shape(%q: tensor<16x256xf32>, %k: tensor<16x64xf32>, %v: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.attention' op v shape must be 16x64, found 8x64}}
  %0 = qt.attention %q, %k, %v heads 8 kv_heads 2 seq_len 16 : tensor<16x256xf32>, tensor<16x64xf32>, tensor<8x64xf32>
  return
}

// -----

func.func @attention_seq(%q: tensor<16x256xf32>, %kv: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.attention' op seq_len (5) must divide the tokens (16)}}
  %0 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 5 : tensor<16x256xf32>, tensor<16x64xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<16x256xf32>, %kv: tensor<16x64xf32>) {
  // expected-error @+1 {{'qt.attention' op scale must be positive, found 0}}
  %0 = qt.attention %q, %kv, %kv heads 8 kv_heads 2 seq_len 16 scale 0.0 : tensor<16x256xf32>, tensor<16x64xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @bias_add_scalar(%x: tensor<f32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'qt.bias_add' op input 'x' must have rank >= 1, found a scalar}}
  %0 = qt.bias_add %x, %b : tensor<f32>, tensor<64xf32>
  return
}

// -----

func.func @bias_add_rank(%x: tensor<8x64xf32>, %b: tensor<1x64xf32>) {
  // expected-error @+1 {{'qt.bias_add' op bias must have rank 1, found rank 2}}
  %0 = qt.bias_add %x, %b : tensor<8x64xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @bias_add_length(%x: tensor<8x64xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'qt.bias_add' op bias length must be 64, found 32}}
  %0 = qt.bias_add %x, %b : tensor<8x64xf32>, tensor<32xf32>
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @swiglu_shapes(%g: tensor<8x128xf32>, %u: tensor<8x64xf32>) {
  // expected-error @+1 {{use of value '%u' expects different type than prior uses: 'tensor<8x128xf32>' vs 'tensor<8x64xf32>'}}
  %0 = qt.swiglu %g, %u : tensor<8x128xf32>
  return
}

// -----

func.func @embedding_table(%t: tensor<1000xf32>, %ids: tensor<8xi64>) {
  // expected-error @+1 {{'qt.embedding' op table [vocab, dim] must have rank 2, found rank 1}}
  %0 = qt.embedding %t, %ids : tensor<1000xf32>, tensor<8xi64> -> tensor<8x64xf32>
  return
}

// -----

func.func @embedding_result(%t: tensor<1000x64xf32>, %ids: tensor<8xi64>) {
  // expected-error @+1 {{'qt.embedding' op result shape must be 8x64, found 8x32}}
  %0 = qt.embedding %t, %ids : tensor<1000x64xf32>, tensor<8xi64> -> tensor<8x32xf32>
  return
}

// -----

func.func @embedding_float_ids(%t: tensor<1000x64xf32>, %ids: tensor<8xf32>) {
  // expected-error @+1 {{'qt.embedding' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = qt.embedding %t, %ids : tensor<1000x64xf32>, tensor<8xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @ce_logits(%l: tensor<1000xf32>, %y: tensor<8xi64>) {
  // expected-error @+1 {{'qt.cross_entropy' op logits [tokens, vocab] must have rank 2, found rank 1}}
  %0 = qt.cross_entropy %l, %y : tensor<1000xf32>, tensor<8xi64> -> tensor<f32>
  return
}

// -----

func.func @ce_labels_rank(%l: tensor<8x1000xf32>, %y: tensor<8x1xi64>) {
  // expected-error @+1 {{'qt.cross_entropy' op labels [tokens] must have rank 1, found rank 2}}
  %0 = qt.cross_entropy %l, %y : tensor<8x1000xf32>, tensor<8x1xi64> -> tensor<f32>
  return
}

// -----

func.func @ce_labels(%l: tensor<8x1000xf32>, %y: tensor<4xi64>) {
  // expected-error @+1 {{'qt.cross_entropy' op labels length must be 8, found 4}}
  %0 = qt.cross_entropy %l, %y : tensor<8x1000xf32>, tensor<4xi64> -> tensor<f32>
  return
}

// -----

func.func @embedding_grad_rank(%ids: tensor<8xi64>, %dy: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.embedding_grad' op result [vocab, dim] must have rank 2, found rank 1}}
  %0 = qt.embedding_grad %ids, %dy : tensor<8xi64>, tensor<8x64xf32> -> tensor<1000xf32>
  return
}

// -----

func.func @embedding_grad_dy(%ids: tensor<8xi64>, %dy: tensor<4x64xf32>) {
  // expected-error @+1 {{'qt.embedding_grad' op dy shape must be 8x64, found 4x64}}
  %0 = qt.embedding_grad %ids, %dy : tensor<8xi64>, tensor<4x64xf32> -> tensor<1000x64xf32>
  return
}

// -----

func.func @row_sum_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'qt.row_sum' op input 'x' must have rank >= 1, found a scalar}}
  %0 = qt.row_sum %x : tensor<f32> -> tensor<1xf32>
  return
}

// -----

func.func @row_sum_result(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.row_sum' op result shape must be 64, found 8}}
  %0 = qt.row_sum %x : tensor<8x64xf32> -> tensor<8xf32>
  return
}
