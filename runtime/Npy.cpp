//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
#include "runtime/Npy.h"
#include "runtime/FileRead.h"
#include "runtime/FileWrite.h"

#include <cctype>
#include <cstring>

namespace qtc {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DescrEntry {
  const char *descr;
  DType dtype;
};
// One spelling per dtype when writing; '=' and '|' byte orders are accepted
// when reading (see parseDescr).
constexpr DescrEntry kDescrs[] = {
    {"f4", DType::F32}, {"f8", DType::F64}, {"f2", DType::F16},
    {"i1", DType::I8},  {"u1", DType::U8},  {"i2", DType::I16},
    {"u2", DType::U16}, {"i4", DType::I32}, {"i8", DType::I64},
    {"b1", DType::Bool}};

Status parseDescr(const std::string &descr, DType &dtype) {
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '|' &&
                            descr[0] != '='))
    return Status::error("unsupported dtype '" + descr +
                         "' (expected a little-endian f4, f8, f2, i1, u1, "
                         "i2, u2, i4, i8 or b1)");
  for (const DescrEntry &entry : kDescrs)
    if (descr.compare(1, 2, entry.descr) == 0) {
      dtype = entry.dtype;
      return Status::success();
    }
  return Status::error("unsupported dtype '" + descr + "'");
}

/// The header is a Python dict literal, parsed as one (numpy reads it with
/// ast.literal_eval): exactly the keys 'descr' (a string), 'fortran_order'
/// (True or False) and 'shape' (a tuple of non-negative integers), each
/// once. Substring scans read a key inside another key's string, or the
/// first of two 'descr' where numpy takes the last; a repeated or unknown
/// key is refused here.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : text(text) {}

  Status parse(DType &dtype, bool &fortranOrder, Shape &shape) {
    bool seenDescr = false, seenOrder = false, seenShape = false;
    std::string descr;
    QTC_RETURN_IF_ERROR(expect('{'));
    while (!peek('}')) {
      std::string key;
      QTC_RETURN_IF_ERROR(parseString(key));
      QTC_RETURN_IF_ERROR(expect(':'));
      bool *seen = key == "descr"           ? &seenDescr
                   : key == "fortran_order" ? &seenOrder
                   : key == "shape"         ? &seenShape
                                            : nullptr;
      if (!seen)
        return Status::error("header has an unexpected key '" + key + "'");
      if (*seen)
        return Status::error("header repeats the key '" + key + "'");
      *seen = true;
      if (key == "descr")
        QTC_RETURN_IF_ERROR(parseString(descr));
      else if (key == "fortran_order")
        QTC_RETURN_IF_ERROR(parseBool(fortranOrder));
      else
        QTC_RETURN_IF_ERROR(parseShape(shape));
      if (!peek('}'))
        QTC_RETURN_IF_ERROR(expect(','));
    }
    QTC_RETURN_IF_ERROR(expect('}'));
    skipSpace();
    if (at != text.size())
      return Status::error("header has text after its dictionary");
    if (!seenDescr)
      return Status::error("header has no 'descr'");
    if (!seenOrder)
      return Status::error("header has no 'fortran_order'");
    if (!seenShape)
      return Status::error("header has no 'shape'");
    return parseDescr(descr, dtype);
  }

private:
  void skipSpace() {
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
      ++at;
  }
  bool peek(char c) {
    skipSpace();
    return at < text.size() && text[at] == c;
  }
  Status malformed(const std::string &wanted) {
    return Status::error("header is malformed at byte " + std::to_string(at) +
                         " (expected " + wanted + ")");
  }
  Status expect(char c) {
    if (!peek(c))
      return malformed(std::string("'") + c + "'");
    ++at;
    return Status::success();
  }
  /// A quoted string without escapes (no key or dtype numpy writes has one).
  Status parseString(std::string &out) {
    skipSpace();
    if (at == text.size() || (text[at] != '\'' && text[at] != '"'))
      return malformed("a quoted string");
    char quote = text[at];
    size_t end = text.find(quote, at + 1);
    if (end == std::string::npos)
      return Status::error("header has an unterminated string");
    out = text.substr(at + 1, end - at - 1);
    if (out.find('\\') != std::string::npos)
      return Status::error("header has a string with an escape");
    at = end + 1;
    return Status::success();
  }
  Status parseBool(bool &out) {
    skipSpace();
    for (bool value : {true, false}) {
      std::string word = value ? "True" : "False";
      if (text.compare(at, word.size(), word) == 0) {
        at += word.size();
        out = value;
        return Status::success();
      }
    }
    return malformed("True or False");
  }
  Status parseShape(Shape &shape) {
    shape.clear();
    QTC_RETURN_IF_ERROR(expect('('));
    while (!peek(')')) {
      skipSpace();
      if (at == text.size() || !std::isdigit(static_cast<unsigned char>(text[at])))
        return peek('-') ? Status::error("header has a negative dimension")
                         : malformed("a dimension");
      int64_t dim = 0;
      while (at < text.size() &&
             std::isdigit(static_cast<unsigned char>(text[at])))
        if (__builtin_mul_overflow(dim, int64_t(10), &dim) ||
            __builtin_add_overflow(dim, int64_t(text[at++] - '0'), &dim))
          return Status::error("header has a dimension beyond 64 bits");
      shape.push_back(dim);
      // "(4)" is not a tuple: one dimension needs its comma.
      if (peek(','))
        ++at;
      else if (shape.size() == 1)
        return malformed("',' after the only dimension");
      else if (!peek(')'))
        return malformed("',' or ')'");
    }
    return expect(')');
  }

  const std::string &text;
  size_t at = 0;
};

