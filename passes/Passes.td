//===- Passes.td - qtc passes ------------------------------*- tablegen -*-===//
//
// The passes of DESIGN.md's pipeline, in pipeline order. Named pipelines
// that run them in sequence are registered in Pipelines.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef QT_PASSES_TD
#define QT_PASSES_TD

include "mlir/Pass/PassBase.td"

def QtApplyMethod : Pass<"qt-apply-method", "::mlir::ModuleOp"> {
  let summary = "rewrite qt.linear into a fine-tuning method's layer";
  let description = [{
    Each `qt.linear %x, %w` (each one whose module name is in `targets`,
    when given) becomes the composite of `method`, and the function gains
    the method's trainable parameters as arguments (marked `qt.trainable`,
    named `<module>.<param>` in `qt.name`, the module being the layer's
    path from its locations as `qtc import` writes them and the inliner
    keeps them, `model.layers.3.self_attn.q_proj`; `linear<i>.<param>` for
    a layer with no such name):
    - `lora`: `qt.lora_linear` with f32 adapters a [K, rank], b [rank, N];
    - `gsq`: the same with every matmul operand cast to GSE-int
      (`#qt.gsq<group = group>`);
    - `lota`: `qt.lota_linear` with ternary adapters; the weight must be
      `!qt.affine` with integer or scaled zeros (`qtc import --affine-base`
      gives a GGUF model's Q4_0, Q4_1 and Q8_0 projections so);
    - `qeft`: `qt.qeft_linear` with `outliers` trainable f16 weak rows; the
      weight must be `!qt.affine` with integer zeros, the residual stream
      already reordered so that the weak input columns come last.
    Base weights that are function arguments are marked `qt.frozen`.
  }];
  let options = [
    Option<"method", "method", "std::string", "\"\"",
           "the method: lora, gsq, lota or qeft">,
    Option<"rank", "rank", "int64_t", "16", "adapter rank (lora, gsq, lota)">,
    Option<"alpha", "alpha", "double", "16.0",
           "LoRA scale numerator, s = alpha / rank (lora, gsq)">,
    Option<"group", "group", "int64_t", "32", "GSE group size (gsq)">,
    Option<"omega", "omega", "double", "0.0",
           "LoTA threshold; 0 means 0.75 rank (lota)">,
    Option<"outliers", "outliers", "int64_t", "0",
           "number of trainable f16 weak rows (qeft)">,
    ListOption<"targets", "targets", "std::string",
               "adapt only the layers whose module name ends with one of "
               "these (q_proj, ...; default: every qt.linear)">,
  ];
  let dependentDialects = ["::mlir::qt::QtDialect"];
}

