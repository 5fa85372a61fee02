//===- FileWrite.h - Outputs written whole or not at all --------*- C++ -*-===//
//
// Every file qtc's tools write goes through a temporary file beside it
// that is written, fsynced and renamed over the target, so a reader, a
// full disk or a kill -9 sees the old file or the whole new one, never a
// part. A tool's set of results is staged in a folder inside the output
// folder and moved into place only once every file is written.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_FILEWRITE_H
#define QTC_RUNTIME_FILEWRITE_H

#include "runtime/Status.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace qtc {

struct ByteRange {
  const void *data;
  size_t size;
};

/// Writes the concatenation of `pieces` to `path` atomically; every step
/// (create, write, fsync, close, rename) is checked.
Status writeFileAtomically(const std::string &path,
                           const std::vector<ByteRange> &pieces);

/// Creates the output folder `dir` if it is missing; an empty name or a
/// path that is not a folder is an error. Call it before long work, so
/// that a bad folder fails first.
Status createOutputFolder(const std::string &dir);

/// One file of a set of outputs: its name inside the folder and how to
/// write it to a path.
struct OutputFile {
  std::string name;
  std::function<Status(const std::string &path)> write;
};

/// Writes every file into a staging folder inside `dir`, then renames each
/// into `dir`; any failure is an error naming the file, and the staging
/// folder is removed either way.
Status writeOutputFolder(const std::string &dir,
                         const std::vector<OutputFile> &files,
                         const std::string &tool);

} // namespace qtc

#endif // QTC_RUNTIME_FILEWRITE_H
