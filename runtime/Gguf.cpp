//===- Gguf.cpp - GGUF files (llama.cpp's model format) -------------------===//
//
// Compiled with -ffp-contract=off (runtime/CMakeLists.txt): Q4_1's
// `d * q + m` must round twice, as ggml's C and gguf's numpy do, not fuse.
//
//===----------------------------------------------------------------------===//
#include "runtime/Gguf.h"
#include "runtime/Half.h"

#include <cstring>

namespace qtc {
namespace {

struct GgmlTypeTraits {
  uint32_t type;
  const char *name;
  int64_t blockElements, blockBytes;
};

// ggml's types and their blocks (gguf 0.19.0's GGML_QUANT_SIZES), so that
// every tensor's size is checked even where qtc cannot read the type.
constexpr GgmlTypeTraits kGgmlTypes[] = {
    {0, "F32", 1, 4},          {1, "F16", 1, 2},
    {2, "Q4_0", 32, 18},       {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},       {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},       {9, "Q8_1", 32, 40},
    {10, "Q2_K", 256, 84},     {11, "Q3_K", 256, 110},
    {12, "Q4_K", 256, 144},    {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},    {15, "Q8_K", 256, 292},
    {16, "IQ2_XXS", 256, 66},  {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98},  {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},    {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},    {23, "IQ4_XS", 256, 136},
    {24, "I8", 1, 1},          {25, "I16", 1, 2},
    {26, "I32", 1, 4},         {27, "I64", 1, 8},
    {28, "F64", 1, 8},         {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},        {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},    {39, "MXFP4", 32, 17},
    {40, "NVFP4", 64, 36},     {41, "Q1_0", 128, 18},
};

const GgmlTypeTraits *traitsOf(uint32_t type) {
  for (const GgmlTypeTraits &traits : kGgmlTypes)
    if (traits.type == type)
      return &traits;
  return nullptr;
}

/// A cursor over the file that never reads past its end.
class Reader {
public:
  Reader(const uint8_t *bytes, size_t size) : bytes(bytes), size(size) {}

  size_t offset() const { return at; }
  size_t left() const { return size - at; }

  template <typename T> Status scalar(T &out, const char *what) {
    if (left() < sizeof(T))
      return truncated(what);
    uint64_t value = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      value |= static_cast<uint64_t>(bytes[at + i]) << (8 * i);
    at += sizeof(T);
    out = static_cast<T>(value);
    return Status::success();
  }

  Status string(std::string &out, const char *what) {
    uint64_t length = 0;
    QTC_RETURN_IF_ERROR(scalar(length, what));
    if (length > left())
      return Status::error(std::string(what) + " at byte " +
                           std::to_string(at - 8) + " claims " +
                           std::to_string(length) + " bytes, " +
                           std::to_string(left()) + " are left");
    out.assign(reinterpret_cast<const char *>(bytes + at), length);
    at += length;
    return Status::success();
  }

