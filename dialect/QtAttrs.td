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

#endif // QT_ATTRS_TD
