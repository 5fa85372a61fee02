//===- Safetensors.cpp - Hugging Face .safetensors files ------------------===//
#include "runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

namespace qtc {
namespace {

using nlohmann::json;

struct DTypeName {
  const char *name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {
    {"F32", DType::F32}, {"F64", DType::F64}, {"F16", DType::F16},
    {"BF16", DType::BF16}, {"I8", DType::I8},   {"U8", DType::U8},
    {"I16", DType::I16}, {"U16", DType::U16}, {"I32", DType::I32},
    {"I64", DType::I64}, {"BOOL", DType::Bool}};

// The project builds without exceptions, so the header is parsed with
// allow_exceptions = false and every field's type is checked before use.
Status parseEntry(const json &entry, size_t dataSize,
                  HostTensor &tensor, size_t &begin) {
  if (!entry.is_object())
    return Status::error("entry is not an object");
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string())
    return Status::error("has no dtype");
  bool known = false;
  for (const DTypeName &candidate : kDTypes)
    if (dtype->get<std::string>() == candidate.name) {
      tensor.dtype = candidate.dtype;
      known = true;
    }
  if (!known)
    return Status::error("unsupported dtype " + dtype->get<std::string>());
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array())
    return Status::error("has no shape");
  tensor.shape.clear();
  for (const json &dim : *shape) {
    if (!dim.is_number_unsigned())
      return Status::error("has a malformed shape");
    tensor.shape.push_back(dim.get<int64_t>());
  }
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    return Status::error("has no data_offsets [begin, end]");
  begin = (*offsets)[0].get<size_t>();
  size_t end = (*offsets)[1].get<size_t>();
  size_t expected = tensor.numel() * dtypeSize(tensor.dtype);
  if (end < begin || end - begin != expected)
    return Status::error("data_offsets [" + std::to_string(begin) + ", " +
                         std::to_string(end) + "] do not hold shape " +
                         formatShape(tensor.shape) + " of " +
                         dtypeName(tensor.dtype) + " (" +
                         std::to_string(expected) + " bytes)");
  if (end > dataSize)
    return Status::error("data_offsets end at byte " + std::to_string(end) +
                         " but the file has " + std::to_string(dataSize) +
                         " bytes of data (truncated?)");
  return Status::success();
}

} // namespace

Status readSafetensors(const std::string &path, TensorMap &out) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return Status::error("cannot open '" + path + "'");
  std::vector<uint8_t> contents((std::istreambuf_iterator<char>(file)),
                                std::istreambuf_iterator<char>());
  auto fail = [&](const std::string &why) {
    return Status::error("'" + path + "' is not a valid .safetensors file: " +
                         why);
  };
  if (contents.size() < 8)
    return fail("shorter than its 8-byte header length");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | contents[i];
  if (headerSize > contents.size() - 8)
    return fail("header length " + std::to_string(headerSize) +
                " runs past the end of the file");
  json header = json::parse(contents.begin() + 8,
                            contents.begin() + 8 + headerSize, nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    return fail("the header is not a JSON object");
  size_t dataStart = 8 + headerSize;
  size_t dataSize = contents.size() - dataStart;
  TensorMap tensors;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__")
      continue;
    HostTensor tensor;
    size_t begin = 0;
    Status parsed = parseEntry(it.value(), dataSize, tensor, begin);
    if (!parsed.ok())
      return fail("tensor '" + it.key() + "' " + parsed.message());
    tensor.bytes.assign(contents.begin() + dataStart + begin,
                        contents.begin() + dataStart + begin +
                            tensor.numel() * dtypeSize(tensor.dtype));
    tensors.emplace(it.key(), std::move(tensor));
  }
  out = std::move(tensors);
  return Status::success();
}

Status writeSafetensors(const std::string &path, const TensorMap &tensors) {
  json header = json::object();
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
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file)
    return Status::error("cannot create '" + path + "'");
  uint64_t size = text.size();
  for (int i = 0; i < 8; ++i)
    file.put(static_cast<char>((size >> (8 * i)) & 0xff));
  file.write(text.data(), text.size());
  for (const auto &entry : tensors)
    file.write(reinterpret_cast<const char *>(entry.second.bytes.data()),
               entry.second.bytes.size());
  file.close();
  if (!file)
    return Status::error("cannot write '" + path + "'");
  return Status::success();
}

} // namespace qtc
