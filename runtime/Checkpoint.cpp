//===- Checkpoint.cpp - The tensors of a Hugging Face checkpoint ----------===//
#include "runtime/Checkpoint.h"
#include "runtime/FileRead.h"

#include <nlohmann/json.hpp>

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

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
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
    if (exists(index))
      return addIndex(index);
    if (exists(single))
      return addFile(single);
    return Status::error("'" + path +
                         "' holds neither model.safetensors nor "
                         "model.safetensors.index.json");
  }
  if (endsWith(path, ".json"))
    return addIndex(path);
  return addFile(path);
}

Status Checkpoint::addFile(const std::string &path) {
  std::unique_ptr<SafetensorsFile> file;
  QTC_RETURN_IF_ERROR(SafetensorsFile::open(path, file));
  for (const auto &entry : file->entries()) {
    auto [it, inserted] = owner.emplace(entry.first, file.get());
    if (!inserted)
      return Status::error("tensor '" + entry.first + "' is in both '" +
                           it->second->path() + "' and '" + path + "'");
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

const SafetensorsEntry *Checkpoint::find(const std::string &name) const {
  auto it = owner.find(name);
  return it == owner.end() ? nullptr : &it->second->entries().at(name);
}

Status Checkpoint::read(const std::string &name, HostTensor &out) const {
  auto it = owner.find(name);
  if (it == owner.end())
    return Status::error("the checkpoint has no tensor '" + name + "'");
  return it->second->read(name, out);
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> all;
  for (const auto &entry : owner)
    all.push_back(entry.first);
  return all;
}

std::vector<std::string> Checkpoint::files() const {
  std::vector<std::string> paths;
  for (const auto &shard : shards)
    paths.push_back(shard->path());
  return paths;
}

} // namespace qtc
