//===- LinearOps.td - linear layers and method composites --*- tablegen -*-===//
//
// Weights are `[in_features, out_features]` (`y = x w`), the layout of GPTQ
// checkpoints and of NUMERICS.md's LoRA/LoTA formulas; `qt.linear` also
// takes Hugging Face's `[out, in]` (`weight_layout out_in`, `y = x w^T`).
// Activations are `[tokens, features]`.
//
//===----------------------------------------------------------------------===//

#ifndef QT_LINEAR_OPS_TD
#define QT_LINEAR_OPS_TD

def Qt_LinearOp : Qt_Op<"linear", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "method-agnostic linear layer, y = x w";
  let description = [{
    What a model importer produces; `qt-apply-method` rewrites it into the
    composite of the chosen method. The weight may be plain (f32, f16 or
    bf16 storage; the product is f32) or quantized, `[in, out]` or, with
    `weight_layout out_in`, `[out, in]` as Hugging Face stores it.

    ```mlir
    %y = qt.linear %x, %w : tensor<8x64xf32>, !qt.nf4<64x32> -> tensor<8x32xf32>
    %z = qt.linear %x, %v weight_layout out_in
           : tensor<8x64xf32>, tensor<32x64xbf16> -> tensor<8x32xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$x, Qt_TensorLike:$weight,
      DefaultValuedAttr<Qt_WeightLayoutAttr, "WeightLayout::InOut">:$weight_layout);
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $weight (`weight_layout` `` $weight_layout^)? attr-dict `:` qualified(type($x)) `,` qualified(type($weight)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_LoraLinearOp : Qt_Op<"lora_linear", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "LoRA layer, y = x w + (alpha / r) (x a) b";
  let description = [{
    Frozen base `weight` `[K, N]` (or `[N, K]` with `weight_layout out_in`,
    `y = x w^T + ...`), trainable f32 adapters `a` `[K, r]` and `b` `[r, N]`. With `gsq`, every matmul operand is cast to GSE-int
    grouped along its reduction axis (GSQ-Tuning, NUMERICS.md 1), which
    needs the group size to divide K, N, r and (when static) the tokens.
    Without it this is the f32 LoRA baseline.

    ```mlir
    %y = qt.lora_linear %x, %w0, %a, %b alpha 16.0 gsq #qt.gsq<group = 32>
           : tensor<32x64xf32>, !qt.nf4<64x64>, tensor<64x32xf32>,
             tensor<32x64xf32> -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins
    Qt_F32Tensor:$x,
    Qt_TensorLike:$weight,
    Qt_F32Tensor:$a,
    Qt_F32Tensor:$b,
    F32Attr:$alpha,
    OptionalAttr<Qt_GSQConfigAttr>:$gsq,
    DefaultValuedAttr<Qt_WeightLayoutAttr, "WeightLayout::InOut">:$weight_layout
  );
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $weight `,` $a `,` $b `alpha` $alpha (`gsq` $gsq^)?
    (`weight_layout` `` $weight_layout^)? attr-dict
    `:` qualified(type($x)) `,` qualified(type($weight)) `,` qualified(type($a)) `,` qualified(type($b))
    `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Qt_LotaLinearOp : Qt_Op<"lota_linear", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "LoTA-QAF layer: ternary adapters on an integer base";
  let description = [{
    `y = x W_eff` with `W_eff = s (q - z + What + U)` formed from the
    integer base `weight` and the ternary product `a b` (NUMERICS.md 4).
    `omega` defaults to `0.75 r`.

    ```mlir
    %y = qt.lota_linear %x, %w, %a, %b offset_scale one
           : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>,
             !qt.ternary<256x16>, !qt.ternary<16x64> -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins
    Qt_F32Tensor:$x,
    Qt_AffineType:$weight,
    Qt_TernaryType:$a,
    Qt_TernaryType:$b,
    OptionalAttr<F32Attr>:$omega,
    DefaultValuedAttr<Qt_OffsetScaleAttr, "OffsetScale::InvOmega">:$offset_scale
  );
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $weight `,` $a `,` $b (`omega` $omega^)?
    (`offset_scale` `` $offset_scale^)? attr-dict
    `:` qualified(type($x)) `,` qualified(type($weight)) `,` qualified(type($a)) `,` qualified(type($b))
    `->` qualified(type($result))
  }];
  let extraClassDeclaration = [{
    /// The threshold: the `omega` attribute, else 0.75 r.
    double getOmegaOrDefault();
  }];
  let hasVerifier = 1;
}

def Qt_QeftLinearOp : Qt_Op<"qeft_linear", [Pure,
    DeclareOpInterfaceMethods<Qt_DifferentiableOpInterface>]> {
  let summary = "QEFT layer: 4-bit dense part plus trainable f16 weak rows";
  let description = [{
    `y = x dense + x[:, K-n:] weak` (NUMERICS.md 5). The weak input columns
    are the last `n` (the residual stream is reordered offline); the dense
    4-bit weight keeps all K rows with zero codes on the weak ones.

    ```mlir
    %y = qt.qeft_linear %x, %wq, %wf
           : tensor<8x256xf32>, !qt.affine<256x64, bits = 4, group = 128>,
             tensor<16x64xf16> -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins
    Qt_F32Tensor:$x,
    Qt_AffineType:$dense,
    RankedTensorOf<[F16]>:$weak
  );
  let results = (outs Qt_F32Tensor:$result);
  let assemblyFormat = [{
    $x `,` $dense `,` $weak attr-dict
    `:` qualified(type($x)) `,` qualified(type($dense)) `,` qualified(type($weak)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

#endif // QT_LINEAR_OPS_TD
