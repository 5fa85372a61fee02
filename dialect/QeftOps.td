//===- QeftOps.td - QEFT primitives ------------------------*- tablegen -*-===//
//
// Calibration, weak-column selection and the outlier split (NUMERICS.md 5).
//
//===----------------------------------------------------------------------===//

#ifndef QT_QEFT_OPS_TD
#define QT_QEFT_OPS_TD

def Qt_HessianAccumulateOp : Qt_Op<"hessian_accumulate", [Pure,
    AllTypesMatch<["hessian", "result"]>, AllTypesMatch<["count", "new_count"]>]> {
  let summary = "running calibration Hessian H = (2/N) sum x x^T";
  let description = [{
    Folds a batch `x` `[T, K]` into the running mean `hessian` `[K, K]` over
    `count` rows seen so far: `H' = H * n / (n + T) + (2 / (n + T)) x^T x`,
    `n' = n + T`.

    ```mlir
    %h1, %n1 = qt.hessian_accumulate %h0, %n0, %x
                 : tensor<256x256xf32>, i64, tensor<8x256xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$hessian, I64:$count, Qt_F32Tensor:$x);
  let results = (outs Qt_F32Tensor:$result, I64:$new_count);
  let assemblyFormat = [{
    $hessian `,` $count `,` $x attr-dict
    `:` qualified(type($hessian)) `,` qualified(type($count)) `,` qualified(type($x))
  }];
  let hasVerifier = 1;
}

def Qt_WeakColumnsLocalOp : Qt_Op<"weak_columns_local", [Pure]> {
  let summary = "a layer's own weak input columns (OWQ sensitivity)";
  let description = [{
    The `count` input columns with the largest
    `H[j, j] * ||w[j, :] - Q(w)[j, :]||^2`; ascending indices, ties to the
    lower index. Used by o_proj and down_proj.

    `Q` is a `bits`-bit asymmetric quantizer with one scale and zero per
    output column of `w` `[K, N]` (an output row of the HF weight) over all
    K inputs, no groups (NUMERICS.md 5):
    - `mse` (default): the authors' grid search (OWQ/QEFT `quant.py`,
      `mse=True`) over `grid` ranges (default 40) and every zero-point
      shift, scored by the mean of `|err|^2.4`, in f32.
    - `minmax`: the column's range widened to include 0; `grid` does not
      apply.

    ```mlir
    %cols = qt.weak_columns_local %h, %w count 16
              : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
    %plain = qt.weak_columns_local %h, %w count 16 quantizer minmax {bits = 3 : i64}
               : tensor<256x256xf32>, tensor<256x64xf32> -> tensor<16xi64>
    ```
  }];
  let arguments = (ins
    Qt_F32Tensor:$hessian,
    Qt_F32Tensor:$weight,
    Qt_I64Attr:$count,
    DefaultValuedAttr<Qt_LocalQuantizerAttr, "LocalQuantizer::Mse">:$quantizer,
    DefaultValuedAttr<Qt_I64Attr, "4">:$bits,
    OptionalAttr<Qt_I64Attr>:$grid
  );
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $hessian `,` $weight `count` $count (`quantizer` `` $quantizer^)? attr-dict
    `:` qualified(type($hessian)) `,` qualified(type($weight)) `->` qualified(type($result))
  }];
  let extraClassDeclaration = [{
    /// The grid search's number of ranges: `grid`, or the authors' 40.
    int64_t getGridPoints() {
      return getGrid() ? *getGrid() : 40;
    }
  }];
  let hasVerifier = 1;
}

def Qt_WeakColumnsGlobalOp : Qt_Op<"weak_columns_global", [Pure]> {
  let summary = "one weak-column set for every layer reading the residual stream";
  let description = [{
    The `count` columns with the largest `S_j = sum_l H_l[j, j] / mean(diag
    H_l)` over the Hessians of q, k, v, gate and up; ascending indices.

    ```mlir
    %cols = qt.weak_columns_global %hq, %hk count 16
              : tensor<256x256xf32>, tensor<256x256xf32> -> tensor<16xi64>
    ```
  }];
  let arguments = (ins Variadic<Qt_F32Tensor>:$hessians, Qt_I64Attr:$count);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $hessians `count` $count attr-dict `:` qualified(type($hessians)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_PermuteOp : Qt_Op<"permute", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "reorder a tensor along one axis";
  let description = [{
    `result[..., i, ...] = input[..., perm[i], ...]` along `axis`; with
    `inverse`, `result[..., perm[i], ...] = input[..., i, ...]`. QEFT's
    offline reordering moves the weak columns last.

    ```mlir
    %y = qt.permute %x, %perm axis 1 : tensor<8x256xf32>, tensor<256xi64>
    ```
  }];
  let arguments = (ins Qt_FloatTensor:$input, Qt_IndexTensor:$perm,
                       Qt_I64Attr:$axis, UnitAttr:$inverse);
  let results = (outs Qt_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $perm `axis` $axis (`inverse` $inverse^)? attr-dict
    `:` qualified(type($input)) `,` qualified(type($perm))
  }];
  let hasVerifier = 1;
}

def Qt_GatherOp : Qt_Op<"gather", [Pure]> {
  let summary = "select slices along one axis";
  let description = [{
    `result[..., i, ...] = input[..., indices[i], ...]`; o_proj's weak
    inputs are gathered this way at run time.

    ```mlir
    %xw = qt.gather %x, %cols axis 1
            : tensor<8x256xf32>, tensor<16xi64> -> tensor<8x16xf32>
    ```
  }];
  let arguments = (ins Qt_FloatTensor:$input, Qt_IndexTensor:$indices,
                       Qt_I64Attr:$axis);
  let results = (outs Qt_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices `axis` $axis attr-dict
    `:` qualified(type($input)) `,` qualified(type($indices)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_OutlierSplitOp : Qt_Op<"outlier_split", [Pure]> {
  let summary = "split a weight into its 4-bit dense part and f16 weak rows";
  let description = [{
    The weak input columns are the last `n` rows of `weight` `[K, N]` (`n`
    from the second result type). The dense part keeps all K rows,
    round-to-nearest quantized with the weak rows at the zero code (so they
    dequantize to 0); the weak rows are returned in f16.

    ```mlir
    %wq, %wf = qt.outlier_split %w : tensor<256x64xf32>
                 -> !qt.affine<256x64, bits = 4, group = 128>, tensor<16x64xf16>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$weight);
  let results = (outs Qt_AffineType:$dense, RankedTensorOf<[F16]>:$weak);
  let assemblyFormat = [{
    $weight attr-dict `:` qualified(type($weight)) `->` qualified(type($dense)) `,` qualified(type($weak))
  }];
  let hasVerifier = 1;
}

#endif // QT_QEFT_OPS_TD
