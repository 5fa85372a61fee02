//===- GgufWrite.cpp - Writing GGUF files ---------------------------------===//
#include "runtime/GgufWrite.h"
#include "runtime/FileWrite.h"

#include <cstring>

namespace qtc {
namespace {

constexpr uint64_t kAlignment = 32; // ggml's default; not written

template <typename T> void put(std::vector<uint8_t> &out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i)));
}

void putString(std::vector<uint8_t> &out, const std::string &s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

} // namespace

void GgufWriter::addString(const std::string &key, const std::string &value) {
  putString(metadata, key);
  put<uint32_t>(metadata, static_cast<uint32_t>(GgufValueType::String));
  putString(metadata, value);
  ++keys;
}

void GgufWriter::addU32(const std::string &key, uint32_t value) {
  putString(metadata, key);
  put<uint32_t>(metadata, static_cast<uint32_t>(GgufValueType::U32));
  put<uint32_t>(metadata, value);
  ++keys;
}

void GgufWriter::addF32(const std::string &key, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  putString(metadata, key);
  put<uint32_t>(metadata, static_cast<uint32_t>(GgufValueType::F32));
  put<uint32_t>(metadata, bits);
  ++keys;
}

Status GgufWriter::addTensor(const std::string &name, GgmlType type,
                             const Shape &shape, std::vector<uint8_t> bytes) {
  if (name.empty() || name.size() > kGgmlMaxTensorName)
    return Status::error("GGUF tensor name '" + name + "' has " +
                         std::to_string(name.size()) + " bytes; ggml takes 1 "
                         "to " + std::to_string(kGgmlMaxTensorName));
  if (shape.empty() || shape.size() > kGgmlMaxDims)
    return Status::error("GGUF tensor '" + name + "' has rank " +
                         std::to_string(shape.size()) + "; ggml takes 1 to " +
                         std::to_string(kGgmlMaxDims));
  uint64_t count = 0;
  size_t element = type == GgmlType::F32 ? 4 : type == GgmlType::F16 ? 2 : 0;
  if (!element)
    return Status::error("GGUF tensor '" + name + "': only F32 and F16 are "
                         "written");
  if (!checkedNumElements(shape, count) || count * element != bytes.size())
    return Status::error("GGUF tensor '" + name + "' of shape " +
                         formatShape(shape) + " has " +
                         std::to_string(bytes.size()) + " bytes");
  for (const Tensor &tensor : tensors)
    if (tensor.name == name)
      return Status::error("GGUF tensor '" + name + "' added twice");
  tensors.push_back({name, type, shape, std::move(bytes)});
  return Status::success();
}

Status GgufWriter::addTensor(const std::string &name, const HostTensor &f32) {
  if (f32.dtype != DType::F32)
    return Status::error("GGUF tensor '" + name + "' is not f32");
  return addTensor(name, GgmlType::F32, f32.shape, f32.bytes);
}

std::vector<uint8_t> GgufWriter::bytes() const {
  std::vector<uint8_t> out;
  put<uint32_t>(out, 0x46554747); // "GGUF"
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors.size());
  put<uint64_t>(out, keys);
  out.insert(out.end(), metadata.begin(), metadata.end());
  uint64_t offset = 0;
  for (const Tensor &tensor : tensors) {
    putString(out, tensor.name);
    put<uint32_t>(out, static_cast<uint32_t>(tensor.shape.size()));
    for (auto it = tensor.shape.rbegin(); it != tensor.shape.rend(); ++it)
      put<uint64_t>(out, static_cast<uint64_t>(*it)); // ne[0] fastest
    put<uint32_t>(out, static_cast<uint32_t>(tensor.type));
    put<uint64_t>(out, offset);
    offset += (tensor.bytes.size() + kAlignment - 1) / kAlignment * kAlignment;
  }
  for (const Tensor &tensor : tensors) {
    out.resize((out.size() + kAlignment - 1) / kAlignment * kAlignment, 0);
    out.insert(out.end(), tensor.bytes.begin(), tensor.bytes.end());
  }
  return out;
}

Status GgufWriter::write(const std::string &path) const {
  std::vector<uint8_t> file = bytes();
  return writeFileAtomically(path, {{file.data(), file.size()}});
}

} // namespace qtc
