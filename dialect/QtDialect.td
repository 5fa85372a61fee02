//===- QtDialect.td - the qt dialect definition ------------*- tablegen -*-===//
//
// The qt dialect represents quantized LLM fine-tuning graphs: group-shared-
// exponent (GSE) integer tensors, NF4 and affine-integer weights, ternary
// adapters, the GSQ / LoTA / QEFT layer composites and their primitives, and
// the model and optimizer ops around them. NUMERICS.md is the semantic
// contract of every op.
//
//===----------------------------------------------------------------------===//

#ifndef QT_DIALECT_TD
#define QT_DIALECT_TD

include "mlir/IR/OpBase.td"

def Qt_Dialect : Dialect {
  let name = "qt";
  let cppNamespace = "::mlir::qt";
  let summary = "Quantized fine-tuning graphs (GSQ-Tuning, LoTA-QAF, QEFT)";
  let description = [{
    Quantized tensors are values with a shape and a numeric format. Their
    storage (mantissas and exponents, codes, scales, zeros) becomes explicit
    through `qt.pack` / `qt.unpack` and, later, bufferization.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  // `qt.init` on a function argument (qt-apply-method's trained
  // parameters) must be a #qt<param_init>: a trainer reads it.
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class Qt_Op<string mnemonic, list<Trait> traits = []>
    : Op<Qt_Dialect, mnemonic, traits>;

#endif // QT_DIALECT_TD