  Status truncated(const char *what) const {
    return Status::error("the file ends inside " + std::string(what) +
                         " (byte " + std::to_string(at) + " of " +
                         std::to_string(size) + ")");
  }

private:
  const uint8_t *bytes;
  size_t size;
  size_t at = 0;
};

/// Bytes of one scalar, 0 for strings and arrays.
size_t scalarBytes(GgufValueType type) {
  switch (type) {
  case GgufValueType::U8:
  case GgufValueType::I8:
  case GgufValueType::Bool:
    return 1;
  case GgufValueType::U16:
  case GgufValueType::I16:
    return 2;
  case GgufValueType::U32:
  case GgufValueType::I32:
  case GgufValueType::F32:
    return 4;
  case GgufValueType::U64:
  case GgufValueType::I64:
  case GgufValueType::F64:
    return 8;
  case GgufValueType::String:
  case GgufValueType::Array:
    return 0;
  }
  return 0;
}

bool knownValueType(uint32_t type) { return type <= 12; }

Status readValue(Reader &in, uint32_t rawType, const std::string &key,
                 GgufValue &out) {
  if (!knownValueType(rawType))
    return Status::error("key '" + key + "' has value type " +
                         std::to_string(rawType) + ", not a GGUF type");
  out.type = static_cast<GgufValueType>(rawType);
  if (out.type == GgufValueType::String)
    return in.string(out.string, "a string value");
  if (size_t bytes = scalarBytes(out.type)) {
    uint64_t raw = 0;
    for (size_t i = 0; i < bytes; ++i) {
      uint8_t byte = 0;
      QTC_RETURN_IF_ERROR(in.scalar(byte, "a scalar value"));
      raw |= static_cast<uint64_t>(byte) << (8 * i);
    }
    out.raw = raw;
    return Status::success();
  }
  uint32_t element = 0;
  QTC_RETURN_IF_ERROR(in.scalar(element, "an array's element type"));
  QTC_RETURN_IF_ERROR(in.scalar(out.count, "an array's length"));
  if (!knownValueType(element) ||
      static_cast<GgufValueType>(element) == GgufValueType::Array)
    return Status::error("key '" + key + "' is an array of type " +
                         std::to_string(element) +
                         " (arrays hold scalars or strings)");
  out.elementType = static_cast<GgufValueType>(element);
  if (out.elementType == GgufValueType::String) {
    // Each string takes at least its 8-byte length.
    if (out.count > in.left() / 8)
      return Status::error("key '" + key + "' claims " +
                           std::to_string(out.count) + " strings in " +
                           std::to_string(in.left()) + " bytes");
    out.strings.resize(out.count);
    for (std::string &s : out.strings)
      QTC_RETURN_IF_ERROR(in.string(s, "an array's string"));
    return Status::success();
  }
  size_t bytes = scalarBytes(out.elementType);
  if (out.count > in.left() / bytes)
    return Status::error("key '" + key + "' claims " +
                         std::to_string(out.count) + " elements of " +
                         std::to_string(bytes) + " bytes in " +
                         std::to_string(in.left()) + " bytes");
  out.elements.resize(out.count * bytes);
  for (uint8_t &byte : out.elements)
    QTC_RETURN_IF_ERROR(in.scalar(byte, "an array"));
  return Status::success();
}

Status readTensorInfo(Reader &in, std::string &name, GgufTensorInfo &info) {
  QTC_RETURN_IF_ERROR(in.string(name, "a tensor name"));
  if (name.empty() || name.size() > kGgmlMaxTensorName)
    return Status::error("a tensor name has " + std::to_string(name.size()) +
                         " bytes; ggml takes 1 to " +
                         std::to_string(kGgmlMaxTensorName));
  uint32_t dims = 0;
  QTC_RETURN_IF_ERROR(in.scalar(dims, "a tensor's rank"));
  if (dims < 1 || dims > kGgmlMaxDims)
    return Status::error("tensor '" + name + "' has " + std::to_string(dims) +
                         " dimensions; ggml takes 1 to 4");
  for (uint32_t d = 0; d < dims; ++d) {
    uint64_t extent = 0;
    QTC_RETURN_IF_ERROR(in.scalar(extent, "a tensor's shape"));
    if (extent > uint64_t(INT64_MAX))
      return Status::error("tensor '" + name + "' has extent " +
                           std::to_string(extent));
    info.ne.push_back(static_cast<int64_t>(extent));
  }
  info.shape.assign(info.ne.rbegin(), info.ne.rend());
  QTC_RETURN_IF_ERROR(in.scalar(info.type, "a tensor's type"));
  QTC_RETURN_IF_ERROR(in.scalar(info.offset, "a tensor's offset"));
  const GgmlTypeTraits *traits = traitsOf(info.type);
  if (!traits)
    return Status::error("tensor '" + name + "' has type " +
                         std::to_string(info.type) + ", not a ggml type");
  if (info.ne[0] % traits->blockElements != 0)
    return Status::error("tensor '" + name + "' rows of " +
                         std::to_string(info.ne[0]) + " elements are not " +
                         "whole " + traits->name + " blocks of " +
                         std::to_string(traits->blockElements));
  uint64_t count = 0;
  if (!checkedNumElements(info.ne, count) ||
      __builtin_mul_overflow(count / traits->blockElements,
                             uint64_t(traits->blockBytes), &info.bytes))
    return Status::error("tensor '" + name + "' of shape " +
                         formatShape(info.shape) + " overflows 64 bits");
  return Status::success();
}

} // namespace

std::optional<int64_t> GgufValue::asInteger() const {
  switch (type) {
  case GgufValueType::U8:
  case GgufValueType::U16:
  case GgufValueType::U32:
  case GgufValueType::Bool:
    return static_cast<int64_t>(raw);
  case GgufValueType::U64:
    if (raw > uint64_t(INT64_MAX))
      return std::nullopt;
    return static_cast<int64_t>(raw);
  case GgufValueType::I8:
    return static_cast<int8_t>(raw);
  case GgufValueType::I16:
    return static_cast<int16_t>(raw);
  case GgufValueType::I32:
    return static_cast<int32_t>(raw);
  case GgufValueType::I64:
    return static_cast<int64_t>(raw);
  default:
    return std::nullopt;
  }
}

std::optional<double> GgufValue::asFloat() const {
  if (type == GgufValueType::F32) {
    uint32_t bits = static_cast<uint32_t>(raw);
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
  if (type == GgufValueType::F64) {
    double value;
    std::memcpy(&value, &raw, sizeof(value));
    return value;
  }
  return std::nullopt;
}

const char *ggmlTypeName(uint32_t type) {
  const GgmlTypeTraits *traits = traitsOf(type);
  return traits ? traits->name : nullptr;
}

bool ggmlTypeIsReadable(uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
  case GgmlType::F32:
  case GgmlType::F16:
  case GgmlType::BF16:
  case GgmlType::Q8_0:
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
    return true;
  }
  return false;
}

DType ggmlReadDType(uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
  case GgmlType::F16:
    return DType::F16;
  case GgmlType::BF16:
    return DType::BF16;
  default:
    return DType::F32;
  }
}

