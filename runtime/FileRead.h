//===- FileRead.h - Whole small files, read safely --------------*- C++ -*-===//
//
// The files read whole (a .npy, a config.json, a safetensors index) come
// from downloads and command lines: each must be a regular file (not a
// directory, a pipe or /dev/zero, which would fail or never end) of at
// most a stated size, and every read is checked. Large tensor files are
// memory-mapped instead (MappedFile.h).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_FILEREAD_H
#define QTC_RUNTIME_FILEREAD_H

#include "runtime/Status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace qtc {

/// Opens the regular file at `path` for reading (O_CLOEXEC): its
/// descriptor and size, or an error naming it (a directory, a device or a
/// pipe is refused).
Status openRegularFile(const std::string &path, int &fd, uint64_t &size);

/// The bytes of the regular file at `path`, at most `maxBytes` of them.
Status readRegularFile(const std::string &path, uint64_t maxBytes,
                       std::string &out);

/// The JSON object in the regular file at `path` (`what` names the kind of
/// file in the error: "config", "safetensors index").
Status readJsonObject(const std::string &path, const std::string &what,
                      nlohmann::json &out);

/// The largest JSON file read whole: a sharded index of a 70B model is a
/// few hundred KB.
constexpr uint64_t kMaxJsonBytes = 64ull << 20;

} // namespace qtc

#endif // QTC_RUNTIME_FILEREAD_H
