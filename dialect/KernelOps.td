//===- KernelOps.td - fused kernel regions -----------------*- tablegen -*-===//
//
// What qt-fuse produces: each qt.kernel is one generated kernel, its body
// the ops it computes (a producer fused into its consumer, an epilogue), so
// the kernel graph stays ordinary IR that the interpreter runs, the memory
// planner sizes and code generation maps onto Halide generators.
//
//===----------------------------------------------------------------------===//

#ifndef QT_KERNEL_OPS_TD
#define QT_KERNEL_OPS_TD

def Qt_KernelOp : Qt_Op<"kernel", [IsolatedFromAbove, Pure,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "one fused kernel: the ops of its body computed as a unit";
  let description = [{
    `kind` names the fusion pattern that formed it (`matmul`, `lota_merge`,
    `qeft_grad_input`, ...). qt-select-kernels adds `ukernel`, the registry
    kernel that computes it (`calls #qt.ukernel<"f32_matmul", {...}>`),
    which code generation calls. The body reads only its block arguments
    (one per input) and yields the results.

    ```mlir
    %w = qt.kernel "lota_merge" ins(%wq, %a, %b : !qt.affine<256x64, bits = 4, group = 128>,
                                   !qt.ternary<256x16>, !qt.ternary<16x64>)
           -> !qt.affine<256x64, bits = 4, group = 128, zero = float> {
    ^bb0(%w0: !qt.affine<256x64, bits = 4, group = 128>, %a0: !qt.ternary<256x16>,
         %b0: !qt.ternary<16x64>):
      ...
      qt.yield %merged : !qt.affine<256x64, bits = 4, group = 128, zero = float>
    }
    ```
  }];
  let arguments = (ins StrAttr:$kind,
                       OptionalAttr<Qt_UKernelAttr>:$ukernel,
                       Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind (`calls` qualified($ukernel)^)? (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    (`->` type($results)^)? attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$kind, "::mlir::TypeRange":$results,
                   "::mlir::ValueRange":$inputs)>
  ];
  let extraClassDeclaration = [{
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    YieldOp getYield();
  }];
}

def Qt_YieldOp : Qt_Op<"yield", [Pure, Terminator,
    HasParent<"KernelOp">]> {
  let summary = "the results of a qt.kernel";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ /* nothing yielded */ }]>];
}

#endif // QT_KERNEL_OPS_TD
