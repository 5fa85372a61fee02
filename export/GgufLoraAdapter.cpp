//===- GgufLoraAdapter.cpp - Trained LoRA adapters as a GGUF adapter ------===//
#include "export/GgufLoraAdapter.h"
#include "export/LoraAdapters.h"
#include "runtime/GgufNames.h"

#include <cmath>

namespace qtc {
Status buildGgufLoraAdapter(const TensorMap &trained, double alpha,
                            const GgufHeader &base, GgufWriter &out,
                            GgufLoraAdapterInfo &info) {
  if (!std::isfinite(alpha) || alpha <= 0 ||
      !std::isfinite(static_cast<float>(alpha)))
    return Status::error("LoRA alpha must be positive and finite");
  const std::string *arch = ggufString(base, "general.architecture");
  if (!arch || !ggufArchitectureHasHfNames(*arch))
    return Status::error("the base is no llama or qwen2 GGUF model "
                         "(general.architecture)");
  const std::string &architecture = *arch;
  int64_t heads = 0, kvHeads = 0;
  QTC_RETURN_IF_ERROR(ggufCount(base, architecture + ".attention.head_count",
                                0, heads)
                          .withContext("the base model"));
  QTC_RETURN_IF_ERROR(ggufCount(base,
                                architecture + ".attention.head_count_kv",
                                heads, kvHeads)
                          .withContext("the base model"));
  std::vector<LoraPair> pairs;
  QTC_RETURN_IF_ERROR(collectLoraAdapters(trained, pairs, info.rank));
  out.addString("general.architecture", architecture);
  out.addString("general.type", "adapter");
  out.addString("adapter.type", "lora");
  out.addF32("adapter.lora.alpha", static_cast<float>(alpha));
  for (const LoraPair &pair : pairs) {
    std::string hfWeight = pair.module + ".weight";
    std::optional<std::string> ggufWeight = ggufNameOfHf(hfWeight);
    auto tensor =
        ggufWeight ? base.tensors.find(*ggufWeight) : base.tensors.end();
    if (tensor == base.tensors.end())
      return Status::error("module '" + pair.module + "' has no weight in "
                           "the base model" +
                           (ggufWeight ? " ('" + *ggufWeight + "')" : ""));
    // The base weight is [out, in]: a is [in, r], b is [r, out].
    const Shape &weight = tensor->second.shape;
    if (weight.size() != 2 || weight[1] != pair.a->shape[0] ||
        weight[0] != pair.b->shape[1])
      return Status::error("module '" + pair.module + "': a " +
                           formatShape(pair.a->shape) + " and b " +
                           formatShape(pair.b->shape) + " do not fit '" +
                           *ggufWeight + "' " + formatShape(weight));
    HostTensor loraB = transposed(*pair.b);
    auto hf = hfTensorOfGguf(*ggufWeight, architecture, heads, kvHeads);
    if (hf && hf->ropeHeads)
      QTC_RETURN_IF_ERROR(
          permuteRopeRows(loraB, hf->ropeHeads, /*toHf=*/false)
              .withContext("'" + *ggufWeight + "' lora_b"));
    QTC_RETURN_IF_ERROR(
        out.addTensor(*ggufWeight + ".lora_a", transposed(*pair.a)));
    QTC_RETURN_IF_ERROR(out.addTensor(*ggufWeight + ".lora_b", loraB));
  }
  info.modules = pairs.size();
  return Status::success();
}

Status exportGgufLoraAdapter(const std::string &resultPath, double alpha,
                             const std::string &basePath,
                             const std::string &outPath,
                             GgufLoraAdapterInfo &info) {
  std::unique_ptr<GgufFile> base;
  QTC_RETURN_IF_ERROR(GgufFile::open(basePath, base));
  TensorMap trained;
  QTC_RETURN_IF_ERROR(readLoraAdapters(resultPath, trained));
  GgufWriter writer;
  QTC_RETURN_IF_ERROR(
      buildGgufLoraAdapter(trained, alpha, base->header(), writer, info)
          .withContext("'" + resultPath + "' for '" + basePath + "'"));
  return writer.write(outPath);
}

} // namespace qtc
