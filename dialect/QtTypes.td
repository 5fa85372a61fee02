//===- QtTypes.td - quantized tensor types -----------------*- tablegen -*-===//
//
// Each type is a whole tensor: a static shape plus its numeric format.
// Defaults are NUMERICS.md's and are elided when printed.
//
//===----------------------------------------------------------------------===//

#ifndef QT_TYPES_TD
#define QT_TYPES_TD

include "dialect/QtEnums.td"
include "dialect/QtTypeInterfaces.td"
include "mlir/IR/AttrTypeBase.td"

class Qt_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Qt_Dialect, name, !listconcat(traits, [
        DeclareTypeInterfaceMethods<Qt_QuantizedTypeInterface,
                                    ["getStorageTypes", "getStorageNames",
                                     "getStorageValues"]>])> {
  let mnemonic = typeMnemonic;
  let genVerifyDecl = 1;
}

def Qt_ShapeParameter : ArrayRefParameter<"int64_t", "static shape">;

def Qt_GSEType : Qt_Type<"GSE", "gse"> {
  let summary = "group-shared-exponent integer tensor (GSQ-Tuning)";
  let description = [{
    Groups of `group` consecutive elements along `axis` share one `exp_bits`
    two's-complement exponent `s`; each element is a signed `bits`-bit
    mantissa `m` in the symmetric range, value `m * 2^s`. `exp_rule` and
    `rounding` say how `qt.quantize` produces it (NUMERICS.md 1).

    ```mlir
    !qt.gse<64x128, axis = 1>                       // b8, G32, floor, rne
    !qt.gse<64x128, axis = 0, bits = 6, group = 16, rounding = stochastic>
    ```
  }];
  let parameters = (ins
    Qt_ShapeParameter:$shape,
    "unsigned":$axis,
    DefaultValuedParameter<"unsigned", "8">:$bits,
    DefaultValuedParameter<"unsigned", "32">:$group,
    DefaultValuedParameter<"unsigned", "8">:$exp_bits,
    Qt_DefaultEnumParameter<Qt_ExpRule, "Floor">:$exp_rule,
    Qt_DefaultEnumParameter<Qt_Rounding, "RNE">:$rounding
  );
  let assemblyFormat = "`<` custom<Shape>($shape) `,` struct($axis, $bits, "
                       "$group, $exp_bits, $exp_rule, $rounding) `>`";
  let skipDefaultBuilders = 1;
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape, "unsigned":$axis,
      CArg<"unsigned", "8">:$bits, CArg<"unsigned", "32">:$group,
      CArg<"unsigned", "8">:$exp_bits,
      CArg<"ExpRule", "ExpRule::Floor">:$exp_rule,
      CArg<"Rounding", "Rounding::RNE">:$rounding), [{
      return $_get($_ctxt, shape, axis, bits, group, exp_bits, exp_rule,
                   rounding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The same format grouped along another axis (the backward pass reads
    /// tensors along a different reduction axis than the forward pass).
    GSEType withAxis(unsigned newAxis) const;
    int64_t getNumGroupsAlongAxis() const {
      return getShape()[getAxis()] / getGroup();
    }
  }];
}

def Qt_AffineType : Qt_Type<"Affine", "affine"> {
  let summary = "affine integer weight, GPTQ layout (LoTA-QAF and QEFT base)";
  let description = [{
    A `[in_features, out_features]` weight of unsigned `bits`-bit codes `q`
    with a scale and zero per (group of `group` input rows, output column):
    `w = s * (q - z)` (`zero = int` or `float`) or `w = q * s + zs`
    (`zero = scaled`). `g_idx = true`: each input row names its group
    (act-order checkpoints) instead of rows being grouped contiguously.

    ```mlir
    !qt.affine<4096x4096, bits = 4, group = 128>
    !qt.affine<4096x4096, bits = 4, group = 128, zero = float, g_idx = true>
    ```
  }];
  let parameters = (ins
    Qt_ShapeParameter:$shape,
    "unsigned":$bits,
    "unsigned":$group,
    Qt_DefaultEnumParameter<Qt_ZeroForm, "Int">:$zero,
    DefaultValuedParameter<"bool", "false">:$g_idx
  );
  let assemblyFormat = "`<` custom<Shape>($shape) `,` struct($bits, $group, "
                       "$zero, $g_idx) `>`";
  let skipDefaultBuilders = 1;
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape, "unsigned":$bits,
      "unsigned":$group, CArg<"ZeroForm", "ZeroForm::Int">:$zero,
      CArg<"bool", "false">:$g_idx), [{
      return $_get($_ctxt, shape, bits, group, zero, g_idx);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getInFeatures() const { return getShape()[0]; }
    int64_t getOutFeatures() const { return getShape()[1]; }
    int64_t getNumGroups() const { return getInFeatures() / getGroup(); }
    /// The largest code, 2^bits - 1.
    int64_t getMaxCode() const { return (int64_t(1) << getBits()) - 1; }
    /// The same weight with another zero-point form (LoTA's merge).
    AffineType withZeroForm(ZeroForm zero) const;
  }];
}

def Qt_NF4Type : Qt_Type<"NF4", "nf4"> {
  let summary = "NormalFloat-4 tensor (QLoRA base weights)";
  let description = [{
    Blocks of `block` consecutive (row-major) elements share one f32 absmax;
    each element is one of the 16 NF4 codes times it (NUMERICS.md 2).

    ```mlir
    !qt.nf4<4096x4096>
    ```
  }];
  let parameters = (ins
    Qt_ShapeParameter:$shape,
    DefaultValuedParameter<"unsigned", "64">:$block
  );
  let assemblyFormat = "`<` custom<Shape>($shape) (`,` `block` `=` $block^)? `>`";
  let skipDefaultBuilders = 1;
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape,
      CArg<"unsigned", "64">:$block), [{
      return $_get($_ctxt, shape, block);
    }]>
  ];
}

def Qt_TernaryType : Qt_Type<"Ternary", "ternary"> {
  let summary = "tensor of values in {-1, 0, 1} (LoTA-QAF adapters)";
  let description = [{
    ```mlir
    !qt.ternary<4096x16>
    ```
  }];
  let parameters = (ins Qt_ShapeParameter:$shape);
  let assemblyFormat = "`<` custom<Shape>($shape) `>`";
}

#endif // QT_TYPES_TD
