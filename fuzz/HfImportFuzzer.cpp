//===- HfImportFuzzer.cpp - libFuzzer target: the Hugging Face importer ---===//
//
// What `qtc import` reads from a downloaded model, as one JSON document:
//
//   {"config": <config.json>,
//    "tensors": {"<name>": {"dtype": "f32", "shape": [64, 8]}, ...}}
//
// `config` goes to parseHfConfig, `tensors` is the checkpoint's catalog (the
// safetensors headers have their own target), and both to importHfModel,
// whose module must then verify. Errors are expected; a crash, a sanitizer
// report, a leak, a hang, or an accepted model whose graph does not verify
// is a bug. The corpus holds catalogs of tiny transformers models, so that
// mutations start from models that import.
//
//===----------------------------------------------------------------------===//
#include "import/HfImport.h"

#include "dialect/QtDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

using namespace mlir;
using nlohmann::json;

namespace {

constexpr qtc::DType kDTypes[] = {
    qtc::DType::F32, qtc::DType::F64, qtc::DType::F16, qtc::DType::BF16,
    qtc::DType::I8,  qtc::DType::U8,  qtc::DType::I16, qtc::DType::U16,
    qtc::DType::I32, qtc::DType::I64, qtc::DType::Bool};

/// The catalog the input describes; false when it is not one.
bool readCatalog(const json &tensors, qtc::WeightCatalog &out) {
  if (!tensors.is_object())
    return false;
  for (const auto &[name, entry] : tensors.items()) {
    if (!entry.is_object() || !entry.contains("dtype") ||
        !entry["dtype"].is_string() || !entry.contains("shape") ||
        !entry["shape"].is_array())
      return false;
    qtc::WeightInfo info;
    bool known = false;
    for (qtc::DType dtype : kDTypes)
      if (entry["dtype"].get<std::string>() == qtc::dtypeName(dtype)) {
        info.dtype = dtype;
        known = true;
      }
    if (!known)
      return false;
    for (const json &dim : entry["shape"]) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0)
        return false;
      info.shape.push_back(dim.get<int64_t>());
    }
    out[name] = std::move(info);
  }
  return true;
}

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registry.insert<qt::QtDialect, arith::ArithDialect, func::FuncDialect,
                    tensor::TensorDialect>();
    auto *c = new MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json input = json::parse(data, data + size, /*cb=*/nullptr,
                           /*allow_exceptions=*/false);
  if (input.is_discarded() || !input.is_object() || !input.contains("config"))
    return 0;
  qtc::HfModelConfig config;
  if (!qtc::parseHfConfig(input["config"], "config.json:", config).ok())
    return 0;
  qtc::WeightCatalog weights;
  if (!input.contains("tensors") || !readCatalog(input["tensors"], weights))
    return 0;
  qtc::HfImportOptions options;
  options.seqLen = 4;
  options.labels = true;
  MLIRContext &ctx = context();
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> unused;
  if (!qtc::importHfModel(ctx, config, weights, options, module, unused).ok())
    return 0;
  // An accepted model must give a graph the rest of qtc can take.
  std::string diagnostics;
  ScopedDiagnosticHandler capture(&ctx, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  if (failed(verify(*module))) {
    std::fprintf(stderr, "an imported graph does not verify:\n%s",
                 diagnostics.c_str());
    std::abort();
  }
  return 0;
}
