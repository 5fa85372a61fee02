//===- OptimizerOps.td - parameter updates -----------------*- tablegen -*-===//

#ifndef QT_OPTIMIZER_OPS_TD
#define QT_OPTIMIZER_OPS_TD

def Qt_AdamWOp : Qt_Op<"adamw", [Pure, AttrSizedOperandSegments,
    AllTypesMatch<["param", "new_param"]>,
    AllTypesMatch<["grad", "m", "v", "new_m", "new_v"]>]> {
  let summary = "one AdamW step with bias correction";
  let description = [{
    `step` is the 1-based step number. The parameter may be f32 (LoRA
    masters) or f16 (QEFT's weak columns); the gradient and both moments are
    f32 of the same shape.

    A training loop's schedule multiplies `lr` by the f32 `lr_scale` when
    given (run time, in f64). With `grad_norm` (the global L2 norm of every
    trained gradient, f32) and `max_grad_norm`, the gradient is first
    multiplied by min(1, max_grad_norm / (grad_norm + 1e-6)) in f64, as
    torch.nn.utils.clip_grad_norm_ clips.

    ```mlir
    %p1, %m1, %v1 = qt.adamw %p, %g, %m, %v, %t lr 2.0e-04
                      : tensor<16x64xf16>, tensor<16x64xf32>
    %p2, %m2, %v2 = qt.adamw %p, %g, %m, %v, %t lr_scale %s grad_norm %n
                      lr 2.0e-04 max_grad_norm 1.0
                      : tensor<16x64xf16>, tensor<16x64xf32>
    ```
  }];
  let arguments = (ins
    Qt_FloatTensor:$param,
    Qt_F32Tensor:$grad,
    Qt_F32Tensor:$m,
    Qt_F32Tensor:$v,
    I64:$step,
    Optional<F32>:$lr_scale,
    Optional<F32>:$grad_norm,
    F32Attr:$lr,
    DefaultValuedAttr<F32Attr, "0.9">:$beta1,
    DefaultValuedAttr<F32Attr, "0.999">:$beta2,
    DefaultValuedAttr<F32Attr, "1.0e-8">:$eps,
    DefaultValuedAttr<F32Attr, "0.0">:$weight_decay,
    OptionalAttr<F32Attr>:$max_grad_norm
  );
  let results = (outs Qt_FloatTensor:$new_param, Qt_F32Tensor:$new_m,
                      Qt_F32Tensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step
    (`lr_scale` $lr_scale^)? (`grad_norm` $grad_norm^)? `lr` $lr
    (`beta1` $beta1^)? (`beta2` $beta2^)? (`eps` $eps^)?
    (`weight_decay` $weight_decay^)? (`max_grad_norm` $max_grad_norm^)?
    attr-dict
    `:` qualified(type($param)) `,` qualified(type($grad))
  }];
  let hasVerifier = 1;
}

def Qt_TSignSGDOp : Qt_Op<"tsign_sgd", [Pure, AllTypesMatch<["param", "result"]>]> {
  let summary = "LoTA's t-SignSGD step on a ternary tensor";
  let description = [{
    Moves the entries whose |grad| passes the scheduled quantile by
    `-sign(grad)`, clamped to {-1, 0, 1} (NUMERICS.md 4). `step` is t in
    `1..total_steps`; `grad_norm` is the global gradient L2 norm that gates
    the late-phase upper cut.

    ```mlir
    %a1 = qt.tsign_sgd %a, %ga, %t, %norm total_steps 100
            : !qt.ternary<256x16>, tensor<256x16xf32>
    ```
  }];
  let arguments = (ins Qt_TernaryType:$param, Qt_F32Tensor:$grad, I64:$step,
                       F32:$grad_norm, Qt_I64Attr:$total_steps);
  let results = (outs Qt_TernaryType:$result);
  let assemblyFormat = [{
    $param `,` $grad `,` $step `,` $grad_norm `total_steps` $total_steps
    attr-dict `:` qualified(type($param)) `,` qualified(type($grad))
  }];
  let hasVerifier = 1;
}

def Qt_QuantileOp : Qt_Op<"quantile", [Pure]> {
  let summary = "a quantile of all elements, linear interpolation";
  let description = [{
    The `level` quantile (in [0, 1]) of the elements of `input`, or of their
    magnitudes with `abs`, interpolating linearly between order statistics.

    ```mlir
    %thr = qt.quantile %g, %level abs : tensor<256x16xf32>
    ```
  }];
  let arguments = (ins Qt_F32Tensor:$input, F32:$level, UnitAttr:$abs);
  let results = (outs F32:$result);
  let assemblyFormat = [{
    $input `,` $level (`abs` $abs^)? attr-dict `:` qualified(type($input))
  }];
}

def Qt_GlobalNormOp : Qt_Op<"global_norm", [Pure]> {
  let summary = "the L2 norm of all elements of its operands";
  let description = [{
    `sqrt(sum_i sum(x_i^2))`: each operand's sum of squares in f64 in element
    order, the sums added in operand order, the root rounded once to f32.
    The global gradient norm that t-SignSGD's upper cut reads.

    ```mlir
    %norm = qt.global_norm %ga, %gb : tensor<256x16xf32>, tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Variadic<Qt_F32Tensor>:$inputs);
  let results = (outs F32:$result);
  let assemblyFormat = "$inputs attr-dict `:` qualified(type($inputs))";
  let hasVerifier = 1;
}

#endif // QT_OPTIMIZER_OPS_TD
