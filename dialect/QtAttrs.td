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

// An f64 APFloat, printed so that it parses back to the same value.
class Qt_F64Parameter<string desc> : APFloatParameter<desc> {
  let parser = "::mlir::qt::parseF64Parameter($_parser)";
  let printer = "::mlir::qt::printF64Parameter($_printer, $_self)";
}

// Llama 3.x's rope frequency scaling (HF `rope_type = "llama3"`): long
// wavelengths are divided by `factor`, short ones kept, the band between
// interpolated.
def Qt_RopeLlama3Attr : AttrDef<Qt_Dialect, "RopeLlama3"> {
  let mnemonic = "rope_llama3";
  let summary = "Llama 3 rope frequency scaling";
  let description = [{
    With `wavelen = 2 pi / inv_freq`, `low = original_max_position /
    low_freq_factor` and `high = original_max_position / high_freq_factor`:
    `inv_freq / factor` above `low`, `inv_freq` below `high`, and between
    them `(1 - s) inv_freq / factor + s inv_freq` with
    `s = (original_max_position / wavelen - low_freq_factor) /
    (high_freq_factor - low_freq_factor)`.

    ```mlir
    #qt.rope_llama3<factor = 8.0, low_freq_factor = 1.0,
                    high_freq_factor = 4.0, original_max_position = 8192>
    ```
  }];
  let parameters = (ins Qt_F64Parameter<"divisor of long wavelengths">:$factor,
                        Qt_F64Parameter<"">:$low_freq_factor,
                        Qt_F64Parameter<"">:$high_freq_factor,
                        "int64_t":$original_max_position);
  let assemblyFormat =
      "`<` struct($factor, $low_freq_factor, $high_freq_factor, "
      "$original_max_position) `>`";
  let genVerifyDecl = 1;
}

#endif // QT_ATTRS_TD
