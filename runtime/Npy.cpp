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

/// The text after `'key':` in the header dictionary, or npos.
size_t findKey(const std::string &header, const char *key) {
  std::string quoted = std::string("'") + key + "'";
  size_t at = header.find(quoted);
  if (at == std::string::npos)
    return at;
  at = header.find(':', at + quoted.size());
  if (at == std::string::npos)
    return at;
  ++at;
  while (at < header.size() && std::isspace(header[at]))
    ++at;
  return at;
}

Status parseHeader(const std::string &header, DType &dtype, Shape &shape) {
  size_t at = findKey(header, "descr");
  if (at == std::string::npos || header[at] != '\'')
    return Status::error("header has no 'descr'");
  size_t end = header.find('\'', at + 1);
  if (end == std::string::npos)
    return Status::error("header has an unterminated 'descr'");
  QTC_RETURN_IF_ERROR(parseDescr(header.substr(at + 1, end - at - 1), dtype));

  at = findKey(header, "fortran_order");
  if (at == std::string::npos)
    return Status::error("header has no 'fortran_order'");
  if (header.compare(at, 4, "True") == 0)
    return Status::error("Fortran-order arrays are not supported (save with "
                         "numpy.ascontiguousarray)");
  if (header.compare(at, 5, "False") != 0)
    return Status::error("header has a malformed 'fortran_order'");

  at = findKey(header, "shape");
  if (at == std::string::npos || header[at] != '(')
    return Status::error("header has no 'shape' tuple");
  end = header.find(')', at);
  if (end == std::string::npos)
    return Status::error("header has an unterminated 'shape'");
  shape.clear();
  std::string dims = header.substr(at + 1, end - at - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (std::isspace(dims[pos]) || dims[pos] == ','))
      ++pos;
    if (pos == dims.size())
      break;
    if (!std::isdigit(dims[pos]))
      return Status::error("header has a malformed 'shape' (" + dims + ")");
    int64_t dim = 0;
    while (pos < dims.size() && std::isdigit(dims[pos])) {
      dim = dim * 10 + (dims[pos++] - '0');
      if (dim > (int64_t(1) << 40))
        return Status::error("header has an implausible dimension");
    }
    shape.push_back(dim);
  }
  return Status::success();
}

uint32_t readLittleEndian(const uint8_t *bytes, int count) {
  uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

} // namespace

Status readNpy(const std::string &path, HostTensor &out) {
  std::string bytes;
  QTC_RETURN_IF_ERROR(readRegularFile(path, kMaxNpyBytes, bytes));
  const auto *contents = reinterpret_cast<const uint8_t *>(bytes.data());
  const size_t size = bytes.size();
  auto fail = [&](const std::string &why) {
    return Status::error("'" + path + "' is not a valid .npy file: " + why);
  };
  if (size < kMagicSize + 4 ||
      std::memcmp(contents, kMagic, kMagicSize) != 0)
    return fail("missing the \\x93NUMPY magic");
  int major = contents[6];
  if (major < 1 || major > 3)
    return fail("unsupported format version " + std::to_string(major));
  int lengthBytes = major == 1 ? 2 : 4;
  size_t headerStart = kMagicSize + 2 + lengthBytes;
  if (size < headerStart)
    return fail("truncated header");
  size_t headerSize = readLittleEndian(&contents[8], lengthBytes);
  if (size < headerStart + headerSize)
    return fail("truncated header");
  std::string header(contents + headerStart,
                     contents + headerStart + headerSize);
  HostTensor tensor;
  Status parsed = parseHeader(header, tensor.dtype, tensor.shape);
  if (!parsed.ok())
    return fail(parsed.message());
  size_t dataStart = headerStart + headerSize;
  size_t expected = tensor.numel() * dtypeSize(tensor.dtype);
  size_t found = size - dataStart;
  if (found != expected)
    return fail(std::string(found < expected ? "truncated" : "trailing") +
                " data: shape " + formatShape(tensor.shape) + " of " +
                dtypeName(tensor.dtype) + " needs " +
                std::to_string(expected) + " bytes, the file has " +
                std::to_string(found));
  tensor.bytes.assign(contents + dataStart, contents + size);
  out = std::move(tensor);
  return Status::success();
}

Status writeNpy(const std::string &path, const HostTensor &tensor) {
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
