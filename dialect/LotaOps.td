//===- LotaOps.td - LoTA-QAF primitives --------------------*- tablegen -*-===//
//
// The pieces `qt.lota_linear` expands into (NUMERICS.md 4). Chained:
//   dW   = qt.ternary_product a, b
//   What = qt.masked_threshold dW, w
//   U    = qt.lota_offset dW, What, w
//   W'   = qt.lota_merge w, What, U      (dequantizes exactly to W_eff)
//
//===----------------------------------------------------------------------===//

#ifndef QT_LOTA_OPS_TD
#define QT_LOTA_OPS_TD

def Qt_TernaryProductOp : Qt_Op<"ternary_product", [Pure]> {
  let summary = "exact integer product of two ternary matrices";
  let description = [{
    `dW = a b` with `a` `[K, r]`, `b` `[r, N]`; `|dW| <= r`, so the result
    integer type must hold r.

    ```mlir
    %dw = qt.ternary_product %a, %b : !qt.ternary<256x16>, !qt.ternary<16x64>
            -> tensor<256x64xi32>
    ```
  }];
  let arguments = (ins Qt_TernaryType:$a, Qt_TernaryType:$b);
  let results = (outs RankedTensorOf<[I8, I16, I32]>:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` qualified(type($a)) `,` qualified(type($b)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_MaskedThresholdOp : Qt_Op<"masked_threshold", [Pure]> {
  let summary = "LoTA's ternary weight step What, masked to keep codes in range";
  let description = [{
    `What = +1` where `dW > omega` and `q != 2^bits - 1`, `-1` where
    `dW < -omega` and `q != 0`, else 0; `q + What` never leaves the code
    range, so no clamp is needed.

    ```mlir
    %what = qt.masked_threshold %dw, %w omega 12.0
              : tensor<256x64xi32>, !qt.affine<256x64, bits = 4, group = 128>
              -> tensor<256x64xi8>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8, I16, I32]>:$delta,
                       Qt_AffineType:$weight, F32Attr:$omega);
  let results = (outs RankedTensorOf<[I8]>:$result);
  let assemblyFormat = [{
    $delta `,` $weight `omega` $omega attr-dict
    `:` qualified(type($delta)) `,` qualified(type($weight)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_LotaOffsetOp : Qt_Op<"lota_offset", [Pure]> {
  let summary = "LoTA's group-mean offset U of the threshold residual";
  let description = [{
    `U[g, j] = c * mean_{i in group g} (dW[i, j] - omega * What[i, j])` with
    `c = 1/omega` (`inv_omega`) or `1` (`one`); groups (and g_idx) come from
    `weight`. The result is `[K/group, N]`.

    ```mlir
    %u = qt.lota_offset %dw, %what, %w omega 12.0 offset_scale inv_omega
           : tensor<256x64xi32>, tensor<256x64xi8>,
             !qt.affine<256x64, bits = 4, group = 128> -> tensor<2x64xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[I8, I16, I32]>:$delta,
    RankedTensorOf<[I8]>:$step,
    Qt_AffineType:$weight,
    F32Attr:$omega,
    Qt_OffsetScaleAttr:$offset_scale
  );
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $delta `,` $step `,` $weight `omega` $omega `offset_scale` `` $offset_scale
    attr-dict `:` qualified(type($delta)) `,` qualified(type($step)) `,` qualified(type($weight))
    `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_LotaMergeOp : Qt_Op<"lota_merge", [Pure]> {
  let summary = "lossless merge of a LoTA step into the integer weight";
  let description = [{
    `q' = q + What` exactly (same bits) and the offset becomes a fractional
    zero point `z' = z - U` (`zero = float`) or a scaled zero
    `zs' = s (U - z)` (`zero = scaled`). A base with scaled zeros
    (`w = q s + zs`, ggml's Q4_1) trains as `W_eff = s (q + What + U) + zs`
    and merges into scaled zeros `zs' = zs + s U` (`s U` rounded to f32,
    then the sum). The result dequantizes exactly to the training-time
    `W_eff`.

    ```mlir
    %m = qt.lota_merge %w, %what, %u
           : !qt.affine<256x64, bits = 4, group = 128>, tensor<256x64xi8>,
             tensor<2x64xf32> -> !qt.affine<256x64, bits = 4, group = 128, zero = float>
    ```
  }];
  let arguments = (ins Qt_AffineType:$weight, RankedTensorOf<[I8]>:$step,
                       Qt_F32Tensor:$offset);
  let results = (outs Qt_AffineType:$result);
  let assemblyFormat = [{
    $weight `,` $step `,` $offset attr-dict `:` qualified(type($weight)) `,` qualified(type($step))
    `,` qualified(type($offset)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_LotaDeltaGradOp : Qt_Op<"lota_delta_grad", [Pure]> {
  let summary = "straight-through gradient of LoTA's dW";
  let description = [{
    `dDW = S * Gw + c * P(S * Gw)` with `Gw = x^T dY` `[K, N]`, `S` the
    scales broadcast to rows, `P` the group mean broadcast back over rows
    and `c` the offset scale (NUMERICS.md 4). Then `dA = dDW b^T`,
    `dB = a^T dDW`.

    ```mlir
    %ddw = qt.lota_delta_grad %gw, %w omega 12.0 offset_scale inv_omega
             : tensor<256x64xf32>, !qt.affine<256x64, bits = 4, group = 128>
             -> tensor<256x64xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$weight_grad, Qt_AffineType:$weight,
                       F32Attr:$omega, Qt_OffsetScaleAttr:$offset_scale);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $weight_grad `,` $weight `omega` $omega `offset_scale` `` $offset_scale
    attr-dict `:` qualified(type($weight_grad)) `,` qualified(type($weight)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

#endif // QT_LOTA_OPS_TD
