//===- FileRead.cpp - Whole small files, read safely ----------------------===//
#include "runtime/FileRead.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qtc {

Status openRegularFile(const std::string &path, int &fd, uint64_t &size) {
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fd = -1;
    return Status::error("'" + path + "' is not a regular file");
  }
  size = static_cast<uint64_t>(info.st_size);
  return Status::success();
}

Status readRegularFile(const std::string &path, uint64_t maxBytes,
                       std::string &out) {
  int fd = -1;
  uint64_t size = 0;
  QTC_RETURN_IF_ERROR(openRegularFile(path, fd, size));
  if (size > maxBytes) {
    ::close(fd);
    return Status::error("'" + path + "' is " + std::to_string(size) +
                         " bytes, more than the " + std::to_string(maxBytes) +
                         " this reader takes");
  }
  std::string bytes(size, '\0');
  uint64_t done = 0;
  while (done < size) {
    ssize_t got = ::read(fd, bytes.data() + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      std::string why = got < 0 ? std::strerror(errno) : "the file shrank";
      ::close(fd);
      return Status::error("cannot read '" + path + "': " + why);
    }
    done += static_cast<uint64_t>(got);
  }
  ::close(fd);
  out = std::move(bytes);
  return Status::success();
}

Status readJsonObject(const std::string &path, const std::string &what,
                      nlohmann::json &out) {
  std::string text;
  QTC_RETURN_IF_ERROR(readRegularFile(path, kMaxJsonBytes, text));
  nlohmann::json root =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Status::error("'" + path + "' is not a valid " + what +
                         ": not a JSON object");
  out = std::move(root);
  return Status::success();
}

} // namespace qtc
