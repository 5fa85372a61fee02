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

func.func @rope_rank(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{'qt.rope' op input 'x' [batch, heads, seq, head_dim] must have rank 4, found rank 2}}
  %0 = qt.rope %x : tensor<8x64xf32>
  return
}

// -----

func.func @rope_odd(%x: tensor<1x4x8x15xf32>) {
  // expected-error @+1 {{'qt.rope' op head_dim must be even (rotation pairs), found 15}}
  %0 = qt.rope %x : tensor<1x4x8x15xf32>
  return
}

// -----

func.func @rope_theta(%x: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qt.rope' op theta must be positive, found -1}}
  %0 = qt.rope %x theta -1.0 : tensor<1x4x8x16xf32>
  return
}

// -----

func.func @rope_positions_rank(%x: tensor<1x4x8x16xf32>, %p: tensor<1x8xi64>) {
  // expected-error @+1 {{'qt.rope' op positions must have rank 1, found rank 2}}
  %0 = qt.rope %x positions %p : tensor<1x4x8x16xf32>, tensor<1x8xi64>
  return
}

// -----

func.func @rope_positions(%x: tensor<1x4x8x16xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{'qt.rope' op positions length must be 8, found 4}}
  %0 = qt.rope %x positions %p : tensor<1x4x8x16xf32>, tensor<4xi64>
  return
}

// -----

func.func @attention_q_rank(%q: tensor<8x16x32xf32>, %kv: tensor<1x2x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op q [batch, heads, seq, head_dim] must have rank 4, found rank 3}}
  %0 = qt.attention %q, %kv, %kv : tensor<8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>
  return
}

// -----

func.func @attention_k_rank(%q: tensor<1x8x16x32xf32>, %k: tensor<2x16x32xf32>, %v: tensor<1x2x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op k [batch, heads, seq, head_dim] must have rank 4, found rank 3}}
  %0 = qt.attention %q, %k, %v : tensor<1x8x16x32xf32>, tensor<2x16x32xf32>, tensor<1x2x16x32xf32>
  return
}

// -----

func.func @attention_v_rank(%q: tensor<1x8x16x32xf32>, %k: tensor<1x2x16x32xf32>, %v: tensor<2x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op v [batch, heads, seq, head_dim] must have rank 4, found rank 3}}
  %0 = qt.attention %q, %k, %v : tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<2x16x32xf32>
  return
}

// -----

func.func @attention_v_shape(%q: tensor<1x8x16x32xf32>, %k: tensor<1x2x16x32xf32>, %v: tensor<1x4x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op v shape must be 1x2x16x32, found 1x4x16x32}}
  %0 = qt.attention %q, %k, %v : tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x4x16x32xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<1x8x16x32xf32>, %kv: tensor<2x2x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op k batch must be 1, found 2}}
  %0 = qt.attention %q, %kv, %kv : tensor<1x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>
  return
}

// -----

func.func @attention_seq(%q: tensor<1x8x16x32xf32>, %kv: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{'qt.attention' op k seq must be 16, found 8}}
  %0 = qt.attention %q, %kv, %kv : tensor<1x8x16x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x8x16x32xf32>, %kv: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{'qt.attention' op k head_dim must be 32, found 64}}
  %0 = qt.attention %q, %kv, %kv : tensor<1x8x16x32xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<1x8x16x32xf32>, %kv: tensor<1x3x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op key/value heads must divide query heads (GQA): 3 does not divide 8}}
  %0 = qt.attention %q, %kv, %kv : tensor<1x8x16x32xf32>, tensor<1x3x16x32xf32>, tensor<1x3x16x32xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x8x16x32xf32>, %kv: tensor<1x2x16x32xf32>) {
  // expected-error @+1 {{'qt.attention' op scale must be positive, found 0}}
  %0 = qt.attention %q, %kv, %kv scale 0.0 : tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>
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
