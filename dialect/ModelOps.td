//===- ModelOps.td - Llama/Qwen model ops ------------------*- tablegen -*-===//
//
// f32 model ops around the linear layers (NUMERICS.md 6). Activations are
// token-major, `[tokens, features]`, with a batch's sequences one after the
// other; heads are contiguous slices of the features, so grouped-query
// attention is index arithmetic and no op transposes.
//
//===----------------------------------------------------------------------===//

#ifndef QT_MODEL_OPS_TD
#define QT_MODEL_OPS_TD

def Qt_RMSNormOp : Qt_Op<"rmsnorm", [Pure, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "y = x / sqrt(mean(x^2) + eps) * w over the last axis";
  let description = [{
    ```mlir
    %y = qt.rmsnorm %x, %w eps 1.0e-06 : tensor<8x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x, Qt_F32Tensor:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-6">:$eps);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $weight (`eps` $eps^)? attr-dict `:` qualified(type($x)) `,` qualified(type($weight))
  }];
  let hasVerifier = 1;
}

def Qt_RopeOp : Qt_Op<"rope", [Pure, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "rotary position embedding, half-split pairs (HF Llama)";
  let description = [{
    `x` is token-major, `[tokens, heads * head_dim]`. Within each head,
    element `i` is paired with `i + head_dim/2` and the pair rotated by
    `position * inv_freq[i]`, `inv_freq[i] = theta^(-2i/head_dim)` (scaled
    by `scaling` when given). A token's position is its index within its
    sequence, `t mod seq_len` (a batch is `tokens / seq_len` sequences one
    after the other), unless `positions` gives one per token. `inverse`
    rotates the other way: the op's own vector-Jacobian product.

    ```mlir
    %y = qt.rope %x heads 4 seq_len 8 theta 1.0e+04 : tensor<16x64xf32>
    %z = qt.rope %x positions %p heads 4 : tensor<16x64xf32>, tensor<16xi64>
    %dx = qt.rope %dy heads 4 seq_len 8 inverse : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x,
                       Optional<Qt_IndexTensor>:$positions,
                       Qt_I64Attr:$heads,
                       OptionalAttr<Qt_I64Attr>:$seq_len,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta,
                       OptionalAttr<Qt_RopeLlama3Attr>:$scaling,
                       UnitAttr:$inverse);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x (`positions` $positions^)? `heads` $heads (`seq_len` $seq_len^)?
    (`theta` $theta^)? (`scaling` $scaling^)? (`inverse` $inverse^)? attr-dict
    `:` qualified(type($x)) (`,` qualified(type($positions))^)?
  }];
  let extraClassDeclaration = [{
    int64_t getHeadDim() {
      return getX().getType().getDimSize(1) / getHeads();
    }
  }];
  let hasVerifier = 1;
}

def Qt_AttentionOp : Qt_Op<"attention", [Pure, AllTypesMatch<["q", "result"]>,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "causal grouped-query attention, token-major";
  let description = [{
    `q` is `[tokens, heads * head_dim]`, `k` and `v` `[tokens, kv_heads *
    head_dim]`: `tokens / seq_len` sequences one after the other, each
    attending causally within itself. Per head, `softmax(q k^T * scale +
    causal mask) v`; query head `h` reads key/value head
    `h / (heads / kv_heads)`. `scale` defaults to `1/sqrt(head_dim)`.

    ```mlir
    %o = qt.attention %q, %k, %v heads 8 kv_heads 2 seq_len 16
           : tensor<32x256xf32>, tensor<32x64xf32>, tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$q, Qt_F32Tensor:$k, Qt_F32Tensor:$v,
                       Qt_I64Attr:$heads, Qt_I64Attr:$kv_heads, Qt_I64Attr:$seq_len,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `heads` $heads `kv_heads` $kv_heads `seq_len` $seq_len
    (`scale` $scale^)? attr-dict
    `:` qualified(type($q)) `,` qualified(type($k)) `,` qualified(type($v))
  }];
  let extraClassDeclaration = [{
    int64_t getHeadDim() {
      return getQ().getType().getDimSize(1) / getHeads();
    }
    /// The `scale` attribute, else 1/sqrt(head_dim).
    double getScaleOrDefault();
  }];
  let hasVerifier = 1;
}

def Qt_BiasAddOp : Qt_Op<"bias_add", [Pure, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "adds a bias vector to every row (Qwen2's q/k/v biases)";
  let description = [{
    `result[t, n] = x[t, n] + bias[n]`.

    ```mlir
    %y = qt.bias_add %x, %b : tensor<8x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x, Qt_F32Tensor:$bias);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $bias attr-dict `:` qualified(type($x)) `,` qualified(type($bias))
  }];
  let hasVerifier = 1;
}

