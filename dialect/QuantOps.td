//===- QuantOps.td - casts, storage and the mixed matmul ---*- tablegen -*-===//

#ifndef QT_QUANT_OPS_TD
#define QT_QUANT_OPS_TD

def Qt_QuantizeOp : Qt_Op<"quantize", [Pure]> {
  let summary = "cast an f32 tensor to a quantized type";
  let description = [{
    Rounds `input` into the format of the result type (NUMERICS.md):
    GSE per group along its axis; NF4 nearest code of `x / absmax` per block;
    affine by round-to-nearest with per-(group, column) min/max scale and
    integer zero; ternary at `0.75 * mean|x|` (LoTA's adapter init).
    A result that rounds stochastically takes a `seed`; no other does.
    Non-finite input is an error at run time.

    ```mlir
    %q = qt.quantize %x : tensor<8x64xf32> -> !qt.gse<8x64, axis = 1>
    %g = qt.quantize %dy seed %s : tensor<8x64xf32>
           -> !qt.gse<8x64, axis = 0, rounding = stochastic>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$input, Optional<I64>:$seed);
  let results = (outs Qt_Quantized:$result);
  let assemblyFormat = [{
    $input (`seed` $seed^)? attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qt_DequantizeOp : Qt_Op<"dequantize", [Pure]> {
  let summary = "the f32 values of a quantized tensor";
  let description = [{
    Exact: every quantized value is representable in f32. It does not fold
    with a preceding `qt.quantize`, which is lossy.

    ```mlir
    %x = qt.dequantize %q : !qt.nf4<64x64> -> tensor<64x64xf32>
    ```
  }];
  let arguments = (ins Qt_Quantized:$input);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def Qt_RequantizeOp : Qt_Op<"requantize", [Pure]> {
  let summary = "re-cast a quantized tensor to GSE, typically along another axis";
  let description = [{
    `quantize(dequantize(input))` into the GSE result type. GSQ's backward
    reads the same tensor grouped along a different reduction axis than its
    forward (X along d_in for Y, along tokens for dA); NF4 base weights are
    cast to GSE on load the same way.

    ```mlir
    %xt = qt.requantize %x : !qt.gse<64x128, axis = 1> -> !qt.gse<64x128, axis = 0>
    ```
  }];
  let arguments = (ins Qt_Quantized:$input, Optional<I64>:$seed);
  let results = (outs Qt_GSEType:$result);
  let assemblyFormat = [{
    $input (`seed` $seed^)? attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_PackOp : Qt_Op<"pack", [Pure]> {
  let summary = "a quantized tensor from its storage tensors";
  let description = [{
    The storage of each type, in operand order:
    - `!qt.gse`: mantissas (i8, the shape), exponents (i8, the shape with
      the grouped axis divided by the group size);
    - `!qt.nf4`: codes (i8, two per byte, low nibble first, numel/2),
      absmax (f32, numel/block);
    - `!qt.affine<KxN>`: codes (i8, KxN, one code per byte), scales
      (f32, K/group x N), zeros (i8 for `zero = int`, else f32,
      K/group x N), then g_idx (i32, K) when the type has one;
    - `!qt.ternary`: values (i8, the shape).

    ```mlir
    %w = qt.pack %codes, %scales, %zeros
           : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xi8>)
           -> !qt.affine<256x64, bits = 4, group = 128>
    ```
  }];
  let arguments = (ins Variadic<Qt_IntOrFloatTensor>:$storage);
  let results = (outs Qt_Quantized:$result);
  let assemblyFormat = [{
    $storage attr-dict `:` `(` qualified(type($storage)) `)` `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_UnpackOp : Qt_Op<"unpack", [Pure]> {
  let summary = "the storage tensors of a quantized tensor";
  let description = [{
    The inverse of `qt.pack`, with the same storage layout.

    ```mlir
    %m, %e = qt.unpack %q : !qt.gse<8x64, axis = 1>
               -> (tensor<8x64xi8>, tensor<8x2xi8>)
    ```
  }];
  let arguments = (ins Qt_Quantized:$input);
  let results = (outs Variadic<Qt_IntOrFloatTensor>:$storage);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` `(` qualified(type($storage)) `)`
  }];
  let hasVerifier = 1;
}

def Qt_MatmulOp : Qt_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "matrix product of plain and quantized operands";
  let description = [{
    `result = op(a) * op(b)` with `op` the optional transposes: `a` is
    `[M, K]` (`[K, M]` with `transpose_a`), `b` is `[K, N]` (`[N, K]` with
    `transpose_b`). A GSE operand must be grouped along K, and two GSE
    operands share one group size: each group's integer partial is exact in
    i32, groups are combined per `accumulate` (NUMERICS.md 1). `wide_int`
    needs two GSE operands.

    ```mlir
    %y = qt.matmul %x, %w transpose_b accumulate wide_int
           : !qt.gse<8x64, axis = 1>, !qt.gse<32x64, axis = 1>
           -> tensor<8x32xf32>
    ```
  }];
  let arguments = (ins
    Qt_TensorLike:$a,
    Qt_TensorLike:$b,
    UnitAttr:$transpose_a,
    UnitAttr:$transpose_b,
    DefaultValuedAttr<Qt_AccumulationAttr, "Accumulation::F32">:$accumulate
  );
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)?
    (`accumulate` `` $accumulate^)? attr-dict
    `:` qualified(type($a)) `,` qualified(type($b)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

#endif // QT_QUANT_OPS_TD
