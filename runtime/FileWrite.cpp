//===- FileWrite.cpp - Outputs written whole or not at all ----------------===//
#include "runtime/FileWrite.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace qtc {
namespace {

/// write(2) until everything is written.
bool writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

} // namespace

Status writeFileAtomically(const std::string &path,
                           const std::vector<ByteRange> &pieces) {
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  0644);
  if (fd < 0)
    return Status::error("cannot create '" + temporary +
                         "': " + std::strerror(errno));
  bool ok = true;
  for (const ByteRange &piece : pieces)
    ok = ok && writeAll(fd, piece.data, piece.size);
  std::string why = ok ? "" : std::strerror(errno);
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    why = std::strerror(errno);
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    why = std::strerror(errno);
  }
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    ok = false;
    why = std::strerror(errno);
  }
  if (!ok) {
    ::unlink(temporary.c_str());
    return Status::error("cannot write '" + path + "': " + why);
  }
  return Status::success();
}

Status createOutputFolder(const std::string &dir) {
  namespace fs = std::filesystem;
  if (dir.empty())
    return Status::error("the output folder name is empty");
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    return Status::error("cannot create '" + dir + "': " + error.message());
  if (!fs::is_directory(dir, error))
    return Status::error("'" + dir + "' is not a folder");
  return Status::success();
}

Status writeOutputFolder(const std::string &dir,
                         const std::vector<OutputFile> &files,
                         const std::string &tool) {
  namespace fs = std::filesystem;
  QTC_RETURN_IF_ERROR(createOutputFolder(dir));
  // mkdtemp: a fresh folder of an unpredictable name, never one (or a
  // symlink) someone placed there. Each file then replaces its name in
  // `dir` by rename, which replaces a symlink there rather than writing
  // through it.
  std::string pattern = (fs::path(dir) / ("." + tool + "-XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    return Status::error("cannot create a staging folder in '" + dir +
                         "': " + std::strerror(errno));
  fs::path staging = pattern;
  std::error_code error;
  Status status = Status::success();
  for (const OutputFile &file : files) {
    status = file.write((staging / file.name).string());
    if (!status.ok())
      break;
  }
  for (size_t i = 0; status.ok() && i < files.size(); ++i) {
    fs::rename(staging / files[i].name, fs::path(dir) / files[i].name, error);
    if (error)
      status = Status::error("cannot move '" + files[i].name + "' into '" +
                             dir + "': " + error.message());
  }
  fs::remove_all(staging, error);
  return status;
}

} // namespace qtc