def Qt_SwiGLUOp : Qt_Op<"swiglu", [Pure, AllTypesMatch<["gate", "up", "result"]>,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "silu(gate) * up, the gated activation of a SwiGLU MLP";
  let description = [{
    The MLP is `down(swiglu(gate(x), up(x)))` with three `qt.linear`s.

    ```mlir
    %h = qt.swiglu %g, %u : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$gate, Qt_F32Tensor:$up);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` qualified(type($result))";
}

def Qt_EmbeddingOp : Qt_Op<"embedding", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "token embedding lookup";
  let description = [{
    `result[t, :] = table[ids[t], :]`; an id outside `[0, V)` is an error at
    run time.

    ```mlir
    %x = qt.embedding %table, %ids : tensor<1000x64xf32>, tensor<8xi64>
           -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$table, Qt_IndexTensor:$ids);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` qualified(type($table)) `,` qualified(type($ids)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_CrossEntropyOp : Qt_Op<"cross_entropy", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "mean cross-entropy over the counted tokens";
  let description = [{
    `-mean_t log softmax(logits[t])[labels[t]]` over the tokens whose label
    is not `ignore_index`.

    ```mlir
    %loss = qt.cross_entropy %logits, %labels
              : tensor<8x1000xf32>, tensor<8xi64> -> tensor<f32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$logits, Qt_IndexTensor:$labels,
                       DefaultValuedAttr<Qt_I64Attr, "-100">:$ignore_index);
  let results = (outs Qt_ScalarF32Tensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels (`ignore_index` $ignore_index^)? attr-dict
    `:` qualified(type($logits)) `,` qualified(type($labels)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients: what the forward ops' vector-Jacobian products build
// (references: codegen/reference/Model.h).
//===----------------------------------------------------------------------===//

def Qt_RMSNormGradOp : Qt_Op<"rmsnorm_grad", [Pure,
    AllTypesMatch<["x", "dy", "dx"]>, AllTypesMatch<["weight", "dweight"]>]> {
  let summary = "dx and dweight of qt.rmsnorm given dy";
  let description = [{
    ```mlir
    %dx, %dw = qt.rmsnorm_grad %x, %w, %dy eps 1.0e-06
                 : tensor<8x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x, Qt_F32Tensor:$weight,
                       Qt_F32Tensor:$dy,
                       DefaultValuedAttr<F32Attr, "1.0e-6">:$eps);
  let results = (outs Qt_F32Tensor:$dx, Qt_F32Tensor:$dweight);
  let assemblyFormat = [{
    $x `,` $weight `,` $dy (`eps` $eps^)? attr-dict `:` qualified(type($x)) `,` qualified(type($weight))
  }];
  let hasVerifier = 1;
}

def Qt_AttentionGradOp : Qt_Op<"attention_grad", [Pure,
    AllTypesMatch<["q", "dout", "dq"]>, AllTypesMatch<["k", "v", "dk", "dv"]>]> {
  let summary = "dq, dk and dv of qt.attention given its output gradient";
  let description = [{
    Recomputes the softmax probabilities per (sequence, head) from q and k;
    key/value gradients sum over the query heads that share them.

    ```mlir
    %dq, %dk, %dv = qt.attention_grad %q, %k, %v, %do heads 8 kv_heads 2 seq_len 16
                      : tensor<32x256xf32>, tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$q, Qt_F32Tensor:$k, Qt_F32Tensor:$v,
                       Qt_F32Tensor:$dout,
                       Qt_I64Attr:$heads, Qt_I64Attr:$kv_heads, Qt_I64Attr:$seq_len,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Qt_F32Tensor:$dq, Qt_F32Tensor:$dk, Qt_F32Tensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dout `heads` $heads `kv_heads` $kv_heads
    `seq_len` $seq_len (`scale` $scale^)? attr-dict
    `:` qualified(type($q)) `,` qualified(type($k))
  }];
  let extraClassDeclaration = [{
    int64_t getHeadDim() {
      return getQ().getType().getDimSize(1) / getHeads();
    }
    /// The `scale` attribute, else 1/sqrt(head_dim), as qt.attention's.
    double getScaleOrDefault();
  }];
  let hasVerifier = 1;
}

def Qt_SwiGLUGradOp : Qt_Op<"swiglu_grad", [Pure,
    AllTypesMatch<["gate", "up", "dy", "dgate", "dup"]>]> {
  let summary = "dgate and dup of qt.swiglu given dy";
  let description = [{
    ```mlir
    %dg, %du = qt.swiglu_grad %g, %u, %dy : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$gate, Qt_F32Tensor:$up,
                       Qt_F32Tensor:$dy);
  let results = (outs Qt_F32Tensor:$dgate, Qt_F32Tensor:$dup);
  let assemblyFormat =
      "$gate `,` $up `,` $dy attr-dict `:` qualified(type($gate))";
}

def Qt_EmbeddingGradOp : Qt_Op<"embedding_grad", [Pure]> {
  let summary = "the table gradient of qt.embedding: rows of dy scatter-added";
  let description = [{
    `result[v, :] = sum of dy[t, :] over the tokens t with ids[t] = v`.

    ```mlir
    %dt = qt.embedding_grad %ids, %dy : tensor<8xi64>, tensor<8x64xf32>
            -> tensor<1000x64xf32>
    ```
  }];
  let arguments = (ins Qt_IndexTensor:$ids, Qt_F32Tensor:$dy);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $ids `,` $dy attr-dict `:` qualified(type($ids)) `,` qualified(type($dy)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_CrossEntropyGradOp : Qt_Op<"cross_entropy_grad", [Pure,
    AllTypesMatch<["logits", "result"]>]> {
  let summary = "dlogits of qt.cross_entropy given dloss";
  let description = [{
    `(softmax(logits[t]) - onehot(labels[t])) * dloss / counted` on the
    counted tokens, 0 on the ignored ones.

    ```mlir
    %dl = qt.cross_entropy_grad %logits, %labels, %dloss
            : tensor<8x1000xf32>, tensor<8xi64>, tensor<f32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$logits, Qt_IndexTensor:$labels,
                       Qt_ScalarF32Tensor:$dloss,
                       DefaultValuedAttr<Qt_I64Attr, "-100">:$ignore_index);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $dloss (`ignore_index` $ignore_index^)? attr-dict
    `:` qualified(type($logits)) `,` qualified(type($labels)) `,` qualified(type($dloss))
  }];
  let hasVerifier = 1;
}

def Qt_RowSumOp : Qt_Op<"row_sum", [Pure]> {
  let summary = "the sum of every row: a bias's gradient";
  let description = [{
    `result[n] = sum over t of x[t, n]`.

    ```mlir
    %db = qt.row_sum %dy : tensor<8x64xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat =
      "$x attr-dict `:` qualified(type($x)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

#endif // QT_MODEL_OPS_TD
