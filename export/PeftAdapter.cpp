//===- PeftAdapter.cpp - Trained LoRA adapters as a PEFT adapter ----------===//
#include "export/PeftAdapter.h"
#include "export/LoraAdapters.h"
#include "runtime/FileWrite.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace qtc {

Status buildPeftAdapter(const TensorMap &trained,
                        const PeftAdapterOptions &options, PeftAdapter &out) {
  if (!std::isfinite(options.alpha) || options.alpha <= 0)
    return Status::error("LoRA alpha must be positive and finite");
  PeftAdapter adapter;
  std::vector<LoraPair> pairs;
  QTC_RETURN_IF_ERROR(collectLoraAdapters(trained, pairs, adapter.rank));
  std::set<std::string> targets;
  for (const LoraPair &pair : pairs) {
    std::string prefix = "base_model.model." + pair.module;
    adapter.tensors[prefix + ".lora_A.weight"] = transposed(*pair.a);
    adapter.tensors[prefix + ".lora_B.weight"] = transposed(*pair.b);
    targets.insert(pair.module.substr(pair.module.rfind('.') + 1));
  }
  adapter.modules = pairs.size();

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
  TensorMap trained;
  QTC_RETURN_IF_ERROR(readLoraAdapters(resultPath, trained));
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
