//===- Gguf.h - GGUF files (llama.cpp's model format) -----------*- C++ -*-===//
//
// A GGUF v2/v3 file (ggml's gguf.h is the authority; FORMATS.md has the
// facts qtc relies on): little-endian header, key-value metadata, tensor
// infos (`ne[0]` the fastest axis), then the data, each tensor at an
// `general.alignment` (default 32) offset. The file is memory-mapped and
// everything in the header checked when opened: every count against the
// bytes left, every string and array inside the file, every tensor's size
// against its type's blocks and its range inside the data, names unique.
// Reading a tensor gives F32, F16 and BF16 as stored and dequantizes Q8_0,
// Q4_0 and Q4_1 to f32 exactly as ggml does; other types are named and
// refused when read.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_GGUF_H
#define QTC_RUNTIME_GGUF_H

#include "runtime/MappedFile.h"
#include "runtime/HostTensor.h"
#include "runtime/Status.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qtc {

enum class GgufValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
  String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

/// One metadata value. Arrays hold scalars (as their little-endian bytes) or
/// strings; ggml writes no arrays of arrays, and they are refused.
struct GgufValue {
  GgufValueType type = GgufValueType::U8;
  uint64_t raw = 0;   // a scalar's bits, zero-extended
  std::string string; // String
  GgufValueType elementType = GgufValueType::U8; // Array
  uint64_t count = 0;                            // Array
  std::vector<std::string> strings;              // an array of strings
  std::vector<uint8_t> elements;                 // an array of scalars

  /// An integer or bool scalar, when it fits in int64.
  std::optional<int64_t> asInteger() const;
  /// An f32 or f64 scalar.
  std::optional<double> asFloat() const;
};

/// ggml's tensor types, by their file numbers; only some can be read.
enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 8, BF16 = 30,
};

/// The type's name ("Q4_1", "Q6_K"), or null for a number ggml does not
/// define.
const char *ggmlTypeName(uint32_t type);

/// Whether GgufFile::read takes tensors of this type: F32, F16, BF16, Q8_0,
/// Q4_0 and Q4_1.
bool ggmlTypeIsReadable(uint32_t type);

/// The dtype GgufFile::read gives a tensor of this readable type: F16 and
/// BF16 as stored, F32 for F32 and what dequantizes.
DType ggmlReadDType(uint32_t type);

// ggml's limits: GGML_MAX_DIMS and GGML_MAX_NAME (a name of 64 bytes or
// more does not load in llama.cpp).
constexpr uint32_t kGgmlMaxDims = 4;
constexpr size_t kGgmlMaxTensorName = 63;

/// The types ggmlTypeIsReadable takes, for messages.
constexpr const char *kReadableGgmlTypes = "F32, F16, BF16, Q8_0, Q4_0 and "
                                           "Q4_1";

struct GgufTensorInfo {
  uint32_t type = 0; // a GgmlType or another ggml type
  Shape ne;          // as stored: ne[0] is the fastest axis
  Shape shape;       // row-major, ne reversed: [out, in] for a linear
  uint64_t offset = 0, bytes = 0; // within the data section
};

struct GgufHeader {
  uint32_t version = 0;
  uint64_t alignment = 32;
  size_t dataStart = 0;
  std::map<std::string, GgufValue> metadata;
  std::map<std::string, GgufTensorInfo> tensors;
};

/// Metadata value `key` as a string, or null when absent or of another
/// type.
const std::string *ggufString(const GgufHeader &header, const std::string &key);

/// Metadata value `key` as an integer in [1, 2^31], or `fallback` when
/// absent (fallback 0: the key is required); messages name the key.
Status ggufCount(const GgufHeader &header, const std::string &key,
                 int64_t fallback, int64_t &out);

/// Parses and checks a whole GGUF file in memory (what GgufFile::open does
/// with its mapping; the fuzz target's entry).
Status parseGguf(const uint8_t *bytes, size_t size, GgufHeader &out);

/// Dequantizes `count` elements of ggml type `type` (Q8_0, Q4_0 or Q4_1) from
/// `blocks` into `out`, as ggml's dequantize_row_* does.
Status dequantizeGgml(uint32_t type, const uint8_t *blocks, int64_t count,
                      float *out);

/// A memory-mapped GGUF file (a regular file; the mapping lives as long as
/// the object).
class GgufFile {
public:
  static Status open(const std::string &path, std::unique_ptr<GgufFile> &out);
  GgufFile(const GgufFile &) = delete;
  GgufFile &operator=(const GgufFile &) = delete;

  const std::string &path() const { return filePath; }
  const GgufHeader &header() const { return parsed; }
  /// One tensor in its row-major shape: F32, F16 and BF16 as stored, Q8_0,
  /// Q4_0 and Q4_1 dequantized to F32; an unknown name or another type is an
  /// error naming it.
  Status read(const std::string &name, HostTensor &out) const;
  /// One tensor's header entry and its bytes as stored (`info->bytes` of
  /// them, inside the mapping; checked when the file was opened).
  Status raw(const std::string &name, const GgufTensorInfo *&info,
             const uint8_t *&bytes) const;
  /// The whole file as mapped.
  const MappedFile &file() const { return mapping; }

private:
  GgufFile() = default;

  std::string filePath;
  MappedFile mapping;
  GgufHeader parsed;
};

} // namespace qtc

#endif // QTC_RUNTIME_GGUF_H