def QtAutodiff : Pass<"qt-autodiff", "::mlir::ModuleOp"> {
  let summary = "turn a forward function into forward plus backward";
  let description = [{
    Every function with a `qt.trainable` argument is differentiated in
    reverse mode through `DifferentiableOpInterface`. The function gains one
    gradient argument per result (`qt.grad_of_result`, named `dy`, or
    `dy<j>` with several results), and returns, after
    its results, the gradient of every f32/f16 argument not marked
    `qt.frozen` and of every trainable argument (`qt.grad_of`, the argument
    index). Stochastic casts in the backward draw from one more i64 argument
    (`qt.seed`). Forward values the backward needs are rebuilt; CSE after
    qt-expand merges them with the forward's.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def QtInsertOptimizer : Pass<"qt-insert-optimizer", "::mlir::ModuleOp"> {
  let summary = "update each trainable parameter from its gradient";
  let description = [{
    Replaces each returned gradient of a `qt.trainable` argument by the
    updated parameter: `qt.adamw` for f32 and f16 parameters (moments as
    new arguments `<name>.m` and `<name>.v`, marked `qt.optimizer_state`,
    returned updated) and
    `qt.tsign_sgd` for ternary ones. Adds the 1-based `step` argument
    (`qt.step`). t-SignSGD's gradient norm is `qt.global_norm` of the
    ternary adapters' gradients, or with `grad-norm=argument` an f32
    argument `grad_norm` (`qt.grad_norm`).
    Every returned new state names the argument it replaces next step
    (`qt.updates`, an argument index).
    With `lr-scale`, AdamW's rate is multiplied by an f32 argument
    `lr_scale` (`qt.lr_scale`): a training loop's schedule, set per step.
    With `max-grad-norm` > 0, AdamW's gradients are clipped to that global
    L2 norm (torch's clip_grad_norm_), the norm being `qt.global_norm` of
    every AdamW parameter's gradient, and the step also returns that norm
    (marked `qt.grad_norm`).
  }];
  let options = [
    Option<"lr", "lr", "double", "1.0e-4", "AdamW learning rate">,
    Option<"beta1", "beta1", "double", "0.9", "AdamW beta1">,
    Option<"beta2", "beta2", "double", "0.999", "AdamW beta2">,
    Option<"eps", "eps", "double", "1.0e-8", "AdamW epsilon">,
    Option<"weightDecay", "weight-decay", "double", "0.0",
           "AdamW decoupled weight decay">,
    Option<"totalSteps", "total-steps", "int64_t", "0",
           "t-SignSGD schedule length T (required with ternary parameters)">,
    Option<"gradNormSource", "grad-norm", "std::string", "\"computed\"",
           "t-SignSGD's gradient norm: computed (qt.global_norm of the "
           "ternary adapters' gradients) or argument">,
    Option<"lrScale", "lr-scale", "bool", "false",
           "AdamW's rate times an f32 lr_scale argument (a schedule)">,
    Option<"maxGradNorm", "max-grad-norm", "double", "0.0",
           "clip AdamW's gradients to this global L2 norm (0: no clipping)">,
  ];
  let dependentDialects = ["::mlir::qt::QtDialect"];
}

def QtExpand : Pass<"qt-expand", "::mlir::func::FuncOp"> {
  let summary = "expand method composites into primitive qt ops";
  let description = [{
    `qt.lora_linear` becomes its matmuls (with GSE casts under GSQ) and the
    scaled sum; `qt.lota_linear` becomes the ternary product, threshold,
    offset and merge, then a matmul with the merged weight. The expansion
    equals the composite bit for bit on the reference backend.
    `qt.qeft_linear` is a primitive (one fused kernel) and stays. A
    `qt.linear` no method adapted (a frozen `lm_head`) becomes one matmul,
    transposed for an `[out, in]` weight.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def QtFuse : Pass<"qt-fuse", "::mlir::func::FuncOp"> {
  let summary = "group primitive ops into qt.kernel regions, one per kernel";
  let description = [{
    Producers are fused into their only consumer where one generated kernel
    computes both without writing the producer to memory:
    - `lota_merge`: ternary product, threshold and offset into the merge;
    - `lota_delta_grad`: Gw = x^T dY into LoTA's straight-through dDW;
    - `qeft_grad_input`: dY dense^T + pad(dY weak^T), the weak rows folded
      into the transposed dequantize-on-load matmul;
    - `slice_matmul`: a column slice read in place by the matmul after it;
    - `matmul_scale`: a product with a splat constant as the epilogue of
      the f32 or GSE matmul before it (LoRA's alpha / r);
    - `matmul_add` and `matmul_scale_add`: X + P or X + P * splat, where P
      is an f32 product read by nothing else, as the f32 matmul's epilogue
      (LoRA's base output plus its adapter's, dY W plus the adapter's dx);
    - `head_loss` and `head_loss_grad`: logits = h W^T read only by
      cross-entropy and by a gradient whose one reader is dh = dlogits W
      (a frozen lm_head): each kernel recomputes the logits, a vocabulary
      chunk at a time, so neither logits nor dlogits is ever whole;
    - `head_loss_and_grad`: both of them on the same head and labels, when
      nothing reads the loss before dh: one kernel, whose log-sum-exp pass
      serves the loss and the gradient (the logits computed twice, not
      three times).
    Every other tensor op becomes a kernel of its own, named after the op
    (`matmul`, `quantize`, `scale` for a product with a splat constant, ...).
    Scalar arithmetic (seeds) stays outside kernels; splat constants are
    cloned into the kernels that read them. With `patterns=false` no
    producer is fused (every tensor op is its own kernel): what a missed
    fusion costs, since every op has a kernel of its own.
  }];
  let options = [
    Option<"patterns", "patterns", "bool", /*default=*/"true",
           "fuse producers into consumers (false: one kernel per op)">
  ];
  let dependentDialects = ["::mlir::qt::QtDialect"];
}

def QtSelectKernels : Pass<"qt-select-kernels", "::mlir::func::FuncOp"> {
  let summary = "choose the registry kernel of every qt.kernel, in the IR";
  let description = [{
    Gives each qt.kernel `calls #qt.ukernel<"generator", {params}>`: the
    entry of the kernel registry (codegen/registry/KernelRegistry.h) that
    computes it, with every generator parameter. Variants are chosen from
    static shapes: the few-row affine schedules (`shape = "gemv"`) up to
    the row counts of codegen/halide/ScheduleThresholds.h, the clamped
    weight read (`clamp_columns`) where out_features is not a multiple of
    the column quantum. A kernel that no entry computes is an error at its
    op. The step code generator calls what is selected here.
  }];
  let dependentDialects = ["::mlir::qt::QtDialect"];
}

def QtPlanMemory : Pass<"qt-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "place every kernel result in one static arena";
  let description = [{
    Sizes each kernel result's storage (quantized values: all their storage
    tensors, 64-byte aligned), computes liveness over the kernel order and
    assigns arena offsets so that values live at the same time never
    overlap (first fit, largest first). A result the function returns is
    written in place into the caller's result buffer (offset -1). Each
    qt.kernel gets `qt.arena`, one offset per storage tensor of its
    results; the function gets `qt.arena_size`. A remark reports the peak
    against the sum of all intermediates.
  }];
}

#endif // QT_PASSES_TD