const std::string *ggufString(const GgufHeader &header,
                              const std::string &key) {
  auto it = header.metadata.find(key);
  return it != header.metadata.end() && it->second.type == GgufValueType::String
             ? &it->second.string
             : nullptr;
}

Status ggufCount(const GgufHeader &header, const std::string &key,
                 int64_t fallback, int64_t &out) {
  auto it = header.metadata.find(key);
  if (it == header.metadata.end()) {
    if (fallback <= 0)
      return Status::error("has no " + key);
    out = fallback;
    return Status::success();
  }
  std::optional<int64_t> value = it->second.asInteger();
  if (!value || it->second.type == GgufValueType::Bool || *value < 1 ||
      *value > (int64_t(1) << 31))
    return Status::error(key + " must be an integer in [1, 2^31]");
  out = *value;
  return Status::success();
}

Status parseGguf(const uint8_t *bytes, size_t size, GgufHeader &out) {
  Reader in(bytes, size);
  uint32_t magic = 0;
  QTC_RETURN_IF_ERROR(in.scalar(magic, "the magic"));
  if (magic != 0x46554747) // "GGUF"
    return Status::error("it does not start with \"GGUF\"");
  GgufHeader header;
  QTC_RETURN_IF_ERROR(in.scalar(header.version, "the version"));
  if (header.version != 2 && header.version != 3)
    return Status::error("GGUF version " + std::to_string(header.version) +
                         " (qtc reads 2 and 3)");
  uint64_t tensorCount = 0, keyCount = 0;
  QTC_RETURN_IF_ERROR(in.scalar(tensorCount, "the tensor count"));
  QTC_RETURN_IF_ERROR(in.scalar(keyCount, "the key count"));
  // A key takes at least 12 bytes (length, type), a tensor info 24.
  if (keyCount > in.left() / 12 || tensorCount > in.left() / 24)
    return Status::error("the header claims " + std::to_string(keyCount) +
                         " keys and " + std::to_string(tensorCount) +
                         " tensors in a file of " + std::to_string(size) +
                         " bytes");
  for (uint64_t k = 0; k < keyCount; ++k) {
    std::string key;
    QTC_RETURN_IF_ERROR(in.string(key, "a key"));
    uint32_t type = 0;
    QTC_RETURN_IF_ERROR(in.scalar(type, "a value type"));
    GgufValue value;
    QTC_RETURN_IF_ERROR(readValue(in, type, key, value));
    if (!header.metadata.emplace(key, std::move(value)).second)
      return Status::error("key '" + key + "' appears twice");
  }
  if (auto it = header.metadata.find("general.alignment");
      it != header.metadata.end()) {
    std::optional<int64_t> alignment = it->second.asInteger();
    if (it->second.type != GgufValueType::U32 || !alignment ||
        *alignment == 0 || (*alignment & (*alignment - 1)) != 0)
      return Status::error("general.alignment must be a u32 power of two");
    header.alignment = static_cast<uint64_t>(*alignment);
  }
  for (uint64_t t = 0; t < tensorCount; ++t) {
    std::string name;
    GgufTensorInfo info;
    QTC_RETURN_IF_ERROR(readTensorInfo(in, name, info));
    if (info.offset % header.alignment != 0)
      return Status::error("tensor '" + name + "' starts at offset " +
                           std::to_string(info.offset) + ", not a multiple "
                           "of the alignment " +
                           std::to_string(header.alignment));
    if (!header.tensors.emplace(name, std::move(info)).second)
      return Status::error("tensor '" + name + "' appears twice");
  }
  size_t end = in.offset();
  size_t dataStart = (end + header.alignment - 1) / header.alignment *
                     header.alignment;
  if (dataStart < end || dataStart > size)
    return in.truncated("the padding before the data");
  header.dataStart = dataStart;
  uint64_t dataSize = size - dataStart;
  for (const auto &[name, info] : header.tensors)
    if (info.offset > dataSize || info.bytes > dataSize - info.offset)
      return Status::error("tensor '" + name + "' (" +
                           std::to_string(info.bytes) + " bytes at offset " +
                           std::to_string(info.offset) +
                           ") ends past the data's " +
                           std::to_string(dataSize) + " bytes");
  out = std::move(header);
  return Status::success();
}

