//===- QtAttrs.cpp - enums and attributes of qt ---------------------------===//

#include "dialect/QtAttrs.h"
#include "dialect/QtDialect.h"
#include "dialect/QtFormat.h"

#include "codegen/registry/KernelRegistry.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qt;

#include "dialect/QtEnums.cpp.inc"

FailureOr<APFloat> mlir::qt::parseF64Parameter(AsmParser &parser) {
  double value = 0;
  if (parser.parseFloat(value))
    return failure();
  return APFloat(value);
}

void mlir::qt::printF64Parameter(AsmPrinter &printer, const APFloat &value) {
  printer.printFloat(value);
}

#define GET_ATTRDEF_CLASSES
#include "dialect/QtAttrs.cpp.inc"

void QtDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/QtAttrs.cpp.inc"
      >();
}

LogicalResult
RopeLlama3Attr::verify(function_ref<InFlightDiagnostic()> emitError,
                       APFloat factorValue, APFloat lowValue,
                       APFloat highValue, int64_t originalMaxPosition) {
  double factor = factorValue.convertToDouble();
  double lowFreqFactor = lowValue.convertToDouble();
  double highFreqFactor = highValue.convertToDouble();
  if (!(factor > 0) || !std::isfinite(factor))
    return emitError() << "rope_llama3 factor must be positive, found "
                       << factor;
  if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) ||
      !std::isfinite(highFreqFactor))
    return emitError() << "rope_llama3 needs 0 < low_freq_factor < "
                          "high_freq_factor, found "
                       << lowFreqFactor << " and " << highFreqFactor;
  if (originalMaxPosition <= 0)
    return emitError()
           << "rope_llama3 original_max_position must be positive, found "
           << originalMaxPosition;
  return success();
}

LogicalResult
GSQConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      unsigned bits, unsigned group, unsigned expBits, ExpRule,
                      Rounding, Rounding) {
  return verifyGSEFormat(emitError, bits, group, expBits);
}

namespace {

/// A parameter value as the registry spells it; empty if not a boolean,
/// integer or string.
std::string settingOf(Attribute value) {
  if (auto b = llvm::dyn_cast<BoolAttr>(value))
    return b.getValue() ? "true" : "false";
  if (auto i = llvm::dyn_cast<IntegerAttr>(value))
    return std::to_string(i.getInt());
  if (auto str = llvm::dyn_cast<StringAttr>(value))
    return str.str();
  return "";
}

std::map<std::string, std::string> settingsOf(DictionaryAttr params) {
  std::map<std::string, std::string> settings;
  for (NamedAttribute entry : params)
    settings[entry.getName().str()] = settingOf(entry.getValue());
  return settings;
}

} // namespace

std::map<std::string, std::string> UKernelAttr::getSettings() const {
  return settingsOf(getParams());
}

LogicalResult UKernelAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  StringRef generator, DictionaryAttr params) {
  const qtc::kernels::Kernel *kernel = qtc::kernels::lookup(generator.str());
  if (!kernel)
    return emitError() << "no kernel '" << generator << "' in the registry";
  for (NamedAttribute entry : params)
    if (!llvm::isa<BoolAttr, IntegerAttr, StringAttr>(entry.getValue()))
      return emitError() << "kernel " << generator << ": parameter "
                         << entry.getName().getValue()
                         << " must be a boolean, an integer or a string";
  for (const qtc::kernels::Param &p : kernel->params)
    if (!params.get(p.name))
      return emitError() << "kernel " << generator << ": parameter " << p.name
                         << " is missing";
  std::string error;
  if (!kernel->resolve(settingsOf(params), &error))
    return emitError() << error;
  return success();
}