uint32_t readLittleEndian(const uint8_t *bytes, int count) {
  uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

} // namespace

Status parseNpy(const uint8_t *contents, size_t size, HostTensor &out) {
  if (size < kMagicSize + 4 ||
      std::memcmp(contents, kMagic, kMagicSize) != 0)
    return Status::error("missing the \\x93NUMPY magic");
  int major = contents[6];
  if (major < 1 || major > 3)
    return Status::error("unsupported format version " + std::to_string(major));
  int lengthBytes = major == 1 ? 2 : 4;
  size_t headerStart = kMagicSize + 2 + lengthBytes;
  if (size < headerStart)
    return Status::error("truncated header");
  size_t headerSize = readLittleEndian(&contents[8], lengthBytes);
  if (size < headerStart + headerSize)
    return Status::error("truncated header");
  std::string header(contents + headerStart,
                     contents + headerStart + headerSize);
  HostTensor tensor;
  bool fortranOrder = false;
  Status parsed =
      HeaderParser(header).parse(tensor.dtype, fortranOrder, tensor.shape);
  if (!parsed.ok())
    return Status::error(parsed.message());
  if (fortranOrder)
    return Status::error("Fortran-order arrays are not supported (save with "
                "numpy.ascontiguousarray)");
  // The header may claim any shape: its size in bytes, overflow-checked.
  uint64_t expected = 0;
  if (!checkedByteSize(tensor.dtype, tensor.shape, expected))
    return Status::error("shape " + formatShape(tensor.shape) + " of " +
                dtypeName(tensor.dtype) + " has more bytes than 64 bits count");
  size_t dataStart = headerStart + headerSize;
  uint64_t found = size - dataStart;
  if (found != expected)
    return Status::error(std::string(found < expected ? "truncated" : "trailing") +
                " data: shape " + formatShape(tensor.shape) + " of " +
                dtypeName(tensor.dtype) + " needs " +
                std::to_string(expected) + " bytes, the file has " +
                std::to_string(found));
  tensor.bytes.assign(contents + dataStart, contents + size);
  out = std::move(tensor);
  return Status::success();
}

Status readNpy(const std::string &path, HostTensor &out) {
  std::string bytes;
  QTC_RETURN_IF_ERROR(readRegularFile(path, kMaxNpyBytes, bytes));
  return parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()),
                  bytes.size(), out)
      .withContext("'" + path + "' is not a valid .npy file");
}

Status writeNpy(const std::string &path, const HostTensor &tensor) {
  uint64_t bytes = 0;
  if (!checkedByteSize(tensor.dtype, tensor.shape, bytes))
    return Status::error("cannot write '" + path + "': shape " +
                         formatShape(tensor.shape) + " has no size");
  if (bytes != tensor.bytes.size())
    return Status::error("cannot write '" + path + "': shape " +
                         formatShape(tensor.shape) + " of " +
                         dtypeName(tensor.dtype) + " needs " +
                         std::to_string(bytes) + " bytes, the tensor has " +
                         std::to_string(tensor.bytes.size()));
  DType fileType = tensor.dtype == DType::BF16 ? DType::U16 : tensor.dtype;
  const char *descr = nullptr;
  for (const DescrEntry &entry : kDescrs)
    if (entry.dtype == fileType)
      descr = entry.descr;
  bool singleByte = dtypeSize(fileType) == 1;
  std::string header = std::string("{'descr': '") + (singleByte ? '|' : '<') +
                       descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    header += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  if (tensor.shape.size() == 1)
    header += ','; // "(4,)" is a tuple, "(4)" is not
  header += "), }";
  // Pad with spaces so the data starts on a 64-byte boundary.
  size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 0xffff) // version 1.0 counts the header in 16 bits
    return Status::error("cannot write '" + path + "': a shape of rank " +
                         std::to_string(tensor.shape.size()) +
                         " does not fit a .npy header");

  const char version[2] = {1, 0};
  const char length[2] = {static_cast<char>(header.size() & 0xff),
                          static_cast<char>(header.size() >> 8)};
  return writeFileAtomically(path, {{kMagic, kMagicSize},
                                    {version, 2},
                                    {length, 2},
                                    {header.data(), header.size()},
                                    {tensor.bytes.data(), tensor.bytes.size()}});
}

} // namespace qtc
