//===- QtTypes.cpp - quantized tensor types -------------------------------===//

#include "dialect/QtTypes.h"
#include "dialect/QtDialect.h"
#include "dialect/QtFormat.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qt;

//===----------------------------------------------------------------------===//
// Shape syntax: `64x128`, static dimensions only.
//===----------------------------------------------------------------------===//

static ParseResult parseShape(AsmParser &parser, SmallVector<int64_t> &shape) {
  return parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                   /*withTrailingX=*/false);
}

static void printShape(AsmPrinter &printer, ArrayRef<int64_t> shape) {
  llvm::interleave(shape, printer.getStream(), "x");
}

#include "dialect/QtTypeInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/QtOpsTypes.cpp.inc"

void QtDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/QtOpsTypes.cpp.inc"
      >();
}

std::optional<ArrayRef<int64_t>> mlir::qt::getTensorLikeShape(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getShape();
  if (auto quantized = dyn_cast<QuantizedTypeInterface>(type))
    return quantized.getShape();
  return std::nullopt;
}

SmallVector<RankedTensorType> mlir::qt::getStorageTypes(Type type) {
  if (auto quantized = dyn_cast<QuantizedTypeInterface>(type))
    return quantized.getStorageTypes();
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return {tensor};
  return {};
}

SmallVector<std::string> mlir::qt::getStorageNames(Type type) {
  auto quantized = dyn_cast<QuantizedTypeInterface>(type);
  if (!quantized)
    return {""};
  SmallVector<std::string> names;
  for (StringRef name : quantized.getStorageNames())
    names.push_back(name.str());
  return names;
}

SmallVector<StorageValues> mlir::qt::getStorageValues(Type type) {
  if (auto quantized = dyn_cast<QuantizedTypeInterface>(type))
    return quantized.getStorageValues();
  return {StorageValues::any()};
}

int64_t mlir::qt::getByteSize(RankedTensorType type) {
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

/// Quantized tensors have a static shape with positive extents.
static LogicalResult verifyShape(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape) {
  if (shape.empty())
    return emitError() << "quantized tensor must have rank >= 1, found a "
                          "scalar shape";
  for (auto [i, dim] : llvm::enumerate(shape))
    if (dim <= 0)
      return emitError() << "quantized tensor dims must be positive, found "
                         << dim << " at dim " << i;
  return success();
}

/// Affine weights and the axis of a GSE tensor group their rows by `group`.
static LogicalResult
verifyGroupDivides(function_ref<InFlightDiagnostic()> emitError, unsigned group,
                   int64_t extent, unsigned axis) {
  if (group == 0 || extent % group != 0)
    return emitError() << "group size " << group
                       << " must divide the grouped dim " << axis
                       << " of extent " << extent;
  return success();
}

LogicalResult GSEType::verify(function_ref<InFlightDiagnostic()> emitError,
                              ArrayRef<int64_t> shape, unsigned axis,
                              unsigned bits, unsigned group, unsigned expBits,
                              ExpRule, Rounding) {
  if (failed(verifyShape(emitError, shape)) ||
      failed(verifyGSEFormat(emitError, bits, group, expBits)))
    return failure();
  if (axis >= shape.size())
    return emitError() << "GSE axis " << axis << " is out of range for rank "
                       << shape.size();
  return verifyGroupDivides(emitError, group, shape[axis], axis);
}

LogicalResult AffineType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape, unsigned bits,
                                 unsigned group, ZeroForm, bool) {
  if (failed(verifyShape(emitError, shape)))
    return failure();
  if (shape.size() != 2)
    return emitError() << "affine weight must be [in_features, "
                          "out_features], found rank "
                       << shape.size();
  if (!llvm::is_contained({2u, 3u, 4u, 8u}, bits))
    return emitError() << "affine bits must be one of 2, 3, 4, 8, found "
                       << bits;
  return verifyGroupDivides(emitError, group, shape[0], 0);
}

LogicalResult NF4Type::verify(function_ref<InFlightDiagnostic()> emitError,
                              ArrayRef<int64_t> shape, unsigned block) {
  if (failed(verifyShape(emitError, shape)))
    return failure();
  // Two codes share a byte, so a block must not end inside one.
  if (block == 0 || block % 2 != 0)
    return emitError() << "NF4 block must be a positive even number, found "
                       << block;
  int64_t numElements = 1;
  for (int64_t dim : shape)
    numElements *= dim;
  if (numElements % block != 0)
    return emitError() << "NF4 block " << block
                       << " must divide the element count " << numElements;
  return success();
}

