//===- QtOps.td - the qt operations ------------------------*- tablegen -*-===//
//
// The root of the op definitions; each family lives in its own file.
//
//===----------------------------------------------------------------------===//

#ifndef QT_OPS_TD
#define QT_OPS_TD

include "dialect/QtDialect.td"
include "dialect/QtAttrs.td"
include "dialect/QtTypes.td"
include "dialect/QtOpInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints shared by the op families.
//===----------------------------------------------------------------------===//

// An i64 attribute read as int64_t. Upstream's I64Attr returns uint64_t
// (getZExtValue), so `total_steps -5` read as 2^64 - 5 and passed a
// `< 1` check; every integer attribute of qt ops is signed.
def Qt_I64Attr : TypedSignlessIntegerAttrBase<
    I64, "int64_t", "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

def Qt_F32Tensor : RankedTensorOf<[F32]>;
def Qt_FloatTensor : RankedTensorOf<[F32, F16]>;
def Qt_IntTensor : RankedTensorOf<[I8, I16, I32, I64]>;
def Qt_IntOrFloatTensor : RankedTensorOf<[I8, I32, F32]>;
def Qt_IndexTensor : RankedTensorOf<[I32, I64]>;
def Qt_ScalarF32Tensor : 0DTensorOf<[F32]>;
def Qt_Quantized : Type<Qt_QuantizedTypeInterface.predicate,
    "qt quantized tensor", "::mlir::qt::QuantizedTypeInterface">;
// A weight as a checkpoint stores it (compute is f32 unless a method says
// otherwise).
def Qt_WeightTensor : RankedTensorOf<[F32, F16, BF16]>;
// A matmul operand or a linear layer's weight: plain or quantized.
def Qt_TensorLike : AnyTypeOf<[Qt_WeightTensor, Qt_Quantized],
                              "f32/f16/bf16 tensor or qt quantized tensor">;

include "dialect/QuantOps.td"
include "dialect/LinearOps.td"
include "dialect/LotaOps.td"
include "dialect/QeftOps.td"
include "dialect/ModelOps.td"
include "dialect/OptimizerOps.td"
include "dialect/KernelOps.td"

#endif // QT_OPS_TD
