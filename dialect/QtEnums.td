//===- QtEnums.td - enums of the qt dialect ----------------*- tablegen -*-===//
//
// Every choice NUMERICS.md leaves open is an enum here; the default named in
// NUMERICS.md is the default of the attribute or type parameter using it.
//
//===----------------------------------------------------------------------===//

#ifndef QT_ENUMS_TD
#define QT_ENUMS_TD

include "dialect/QtDialect.td"
include "mlir/IR/EnumAttr.td"

class Qt_I32Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::mlir::qt";
  // The dialect attribute below (EnumAttr) wraps the enum instead.
  let genSpecializedAttr = 0;
}

// How a GSE group picks its shared exponent (NUMERICS.md 1).
def Qt_ExpRule : Qt_I32Enum<"ExpRule", "GSE shared-exponent rule", [
  I32EnumAttrCase<"Floor", 0, "floor">, // MX-compatible, may clip by 1 ulp
  I32EnumAttrCase<"Ceil", 1, "ceil">    // never clips, may waste a bit
]>;

def Qt_Rounding : Qt_I32Enum<"Rounding", "rounding of quantized values", [
  I32EnumAttrCase<"RNE", 0, "rne">,             // to nearest, ties to even
  I32EnumAttrCase<"RNA", 1, "rna">,             // to nearest, ties away
  I32EnumAttrCase<"Stochastic", 2, "stochastic"> // needs a seed operand
]>;

// Cross-group accumulation of a GSE matmul.
def Qt_Accumulation : Qt_I32Enum<"Accumulation", "matmul accumulation", [
  I32EnumAttrCase<"F32", 0, "f32">,          // ldexp each i32 partial, sum in f32
  I32EnumAttrCase<"WideInt", 1, "wide_int">  // exact, shift to common exponent
]>;

// How an affine weight stores its zero point (NUMERICS.md 3 and 4).
def Qt_ZeroForm : Qt_I32Enum<"ZeroForm", "affine zero-point form", [
  I32EnumAttrCase<"Int", 0, "int">,      // w = s * (q - z), z integer
  I32EnumAttrCase<"Float", 1, "float">,  // w = s * (q - z), z fractional
  I32EnumAttrCase<"Scaled", 2, "scaled"> // w = q * s + zs
]>;

// LoTA's scale of the group-mean offset U (NUMERICS.md 4).
def Qt_OffsetScale : Qt_I32Enum<"OffsetScale", "LoTA offset scale", [
  I32EnumAttrCase<"InvOmega", 0, "inv_omega">, // 1/omega, the released code
  I32EnumAttrCase<"One", 1, "one">             // 1, the paper's equations
]>;

// How a linear layer's weight matrix is laid out.
def Qt_WeightLayout : Qt_I32Enum<"WeightLayout", "linear weight layout", [
  I32EnumAttrCase<"InOut", 0, "in_out">, // [in, out], y = x w (GPTQ)
  I32EnumAttrCase<"OutIn", 1, "out_in">  // [out, in], y = x w^T (HF nn.Linear)
]>;

// The quantizer QEFT's layer-local sensitivity rounds a weight with
// (NUMERICS.md 5): one scale and zero per output row either way.
def Qt_LocalQuantizer : Qt_I32Enum<"LocalQuantizer", "QEFT layer-local quantizer", [
  I32EnumAttrCase<"Mse", 0, "mse">,       // the authors' grid search, |err|^2.4
  I32EnumAttrCase<"MinMax", 1, "minmax">  // the row's own range widened to 0
]>;

// How a trainer starts a trained parameter the checkpoints do not hold
// (qt-apply-method sets it on each parameter it adds; the step's table
// carries it as qtc_init, runtime/ParamInit.h draws it).
def Qt_ParamInit : Qt_I32Enum<"ParamInit", "trained parameter init", [
  I32EnumAttrCase<"Given", 0, "given">,   // from the weights, never drawn
  I32EnumAttrCase<"Zeros", 1, "zeros">,   // LoRA's B, LoTA's B
  // PEFT's lora_A: kaiming_uniform(a = sqrt(5)) over fan_in, which is
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in the first dimension.
  I32EnumAttrCase<"UniformFanIn", 2, "uniform_fan_in">,
  // LoTA's A (NUMERICS.md 4): Kaiming-normal over fan_in, ternarized at
  // 0.75 * mean|A|.
  I32EnumAttrCase<"TernaryKaiming", 3, "ternary_kaiming">
]>;

class Qt_EnumAttr<EnumAttrInfo info, string mnemonic>
    : EnumAttr<Qt_Dialect, info, mnemonic> {
  // Printed bare (`wide_int`) where an op's format names the attribute; op
  // formats put an empty literal (``) before it, as this printer starts with
  // a space.
  let assemblyFormat = "$value";
}

def Qt_ExpRuleAttr : Qt_EnumAttr<Qt_ExpRule, "exp_rule">;
def Qt_RoundingAttr : Qt_EnumAttr<Qt_Rounding, "rounding">;
def Qt_AccumulationAttr : Qt_EnumAttr<Qt_Accumulation, "accumulation">;
def Qt_ZeroFormAttr : Qt_EnumAttr<Qt_ZeroForm, "zero_form">;
def Qt_OffsetScaleAttr : Qt_EnumAttr<Qt_OffsetScale, "offset_scale">;
def Qt_WeightLayoutAttr : Qt_EnumAttr<Qt_WeightLayout, "weight_layout">;
def Qt_LocalQuantizerAttr : Qt_EnumAttr<Qt_LocalQuantizer, "local_quantizer">;
def Qt_ParamInitAttr : Qt_EnumAttr<Qt_ParamInit, "param_init">;

// An enum type/attribute parameter with a default that the printer elides.
class Qt_DefaultEnumParameter<EnumAttrInfo info, string default>
    : EnumParameter<info> {
  let defaultValue = info.cppNamespace # "::" # info.className # "::" # default;
}

#endif // QT_ENUMS_TD
