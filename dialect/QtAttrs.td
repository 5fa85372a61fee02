//===- QtAttrs.td - attributes of the qt dialect -----------*- tablegen -*-===//

#ifndef QT_ATTRS_TD
#define QT_ATTRS_TD

include "dialect/QtEnums.td"
include "mlir/IR/AttrTypeBase.td"

// The GSE casts of a fully quantized (GSQ-Tuning) LoRA layer, NUMERICS.md 1:
// every matmul operand is cast to GSE-int grouped along its reduction axis.
def Qt_GSQConfigAttr : AttrDef<Qt_Dialect, "GSQConfig"> {
  let mnemonic = "gsq";
  let summary = "GSE formats of a GSQ-Tuning layer";
  let parameters = (ins
    DefaultValuedParameter<"unsigned", "8">:$bits,
    DefaultValuedParameter<"unsigned", "32">:$group,
    DefaultValuedParameter<"unsigned", "8">:$exp_bits,
    Qt_DefaultEnumParameter<Qt_ExpRule, "Floor">:$exp_rule,
    // Weights and activations.
    Qt_DefaultEnumParameter<Qt_Rounding, "RNE">:$rounding,
    // Gradients (dY, dH).
    Qt_DefaultEnumParameter<Qt_Rounding, "Stochastic">:$grad_rounding
  );
  let assemblyFormat =
      "`<` struct($bits, $group, $exp_bits, $exp_rule, $rounding, "
      "$grad_rounding) `>`";
  let genVerifyDecl = 1;
}

// The registry kernel (codegen/registry/KernelRegistry.h) a qt.kernel calls,
// with every generator parameter: what qt-select-kernels decides and the
// step code generator reads.
def Qt_UKernelAttr : AttrDef<Qt_Dialect, "UKernel"> {
  let mnemonic = "ukernel";
  let summary = "a kernel of the registry with all its parameters";
  let description = [{
    `generator` names a kernel registry entry; `params` holds a value for
    each of its parameters (booleans, integers, and enum spellings as
    strings), and nothing else.

    ```mlir
    #qt.ukernel<"elementwise", {op = "add"}>
    ```
  }];
  let parameters = (ins StringRefParameter<"registry generator">:$generator,
                        "::mlir::DictionaryAttr":$params);
  let assemblyFormat = "`<` $generator `,` $params `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The parameters as the registry and the generator take them
    /// ("name" -> "value").
    std::map<std::string, std::string> getSettings() const;
  }];
}

#endif // QT_ATTRS_TD
