//===- PeftAdapter.cpp - Trained LoRA adapters as a PEFT adapter ----------===//
#include "export/PeftAdapter.h"
#include "runtime/FileWrite.h"
#include "runtime/ValueChecks.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace qtc {
namespace {

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// `model.layers.3.self_attn.q_proj`: dotted segments of [A-Za-z0-9_]. The
/// path becomes a tensor name other tools parse, and PEFT matches modules
/// by it.
bool isModulePath(const std::string &path) {
  if (path.empty() || path.front() == '.' || path.back() == '.')
    return false;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '_';
    if (!word && !(c == '.' && path[i + 1] != '.'))
      return false;
  }
  return true;
}

/// The transpose of a row-major f32 matrix.
HostTensor transposed(const HostTensor &m) {
  const int64_t rows = m.shape[0], cols = m.shape[1];
  HostTensor t(DType::F32, {cols, rows});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      t.data<float>()[j * rows + i] = m.data<float>()[i * cols + j];
  return t;
}

} // namespace

Status buildPeftAdapter(const TensorMap &trained,
                        const PeftAdapterOptions &options, PeftAdapter &out) {
  if (!std::isfinite(options.alpha) || options.alpha <= 0)
    return Status::error("LoRA alpha must be positive and finite");
  // Modules with either adapter, by path.
  std::set<std::string> modules;
  for (const auto &[name, tensor] : trained)
    if (endsWith(name, ".a") || endsWith(name, ".b"))
      modules.insert(name.substr(0, name.size() - 2));
  if (modules.empty())
    return Status::error("no LoRA adapters (tensors named <module>.a and "
                         "<module>.b)");
  PeftAdapter adapter;
  std::set<std::string> targets;
  for (const std::string &module : modules) {
    if (!isModulePath(module))
      return Status::error("adapter module '" + module +
                           "' is not a dotted path of letters, digits and "
                           "'_'");
    auto a = trained.find(module + ".a"), b = trained.find(module + ".b");
    if (a == trained.end() || b == trained.end())
      return Status::error("module '" + module + "' has only its " +
                           (a == trained.end() ? "b" : "a") + " adapter");
    for (auto it : {a, b}) {
      const HostTensor &t = it->second;
      if (t.dtype != DType::F32 || t.shape.size() != 2)
        return Status::error(
            "adapter '" + it->first + "' is " + dtypeName(t.dtype) + " " +
            formatShape(t.shape) + "; PEFT's LoRA takes f32 matrices (LoTA's "
            "ternary adapters are exported merged, not as PEFT)");
      if (int64_t at = firstNonFinite(t); at >= 0)
        return Status::error("adapter '" + it->first + "' holds a NaN or Inf "
                             "at element " + std::to_string(at));
    }
    const Shape &sa = a->second.shape, &sb = b->second.shape;
    if (sa[1] != sb[0])
      return Status::error("module '" + module + "': a " + formatShape(sa) +
                           " and b " + formatShape(sb) + " do not chain "
                           "(a is [in, r], b is [r, out])");
    if (adapter.rank && sa[1] != adapter.rank)
      return Status::error("module '" + module + "' has rank " +
                           std::to_string(sa[1]) + ", others " +
                           std::to_string(adapter.rank) +
                           " (a PEFT adapter has one r)");
    adapter.rank = sa[1];
    std::string prefix = "base_model.model." + module;
    adapter.tensors[prefix + ".lora_A.weight"] = transposed(a->second);
    adapter.tensors[prefix + ".lora_B.weight"] = transposed(b->second);
    targets.insert(module.substr(module.rfind('.') + 1));
  }
  adapter.modules = modules.size();

  nlohmann::json config = {
      {"peft_type", "LORA"},
      {"task_type", "CAUSAL_LM"},
      {"r", adapter.rank},
      {"target_modules", std::vector<std::string>(targets.begin(),
                                                  targets.end())},
      {"base_model_name_or_path", options.baseModel},
      {"bias", "none"},
      {"fan_in_fan_out", false},
      {"use_rslora", false}, // the scale is alpha / r, as qtc trains it
      {"use_dora", false},
      {"lora_dropout", 0.0},
      {"modules_to_save", nullptr},
      {"inference_mode", true},
  };
  if (options.alpha == std::floor(options.alpha) && options.alpha < 1e9)
    config["lora_alpha"] = static_cast<int64_t>(options.alpha);
  else
    config["lora_alpha"] = options.alpha;
  // The base model's name is the user's: invalid UTF-8 is replaced, never
  // an abort (exceptions are off).
  adapter.configJson =
      config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  out = std::move(adapter);
  return Status::success();
}

Status exportPeftAdapter(const std::string &resultPath,
                         const PeftAdapterOptions &options,
                         const std::string &outDir, PeftAdapter &written) {
  QTC_RETURN_IF_ERROR(createOutputFolder(outDir));
  std::unique_ptr<SafetensorsFile> file;
  QTC_RETURN_IF_ERROR(SafetensorsFile::open(resultPath, file));
  // Only the adapters are read, not the moments beside them.
  TensorMap trained;
  for (const auto &[name, entry] : file->entries())
    if (endsWith(name, ".a") || endsWith(name, ".b"))
      QTC_RETURN_IF_ERROR(file->read(name, trained[name]));
  PeftAdapter adapter;
  QTC_RETURN_IF_ERROR(
      buildPeftAdapter(trained, options, adapter)
          .withContext("'" + resultPath + "'"));
  std::vector<OutputFile> files = {
      {"adapter_model.safetensors",
       [&adapter](const std::string &path) {
         return writeSafetensors(path, adapter.tensors);
       }},
      {"adapter_config.json",
       [&adapter](const std::string &path) {
         return writeFileAtomically(
             path, {{adapter.configJson.data(), adapter.configJson.size()}});
       }},
  };
  QTC_RETURN_IF_ERROR(writeOutputFolder(outDir, files, "qtc export"));
  written = std::move(adapter);
  return Status::success();
}

} // namespace qtc
