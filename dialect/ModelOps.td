//===- ModelOps.td - Llama/Qwen model ops ------------------*- tablegen -*-===//
//
// f32 model ops around the linear layers (NUMERICS.md 6). Token-major
// activations are `[tokens, features]`; attention works on
// `[batch, heads, seq, head_dim]`.
//
//===----------------------------------------------------------------------===//

#ifndef QT_MODEL_OPS_TD
#define QT_MODEL_OPS_TD

def Qt_RMSNormOp : Qt_Op<"rmsnorm", [Pure, AllTypesMatch<["x", "result"]>]> {
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

def Qt_RopeOp : Qt_Op<"rope", [Pure, AllTypesMatch<["x", "result"]>]> {
  let summary = "rotary position embedding, half-split pairs (HF Llama)";
  let description = [{
    Rotates `x` `[B, H, S, D]` by `theta^(-2i/D)` times each position, pairing
    element `i` with `i + D/2`. Positions are `0..S-1` unless given.

    ```mlir
    %y = qt.rope %x theta 1.0e+04 : tensor<1x4x8x16xf32>
    %z = qt.rope %x positions %p : tensor<1x4x8x16xf32>, tensor<8xi64>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x,
                       Optional<RankedTensorOf<[I64]>>:$positions,
                       DefaultValuedAttr<F32Attr, "10000.0">:$theta);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x (`positions` $positions^)? (`theta` $theta^)? attr-dict
    `:` qualified(type($x)) (`,` qualified(type($positions))^)?
  }];
  let hasVerifier = 1;
}

def Qt_AttentionOp : Qt_Op<"attention", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "causal grouped-query attention";
  let description = [{
    `softmax(q k^T * scale + causal mask) v` per head; query head `h` reads
    key/value head `h / (Hq / Hkv)`. `scale` defaults to `1/sqrt(D)`.

    ```mlir
    %o = qt.attention %q, %k, %v
           : tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$q, Qt_F32Tensor:$k, Qt_F32Tensor:$v,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`scale` $scale^)? attr-dict
    `:` qualified(type($q)) `,` qualified(type($k)) `,` qualified(type($v))
  }];
  let hasVerifier = 1;
}

def Qt_SwiGLUOp : Qt_Op<"swiglu", [Pure, AllTypesMatch<["gate", "up", "result"]>]> {
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

def Qt_EmbeddingOp : Qt_Op<"embedding", [Pure]> {
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

def Qt_CrossEntropyOp : Qt_Op<"cross_entropy", [Pure]> {
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
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs Qt_ScalarF32Tensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels (`ignore_index` $ignore_index^)? attr-dict
    `:` qualified(type($logits)) `,` qualified(type($labels)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

#endif // QT_MODEL_OPS_TD
