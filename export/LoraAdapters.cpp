//===- LoraAdapters.cpp - The LoRA adapters of a trained result -----------===//
#include "export/LoraAdapters.h"
#include "runtime/ValueChecks.h"
#include "runtime/Strings.h"

#include <set>

namespace qtc {
namespace {

bool isAdapterName(const std::string &name) {
  return endsWith(name, ".a") || endsWith(name, ".b");
}

/// Dotted segments of [A-Za-z0-9_].
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

} // namespace

Status collectLoraAdapters(const TensorMap &trained,
                           std::vector<LoraPair> &pairs, int64_t &rank) {
  std::set<std::string> modules;
  for (const auto &[name, tensor] : trained)
    if (isAdapterName(name))
      modules.insert(name.substr(0, name.size() - 2));
  if (modules.empty())
    return Status::error("no LoRA adapters (tensors named <module>.a and "
                         "<module>.b)");
  pairs.clear();
  rank = 0;
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
            formatShape(t.shape) + "; LoRA adapters are f32 matrices (LoTA's "
            "ternary adapters are exported merged)");
      if (int64_t at = firstNonFinite(t); at >= 0)
        return Status::error("adapter '" + it->first + "' holds a NaN or Inf "
                             "at element " + std::to_string(at));
    }
    const Shape &sa = a->second.shape, &sb = b->second.shape;
    if (sa[1] != sb[0])
      return Status::error("module '" + module + "': a " + formatShape(sa) +
                           " and b " + formatShape(sb) + " do not chain "
                           "(a is [in, r], b is [r, out])");
    if (rank && sa[1] != rank)
      return Status::error("module '" + module + "' has rank " +
                           std::to_string(sa[1]) + ", others " +
                           std::to_string(rank) + " (one r for all)");
    rank = sa[1];
    pairs.push_back({module, &a->second, &b->second});
  }
  return Status::success();
}

Status readLoraAdapters(const std::string &path, TensorMap &trained) {
  std::unique_ptr<SafetensorsFile> file;
  QTC_RETURN_IF_ERROR(SafetensorsFile::open(path, file));
  // Only the adapters are read, not the moments beside them.
  for (const auto &[name, entry] : file->entries())
    if (isAdapterName(name))
      QTC_RETURN_IF_ERROR(file->read(name, trained[name]));
  return Status::success();
}

HostTensor transposed(const HostTensor &m) {
  const int64_t rows = m.shape[0], cols = m.shape[1];
  HostTensor t(DType::F32, {cols, rows});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      t.data<float>()[j * rows + i] = m.data<float>()[i * cols + j];
  return t;
}

} // namespace qtc