Status dequantizeGgml(uint32_t type, const uint8_t *blocks, int64_t count,
                      float *out) {
  auto half = [](const uint8_t *p) {
    return halfToFloat(Half{static_cast<uint16_t>(p[0] | p[1] << 8)});
  };
  const GgmlTypeTraits *traits = traitsOf(type);
  if (!traits || count % traits->blockElements != 0)
    return Status::error("not whole blocks of a ggml type");
  for (int64_t b = 0; b < count / 32; ++b, out += 32) {
    switch (static_cast<GgmlType>(type)) {
    case GgmlType::Q8_0: { // f16 d, 32 x i8: x = d * q
      const uint8_t *block = blocks + b * 34;
      float d = half(block);
      for (int j = 0; j < 32; ++j)
        out[j] = d * static_cast<float>(static_cast<int8_t>(block[2 + j]));
      break;
    }
    case GgmlType::Q4_0: { // f16 d, 16 bytes: x = d * (q - 8)
      const uint8_t *block = blocks + b * 18;
      float d = half(block);
      for (int j = 0; j < 16; ++j) {
        out[j] = d * static_cast<float>((block[2 + j] & 0x0f) - 8);
        out[j + 16] = d * static_cast<float>((block[2 + j] >> 4) - 8);
      }
      break;
    }
    case GgmlType::Q4_1: { // f16 d, f16 m, 16 bytes: x = d * q + m
      const uint8_t *block = blocks + b * 20;
      float d = half(block), m = half(block + 2);
      for (int j = 0; j < 16; ++j) {
        out[j] = d * static_cast<float>(block[4 + j] & 0x0f) + m;
        out[j + 16] = d * static_cast<float>(block[4 + j] >> 4) + m;
      }
      break;
    }
    default:
      return Status::error(std::string("ggml type ") + traits->name +
                           " cannot be dequantized (qtc reads " +
                           kReadableGgmlTypes + ")");
    }
  }
  return Status::success();
}

Status GgufFile::open(const std::string &path,
                      std::unique_ptr<GgufFile> &out) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->filePath = path;
  QTC_RETURN_IF_ERROR(MappedFile::map(path, file->mapping));
  QTC_RETURN_IF_ERROR(
      parseGguf(file->mapping.data(), file->mapping.size(), file->parsed)
          .withContext("'" + path + "' is not a valid GGUF file"));
  out = std::move(file);
  return Status::success();
}

Status GgufFile::raw(const std::string &name, const GgufTensorInfo *&info,
                     const uint8_t *&bytes) const {
  auto it = parsed.tensors.find(name);
  if (it == parsed.tensors.end())
    return Status::error("'" + filePath + "' has no tensor '" + name + "'");
  info = &it->second;
  bytes = mapping.data() + parsed.dataStart + info->offset;
  return Status::success();
}

Status GgufFile::read(const std::string &name, HostTensor &out) const {
  auto it = parsed.tensors.find(name);
  if (it == parsed.tensors.end())
    return Status::error("'" + filePath + "' has no tensor '" + name + "'");
  const GgufTensorInfo &info = it->second;
  const uint8_t *begin = mapping.data() + parsed.dataStart + info.offset;
  HostTensor tensor;
  tensor.shape = info.shape;
  switch (static_cast<GgmlType>(info.type)) {
  case GgmlType::F32:
  case GgmlType::F16:
  case GgmlType::BF16:
    tensor.dtype = ggmlReadDType(info.type);
    tensor.bytes.assign(begin, begin + info.bytes);
    break;
  case GgmlType::Q8_0:
  case GgmlType::Q4_0:
  case GgmlType::Q4_1: {
    tensor.dtype = DType::F32;
    int64_t count = numElements(info.shape);
    tensor.bytes.resize(static_cast<size_t>(count) * sizeof(float));
    QTC_RETURN_IF_ERROR(
        dequantizeGgml(info.type, begin, count,
                       reinterpret_cast<float *>(tensor.bytes.data())));
    break;
  }
  default:
    return Status::error("tensor '" + name + "' of '" + filePath + "' is " +
                         ggmlTypeName(info.type) + "; qtc reads " +
                         kReadableGgmlTypes);
  }
  out = std::move(tensor);
  return Status::success();
}

} // namespace qtc
