//===- MergedGguf.cpp - LoTA adapters merged into a GGUF model ------------===//
#include "export/MergedGguf.h"
#include "codegen/reference/Lota.h"
#include "runtime/FileWrite.h"
#include "runtime/GgmlAffine.h"
#include "runtime/Gguf.h"
#include "runtime/GgufNames.h"
#include "runtime/Half.h"
#include "runtime/Safetensors.h"
#include "runtime/Strings.h"

#include <cmath>
#include <cstring>
#include <map>

namespace qtc {
namespace {

/// The ternary adapters of a LoTA result, by module path.
struct TernaryPair {
  const HostTensor *a = nullptr, *b = nullptr;
};

Status collectTernaryPairs(const TensorMap &trained,
                           std::map<std::string, TernaryPair> &pairs) {
  for (const auto &[name, tensor] : trained) {
    bool a = endsWith(name, ".a.values"), b = endsWith(name, ".b.values");
    if (!a && !b)
      continue;
    std::string module = name.substr(0, name.size() - 9);
    (a ? pairs[module].a : pairs[module].b) = &tensor;
  }
  if (pairs.empty())
    return Status::error("no LoTA adapters (tensors named "
                         "<module>.a.values and <module>.b.values)");
  for (const auto &[module, pair] : pairs) {
    if (!pair.a || !pair.b)
      return Status::error("module '" + module + "' has no " +
                           (pair.a ? "b.values" : "a.values"));
    for (const HostTensor *t : {pair.a, pair.b})
      if (t->dtype != DType::I8 || t->shape.size() != 2)
        return Status::error("module '" + module + "': the adapters are i8 "
                             "matrices, found " +
                             dtypeName(t->dtype) + " " +
                             formatShape(t->shape));
    if (pair.a->shape[1] != pair.b->shape[0])
      return Status::error("module '" + module + "': a " +
                           formatShape(pair.a->shape) + " and b " +
                           formatShape(pair.b->shape) + " do not chain");
  }
  return Status::success();
}

ref::Array<int8_t> arrayOf(const HostTensor &t) {
  return ref::Array<int8_t>(t.shape,
                            std::vector<int8_t>(t.data<int8_t>(),
                                                t.data<int8_t>() + t.numel()));
}

/// Merges one projection's blocks (HF row order, in the affine `form` of
/// ggml `type`) in place.
Status mergeProjection(uint32_t type, const AffineForm &form,
                       std::vector<uint8_t> &blocks, const TernaryPair &pair,
                       const LotaMergeSettings &settings,
                       MergedGgufInfo &info) {
  const int64_t out = form.out, in = form.in;
  AffineStorage storage;
  QTC_RETURN_IF_ERROR(ggmlToAffine(type, blocks.data(), out, in, storage));
  if (pair.a->shape[0] != in || pair.b->shape[1] != out)
    return Status::error("a " + formatShape(pair.a->shape) + " and b " +
                         formatShape(pair.b->shape) + " do not fit a [" +
                         std::to_string(out) + ", " + std::to_string(in) +
                         "] weight");
  ref::Array<int8_t> a = arrayOf(*pair.a), b = arrayOf(*pair.b);
  QTC_RETURN_IF_ERROR(ref::validateTernary(a).withContext("a"));
  QTC_RETURN_IF_ERROR(ref::validateTernary(b).withContext("b"));
  const int64_t rank = a.dim(1), groups = in / form.group;
  // As qt.lota_linear: the f32 attribute, widened.
  double omega = static_cast<float>(
      settings.omega > 0 ? settings.omega : 0.75 * static_cast<double>(rank));

  if (!form.scaledZero)
    return Status::error(std::string(ggmlTypeName(type)) +
                         " fixes its zero points, and LoTA's merge makes "
                         "them fractional: only Q4_1 bases are merged into "
                         "GGUF for now");
  ref::AffineTensor w;
  w.bits = static_cast<int>(form.bits);
  w.group = form.group;
  w.zeroForm = ref::ZeroForm::Scaled;
  const uint8_t *codes =
      reinterpret_cast<const uint8_t *>(storage.codes.bytes.data());
  w.codes = ref::Array<uint8_t>({in, out},
                                std::vector<uint8_t>(codes, codes + in * out));
  const float *scales = storage.scales.data<float>();
  w.scales = ref::Array<float>({groups, out},
                               std::vector<float>(scales, scales + groups * out));
  const float *zeros = storage.zeros.data<float>();
  w.floatZeros =
      ref::Array<float>({groups, out}, std::vector<float>(zeros, zeros + groups * out));

  ref::Array<int32_t> dw = ref::ternaryProduct(a, b);
  ref::Array<int8_t> what = ref::maskedThreshold(dw, w, omega);
  ref::Array<float> u = ref::lotaOffset(
      dw, what, w, omega,
      settings.invOmega ? ref::OffsetScale::InvOmega : ref::OffsetScale::One);
  ref::AffineTensor merged;
  QTC_RETURN_IF_ERROR(
      ref::lotaMerge(w, what, u, ref::ZeroForm::Scaled, merged));

  for (int64_t i = 0; i < in * out; ++i) {
    info.movedCodes += merged.codes[i] != w.codes[i];
    reinterpret_cast<uint8_t *>(storage.codes.bytes.data())[i] =
        merged.codes[i];
  }
  info.codes += in * out;
  for (int64_t i = 0; i < groups * out; ++i) {
    float zero = merged.floatZeros[i];
    storage.zeros.data<float>()[i] = zero;
    double rounded = halfToFloat(floatToHalf(zero));
    if (scales[i] != 0)
      info.zeroRounding = std::max(
          info.zeroRounding, std::fabs(rounded - zero) / std::fabs(scales[i]));
  }
  info.rank = rank;
  return affineToGgml(type, storage, blocks);
}

} // namespace

Status exportMergedGguf(const std::string &resultPath,
                        const std::string &basePath,
                        const LotaMergeSettings &settings,
                        const std::string &outPath, MergedGgufInfo &info) {
  if (!(settings.omega >= 0) || !std::isfinite(settings.omega))
    return Status::error("--omega must be positive (or 0 for 0.75 r)");
  std::unique_ptr<GgufFile> base;
  QTC_RETURN_IF_ERROR(GgufFile::open(basePath, base));
  const GgufHeader &header = base->header();
  const std::string *arch = ggufString(header, "general.architecture");
  if (!arch || !ggufArchitectureHasHfNames(*arch))
    return Status::error("'" + basePath + "' is no llama or qwen2 GGUF model "
                         "(general.architecture)");
  int64_t heads = 0, kvHeads = 0;
  QTC_RETURN_IF_ERROR(
      ggufCount(header, *arch + ".attention.head_count", 0, heads)
          .withContext("'" + basePath + "'"));
  QTC_RETURN_IF_ERROR(
      ggufCount(header, *arch + ".attention.head_count_kv", heads, kvHeads)
          .withContext("'" + basePath + "'"));

  TensorMap trained;
  {
    std::unique_ptr<SafetensorsFile> file;
    QTC_RETURN_IF_ERROR(SafetensorsFile::open(resultPath, file));
    for (const auto &[name, entry] : file->entries())
      if (endsWith(name, ".a.values") || endsWith(name, ".b.values"))
        QTC_RETURN_IF_ERROR(file->read(name, trained[name]));
  }
  std::map<std::string, TernaryPair> pairs;
  QTC_RETURN_IF_ERROR(
      collectTernaryPairs(trained, pairs).withContext("'" + resultPath + "'"));

  // The base file, patched tensor by tensor: same sizes, same offsets.
  const MappedFile &mapped = base->file();
  std::vector<uint8_t> file(mapped.data(), mapped.data() + mapped.size());
  info = MergedGgufInfo();
  for (const auto &[module, pair] : pairs) {
    std::string hfWeight = module + ".weight";
    std::optional<std::string> ggufName = ggufNameOfHf(hfWeight);
    const GgufTensorInfo *tensor = nullptr;
    const uint8_t *bytes = nullptr;
    if (!ggufName || !base->raw(*ggufName, tensor, bytes).ok())
      return Status::error("'" + resultPath + "' module '" + module +
                           "' has no weight in '" + basePath + "'" +
                           (ggufName ? " ('" + *ggufName + "')" : ""));
    auto fail = [&](const Status &status) {
      return Status::error("'" + basePath + "' tensor '" + *ggufName +
                           "' (module '" + module + "'): " + status.message());
    };
    AffineForm form;
    if (tensor->shape.size() != 2 ||
        !ggmlAffineForm(tensor->type, tensor->shape[0], tensor->shape[1],
                        form))
      return fail(Status::error(
          std::string("is ") + ggmlTypeName(tensor->type) +
          "; LoTA merges into Q4_1 (and trains on Q4_0, Q4_1, Q8_0)"));
    // The rows of blocks; the adapters index them as HF does, and llama's
    // Q and K rows are stored in rope order.
    HostTensor rows(DType::U8,
                    {form.out, static_cast<int64_t>(tensor->bytes) / form.out});
    std::memcpy(rows.bytes.data(), bytes, tensor->bytes);
    auto hf = hfTensorOfGguf(*ggufName, *arch, heads, kvHeads);
    int64_t ropeHeads = hf ? hf->ropeHeads : 0;
    if (ropeHeads)
      QTC_RETURN_IF_ERROR(permuteRopeRows(rows, ropeHeads, true));
    Status merged =
        mergeProjection(tensor->type, form, rows.bytes, pair, settings, info);
    if (!merged.ok())
      return fail(merged);
    if (ropeHeads)
      QTC_RETURN_IF_ERROR(permuteRopeRows(rows, ropeHeads, false));
    std::memcpy(file.data() + header.dataStart + tensor->offset,
                rows.bytes.data(), rows.bytes.size());
    ++info.modules;
  }
  return writeFileAtomically(outPath, {{file.data(), file.size()}});
}

} // namespace qtc