LogicalResult TernaryType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape) {
  return verifyShape(emitError, shape);
}

//===----------------------------------------------------------------------===//
// Derived types
//===----------------------------------------------------------------------===//

GSEType GSEType::withAxis(unsigned newAxis) const {
  return GSEType::get(getContext(), getShape(), newAxis, getBits(), getGroup(),
                      getExpBits(), getExpRule(), getRounding());
}

AffineType AffineType::withZeroForm(ZeroForm zero) const {
  return AffineType::get(getContext(), getShape(), getBits(), getGroup(), zero,
                         getGIdx());
}

//===----------------------------------------------------------------------===//
// Storage layouts (the `qt.pack` / `qt.unpack` contract)
//===----------------------------------------------------------------------===//

static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type element) {
  return RankedTensorType::get(shape, element);
}

SmallVector<RankedTensorType> GSEType::getStorageTypes() const {
  Builder b(getContext());
  SmallVector<int64_t> exponentShape(getShape());
  exponentShape[getAxis()] /= getGroup();
  return {tensorOf(getShape(), b.getI8Type()),
          tensorOf(exponentShape, b.getI8Type())};
}

SmallVector<StringRef> GSEType::getStorageNames() const {
  return {"mantissas", "exponents"};
}

SmallVector<StorageValues> GSEType::getStorageValues() const {
  int64_t maxMantissa = (int64_t(1) << (getBits() - 1)) - 1;
  int64_t exponentRange = int64_t(1) << (getExpBits() - 1);
  // The mantissa range is symmetric (NUMERICS.md 1): -2^(bits-1) is unused.
  return {StorageValues::range(-maxMantissa, maxMantissa),
          StorageValues::range(-exponentRange, exponentRange - 1)};
}

SmallVector<RankedTensorType> NF4Type::getStorageTypes() const {
  Builder b(getContext());
  int64_t numElements = 1;
  for (int64_t dim : getShape())
    numElements *= dim;
  return {tensorOf({numElements / 2}, b.getI8Type()),
          tensorOf({numElements / getBlock()}, b.getF32Type())};
}

SmallVector<StringRef> NF4Type::getStorageNames() const {
  return {"codes", "absmax"};
}

SmallVector<StorageValues> NF4Type::getStorageValues() const {
  return {StorageValues::any(), StorageValues::finite()};
}

SmallVector<RankedTensorType> AffineType::getStorageTypes() const {
  Builder b(getContext());
  SmallVector<int64_t> groupShape = {getNumGroups(), getOutFeatures()};
  Type zeroElement =
      getZero() == ZeroForm::Int ? Type(b.getI8Type()) : b.getF32Type();
  SmallVector<RankedTensorType> types = {tensorOf(getShape(), b.getI8Type()),
                                         tensorOf(groupShape, b.getF32Type()),
                                         tensorOf(groupShape, zeroElement)};
  if (getGIdx())
    types.push_back(tensorOf({getInFeatures()}, b.getI32Type()));
  return types;
}

SmallVector<StringRef> AffineType::getStorageNames() const {
  SmallVector<StringRef> names = {"codes", "scales", "zeros"};
  if (getGIdx())
    names.push_back("g_idx");
  return names;
}

SmallVector<StorageValues> AffineType::getStorageValues() const {
  // Codes and integer zeros are unsigned, kept in i8: read as i8, 8-bit
  // codes may be any byte, narrower ones are in [0, 2^bits - 1].
  StorageValues code = getBits() >= 8
                           ? StorageValues::any()
                           : StorageValues::range(0, getMaxCode());
  SmallVector<StorageValues> values = {
      code, StorageValues::finite(),
      getZero() == ZeroForm::Int ? code : StorageValues::finite()};
  if (getGIdx())
    values.push_back(StorageValues::range(0, getNumGroups() - 1));
  return values;
}

SmallVector<RankedTensorType> TernaryType::getStorageTypes() const {
  return {tensorOf(getShape(), IntegerType::get(getContext(), 8))};
}

SmallVector<StringRef> TernaryType::getStorageNames() const {
  return {"values"};
}

SmallVector<StorageValues> TernaryType::getStorageValues() const {
  return {StorageValues::range(-1, 1)};
}
