//===- Checkpoint.cpp - The tensors of a Hugging Face checkpoint ----------===//
#include "runtime/Checkpoint.h"
#include "runtime/FileRead.h"
#include "runtime/GgmlAffine.h"
#include "runtime/GgufNames.h"
#include "runtime/Strings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <sys/stat.h>

namespace qtc {
namespace {

bool isDirectory(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool exists(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// An index names its shards by bare file name; anything that could reach
/// outside the checkpoint's folder is refused.
bool isPlainFileName(const std::string &name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

} // namespace

Status Checkpoint::add(const std::string &path) {
  if (isDirectory(path)) {
    std::string index = path + "/model.safetensors.index.json";
    std::string single = path + "/model.safetensors";
    if (exists(index)) {
      QTC_RETURN_IF_ERROR(addIndex(index));
      return addGptq(path);
    }
    if (exists(single)) {
      QTC_RETURN_IF_ERROR(addFile(single));
      return addGptq(path);
    }
    return Status::error("'" + path +
                         "' holds neither model.safetensors nor "
                         "model.safetensors.index.json");
  }
  if (endsWith(path, ".json"))
    return addIndex(path);
  if (endsWith(path, ".gguf"))
    return addGguf(path);
  return addFile(path);
}

Status Checkpoint::claim(const std::string &name, const std::string &path) {
  auto [it, inserted] = fileOf.emplace(name, path);
  if (!inserted)
    return Status::error("tensor '" + name + "' is in both '" + it->second +
                         "' and '" + path + "'");
  return Status::success();
}

Status Checkpoint::addGguf(const std::string &path) {
  std::unique_ptr<GgufFile> file;
  QTC_RETURN_IF_ERROR(GgufFile::open(path, file));
  const GgufHeader &header = file->header();
  // A llama or qwen2 model's tensors go by their HF names; an adapter's or
  // another file's by their own.
  const std::string *architecture = ggufString(header, "general.architecture");
  const std::string *type = ggufString(header, "general.type");
  bool hfNames = architecture && ggufArchitectureHasHfNames(*architecture) &&
                 !(type && *type == "adapter");
  int64_t heads = 0, kvHeads = 0;
  auto count = [&](const std::string &key, int64_t fallback, int64_t &out) {
    Status status = ggufCount(header, key, fallback, out);
    return status.ok() ? status
                       : Status::error("'" + path + "' " + status.message());
  };
  if (hfNames) {
    QTC_RETURN_IF_ERROR(
        count(*architecture + ".attention.head_count", 0, heads));
    QTC_RETURN_IF_ERROR(
        count(*architecture + ".attention.head_count_kv", heads, kvHeads));
  }
  for (const auto &[ggufName, info] : file->header().tensors) {
    // A model's weights are all read: a type qtc cannot read is named now,
    // not when the step binds it.
    if (hfNames && !ggmlTypeIsReadable(info.type))
      return Status::error("'" + path + "' tensor '" + ggufName + "' is " +
                           ggmlTypeName(info.type) + "; qtc reads " +
                           kReadableGgmlTypes);
    GgufTensor tensor{file.get(), ggufName, 0, {}};
    std::string name = ggufName;
    if (hfNames)
      if (auto hf = hfTensorOfGguf(ggufName, *architecture, heads, kvHeads)) {
        name = hf->name;
        tensor.ropeHeads = hf->ropeHeads;
        if (tensor.ropeHeads &&
            (info.shape.empty() ||
             info.shape[0] % (2 * tensor.ropeHeads) != 0))
          return Status::error(
              "'" + path + "' tensor '" + ggufName + "' of shape " +
              formatShape(info.shape) + " cannot hold the rope rows of " +
              std::to_string(tensor.ropeHeads) + " heads");
      }
    QTC_RETURN_IF_ERROR(claim(name, path));
    tensor.entry.shape = info.shape;
    tensor.entry.dtype = ggmlReadDType(info.type);
    // A quantized linear can also be bound as the integer base of LoTA or
    // QEFT, in its affine form.
    AffineForm form;
    if (hfNames && info.shape.size() == 2 &&
        ggmlAffineForm(info.type, info.shape[0], info.shape[1], form))
      QTC_RETURN_IF_ERROR(addAffineParts(name, form, path));
    ggufTensors.emplace(name, std::move(tensor));
  }
  ggufFiles.push_back(std::move(file));
  return Status::success();
}

Status Checkpoint::addGptq(const std::string &dir) {
  nlohmann::json config;
  std::string where;
  if (exists(dir + "/quantize_config.json")) {
    where = "'" + dir + "/quantize_config.json':";
    QTC_RETURN_IF_ERROR(
        readJsonObject(dir + "/quantize_config.json", "quantization", config));
  } else if (exists(dir + "/config.json")) {
    nlohmann::json model;
    QTC_RETURN_IF_ERROR(readJsonObject(dir + "/config.json", "config", model));
    auto it = model.find("quantization_config");
    if (it == model.end() || it->is_null())
      return Status::success();
    where = "'" + dir + "/config.json' quantization_config:";
    config = *it;
  } else {
    return Status::success();
  }
  QTC_RETURN_IF_ERROR(parseGptqConfig(config, where, gptqConfig));
  for (const auto &[name, file] : fileOf) {
    const std::string suffix = ".qweight";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string module = name.substr(0, name.size() - suffix.size());
    const SafetensorsEntry *qweight = find(module + ".qweight"),
                           *qzeros = find(module + ".qzeros"),
                           *scales = find(module + ".scales"),
                           *gIdx = find(module + ".g_idx");
    if (!qzeros || !scales)
      return Status::error("GPTQ module '" + module + "' in '" + dir +
                           "' has no " + (qzeros ? "scales" : "qzeros"));
    int64_t in = 0, out = 0;
    QTC_RETURN_IF_ERROR(
        checkGptqShapes(gptqConfig, module, qweight->dtype, qweight->shape,
                        qzeros->dtype, qzeros->shape, scales->dtype,
                        scales->shape, gIdx ? gIdx->dtype : DType::I32,
                        gIdx ? &gIdx->shape : nullptr, in, out)
            .withContext("'" + dir + "'"));
    std::string weight = module + ".weight";
    if (fileOf.count(weight))
      return Status::error("'" + dir + "' holds both '" + weight +
                           "' and the GPTQ tensors of '" + module + "'");
    SafetensorsEntry entry;
    entry.dtype = DType::F32;
    entry.shape = {out, in};
    gptqWeights[weight] = {module, entry};
    // GPTQ's layout is qt.affine's: bound as it is for LoTA and QEFT.
    AffineForm form;
    if (gptqAffineForm(gptqConfig, in, out, form))
      QTC_RETURN_IF_ERROR(addAffineParts(weight, form, dir));
    for (const char *part : {".qweight", ".qzeros", ".scales", ".g_idx"})
      gptqParts.insert(module + part);
  }
  return Status::success();
}

Status Checkpoint::readGptqParts(const std::string &module,
                                 GptqParts &parts) const {
  QTC_RETURN_IF_ERROR(read(module + ".qweight", parts.qweight));
  QTC_RETURN_IF_ERROR(read(module + ".qzeros", parts.qzeros));
  QTC_RETURN_IF_ERROR(read(module + ".scales", parts.scales));
  parts.hasGIdx = fileOf.count(module + ".g_idx");
  if (parts.hasGIdx)
    QTC_RETURN_IF_ERROR(read(module + ".g_idx", parts.gIdx));
  return Status::success();
}

Status Checkpoint::addFile(const std::string &path) {
  std::unique_ptr<SafetensorsFile> file;
  QTC_RETURN_IF_ERROR(SafetensorsFile::open(path, file));
  for (const auto &entry : file->entries()) {
    QTC_RETURN_IF_ERROR(claim(entry.first, path));
    owner.emplace(entry.first, file.get());
  }
  shards.push_back(std::move(file));
  return Status::success();
}

Status Checkpoint::addIndex(const std::string &path) {
  using nlohmann::json;
  json index;
  QTC_RETURN_IF_ERROR(readJsonObject(path, "safetensors index", index));
  auto fail = [&](const std::string &why) {
    return Status::error("'" + path + "' is not a valid safetensors index: " +
                         why);
  };
  auto map = index.find("weight_map");
  if (map == index.end() || !map->is_object())
    return fail("no \"weight_map\" object");
  std::map<std::string, std::set<std::string>> byShard;
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it.value().is_string())
      return fail("the shard of '" + it.key() + "' is not a string");
    std::string shard = it.value().get<std::string>();
    if (!isPlainFileName(shard))
      return fail("shard name '" + shard +
                  "' is not a file name in the index's folder");
    byShard[shard].insert(it.key());
  }
  if (byShard.empty())
    return fail("the weight_map is empty");
  std::string folder = directoryOf(path);
  for (const auto &[shard, names] : byShard) {
    std::string shardPath = folder + "/" + shard;
    QTC_RETURN_IF_ERROR(addFile(shardPath));
    const SafetensorsFile &file = *shards.back();
    for (const std::string &name : names)
      if (!file.entries().count(name))
        return fail("the weight_map puts '" + name + "' in '" + shard +
                    "', which has no such tensor");
    for (const auto &entry : file.entries())
      if (!names.count(entry.first))
        return fail("'" + shard + "' holds '" + entry.first +
                    "', which the weight_map does not list there");
  }
  return Status::success();
}

Status Checkpoint::addAffineParts(const std::string &weight,
                                  const AffineForm &form,
                                  const std::string &path) {
  Shape groups = {form.in / form.group, form.out};
  Shape shapes[] = {{form.in, form.out}, groups, groups};
  DType dtypes[] = {DType::I8, DType::F32,
                    form.scaledZero ? DType::F32 : DType::I8};
  for (int part = 0; part < 3; ++part) {
    std::string partName = weight + "." + kAffineParts[part];
    QTC_RETURN_IF_ERROR(claim(partName, path));
    SafetensorsEntry entry;
    entry.dtype = dtypes[part];
    entry.shape = shapes[part];
    affineParts[partName] = {weight, part, entry};
  }
  affineForms[weight] = form;
  return Status::success();
}

const AffineForm *Checkpoint::affineForm(const std::string &name) const {
  auto it = affineForms.find(name);
  return it == affineForms.end() ? nullptr : &it->second;
}

Status Checkpoint::readAffine(const std::string &weight,
                              AffineStorage &out) const {
  if (auto gptq = gptqWeights.find(weight); gptq != gptqWeights.end()) {
    const std::string &module = gptq->second.module;
    GptqParts parts;
    QTC_RETURN_IF_ERROR(readGptqParts(module, parts));
    return gptqToAffine(gptqConfig, module, parts.tensors(), out)
        .withContext("'" + fileOf.at(module + ".qweight") + "'");
  }
  const GgufTensor &tensor = ggufTensors.at(weight);
  const GgufTensorInfo *info = nullptr;
  const uint8_t *blocks = nullptr;
  QTC_RETURN_IF_ERROR(tensor.file->raw(tensor.ggufName, info, blocks));
  const AffineForm &form = affineForms.at(weight);
  HostTensor rows;
  if (tensor.ropeHeads) {
    // Whole rows of blocks move: HF's row order, as read() gives it.
    rows = HostTensor(DType::U8, {form.out, static_cast<int64_t>(info->bytes) /
                                                form.out});
    std::memcpy(rows.bytes.data(), blocks, info->bytes);
    QTC_RETURN_IF_ERROR(permuteRopeRows(rows, tensor.ropeHeads, true));
    blocks = rows.bytes.data();
  }
  return ggmlToAffine(info->type, blocks, form.out, form.in, out)
      .withContext("'" + tensor.file->path() + "' tensor '" +
                   tensor.ggufName + "'");
}

const SafetensorsEntry *Checkpoint::find(const std::string &name) const {
  if (auto part = affineParts.find(name); part != affineParts.end())
    return &part->second.entry;
  if (auto gptq = gptqWeights.find(name); gptq != gptqWeights.end())
    return &gptq->second.entry;
  if (auto gguf = ggufTensors.find(name); gguf != ggufTensors.end())
    return &gguf->second.entry;
  auto it = owner.find(name);
  return it == owner.end() ? nullptr : &it->second->entries().at(name);
}

Status Checkpoint::read(const std::string &name, HostTensor &out) const {
  if (auto part = affineParts.find(name); part != affineParts.end()) {
    AffineStorage storage;
    QTC_RETURN_IF_ERROR(readAffine(part->second.weight, storage));
    HostTensor *parts[] = {&storage.codes, &storage.scales, &storage.zeros};
    out = std::move(*parts[part->second.part]);
    return Status::success();
  }
  if (auto gptq = gptqWeights.find(name); gptq != gptqWeights.end()) {
    const std::string &module = gptq->second.module;
    GptqParts parts;
    QTC_RETURN_IF_ERROR(readGptqParts(module, parts));
    return dequantizeGptq(gptqConfig, module, parts.tensors(), out)
        .withContext("'" + fileOf.at(module + ".qweight") + "'");
  }
  if (auto gguf = ggufTensors.find(name); gguf != ggufTensors.end()) {
    const GgufTensor &tensor = gguf->second;
    QTC_RETURN_IF_ERROR(tensor.file->read(tensor.ggufName, out));
    if (tensor.ropeHeads)
      QTC_RETURN_IF_ERROR(permuteRopeRows(out, tensor.ropeHeads, true));
    return Status::success();
  }
  auto it = owner.find(name);
  if (it == owner.end())
    return Status::error("the checkpoint has no tensor '" + name + "'");
  return it->second->read(name, out);
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> all;
  for (const auto &entry : fileOf)
    if (!gptqParts.count(entry.first) && !affineParts.count(entry.first))
      all.push_back(entry.first);
  for (const auto &entry : gptqWeights)
    all.push_back(entry.first);
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<std::string> Checkpoint::files() const {
  std::vector<std::string> paths;
  for (const auto &shard : shards)
    paths.push_back(shard->path());
  for (const auto &file : ggufFiles)
    paths.push_back(file->path());
  return paths;
}

} // namespace qtc
