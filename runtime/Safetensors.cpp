//===- Safetensors.cpp - Hugging Face .safetensors files ------------------===//
#include "runtime/Safetensors.h"
#include "runtime/FileRead.h"
#include "runtime/FileWrite.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace qtc {
namespace {

using nlohmann::json;

struct DTypeName {
  const char *name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {
    {"F32", DType::F32},   {"F64", DType::F64},  {"F16", DType::F16},
    {"BF16", DType::BF16}, {"I8", DType::I8},    {"U8", DType::U8},
    {"I16", DType::I16},   {"U16", DType::U16},  {"I32", DType::I32},
    {"I64", DType::I64},   {"BOOL", DType::Bool}};

// The project builds without exceptions, so the header is parsed with
// allow_exceptions = false and every field's type is checked before use.
Status parseEntry(const json &entry, size_t dataSize, SafetensorsEntry &out) {
  if (!entry.is_object())
    return Status::error("entry is not an object");
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string())
    return Status::error("has no dtype");
  bool known = false;
  for (const DTypeName &candidate : kDTypes)
    if (dtype->get<std::string>() == candidate.name) {
      out.dtype = candidate.dtype;
      known = true;
    }
  if (!known)
    return Status::error("unsupported dtype " + dtype->get<std::string>());
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array())
    return Status::error("has no shape");
  out.shape.clear();
  for (const json &dim : *shape) {
    if (!dim.is_number_unsigned() ||
        dim.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return Status::error("has a malformed shape (dimensions are "
                           "non-negative integers)");
    out.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }
  // Sizes in bytes, overflow-checked: a header may claim any shape.
  uint64_t expected = 0;
  if (!checkedByteSize(out.dtype, out.shape, expected))
    return Status::error("has a shape whose size overflows");
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    return Status::error("has no data_offsets [begin, end]");
  uint64_t begin = (*offsets)[0].get<uint64_t>();
  uint64_t end = (*offsets)[1].get<uint64_t>();
  if (end < begin || end - begin != expected)
    return Status::error(
        "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
        "] do not hold shape " + formatShape(out.shape) + " of " +
        dtypeName(out.dtype) + " (" + std::to_string(expected) + " bytes)");
  if (end > dataSize)
    return Status::error("data_offsets end at byte " + std::to_string(end) +
                         " but the file has " + std::to_string(dataSize) +
                         " bytes of data (truncated?)");
  out.begin = begin;
  out.size = expected;
  return Status::success();
}

} // namespace

Status parseSafetensorsHeader(const uint8_t *bytes, size_t size,
                              SafetensorsHeader &out) {
  if (size < 8)
    return Status::error("shorter than its 8-byte header length");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | bytes[i];
  if (headerSize > size - 8)
    return Status::error("header length " + std::to_string(headerSize) +
                         " runs past the end of the file");
  json header = json::parse(bytes + 8, bytes + 8 + headerSize, nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    return Status::error("the header is not a JSON object");
  SafetensorsHeader parsed;
  parsed.dataStart = 8 + headerSize;
  size_t dataSize = size - parsed.dataStart;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object())
        return Status::error("__metadata__ is not an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          return Status::error("__metadata__ value '" + m.key() +
                               "' is not a string");
        parsed.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    SafetensorsEntry entry;
    Status entryStatus = parseEntry(it.value(), dataSize, entry);
    if (!entryStatus.ok())
      return Status::error("tensor '" + it.key() + "' " +
                           entryStatus.message());
    parsed.entries.emplace(it.key(), std::move(entry));
  }
  out = std::move(parsed);
  return Status::success();
}

Status SafetensorsFile::open(const std::string &path,
                             std::unique_ptr<SafetensorsFile> &out) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->filePath = path;
  QTC_RETURN_IF_ERROR(MappedFile::map(path, file->mapping));
  QTC_RETURN_IF_ERROR(
      parseSafetensorsHeader(file->mapping.data(), file->mapping.size(),
                             file->header)
          .withContext("'" + path + "' is not a valid .safetensors file"));
  out = std::move(file);
  return Status::success();
}

Status SafetensorsFile::read(const std::string &name, HostTensor &out) const {
  auto it = header.entries.find(name);
  if (it == header.entries.end())
    return Status::error("'" + filePath + "' has no tensor '" + name + "'");
  const SafetensorsEntry &entry = it->second;
  HostTensor tensor;
  tensor.dtype = entry.dtype;
  tensor.shape = entry.shape;
  const uint8_t *begin = mapping.data() + header.dataStart + entry.begin;
  tensor.bytes.assign(begin, begin + entry.size);
  out = std::move(tensor);
  return Status::success();
}

Status readSafetensors(const std::string &path, TensorMap &out) {
  std::unique_ptr<SafetensorsFile> file;
  QTC_RETURN_IF_ERROR(SafetensorsFile::open(path, file));
  TensorMap tensors;
  for (const auto &entry : file->entries())
    QTC_RETURN_IF_ERROR(file->read(entry.first, tensors[entry.first]));
  out = std::move(tensors);
  return Status::success();
}

Status writeSafetensors(const std::string &path, const TensorMap &tensors,
                        const std::map<std::string, std::string> &metadata) {
  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const auto &[name, tensor] : tensors) {
    const char *dtype = nullptr;
    for (const DTypeName &candidate : kDTypes)
      if (candidate.dtype == tensor.dtype)
        dtype = candidate.name;
    header[name] = {{"dtype", dtype},
                    {"shape", tensor.shape},
                    {"data_offsets", {offset, offset + tensor.bytes.size()}}};
    offset += tensor.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' '); // align the data to 8 bytes
  uint8_t length[8];
  uint64_t size = text.size();
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<uint8_t>((size >> (8 * i)) & 0xff);

  std::vector<ByteRange> pieces = {{length, 8}, {text.data(), text.size()}};
  for (const auto &entry : tensors)
    pieces.push_back({entry.second.bytes.data(), entry.second.bytes.size()});
  return writeFileAtomically(path, pieces);
}

} // namespace qtc
