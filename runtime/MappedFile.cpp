//===- MappedFile.cpp - Tensor files mapped, not read ---------------------===//
#include "runtime/MappedFile.h"
#include "runtime/FileRead.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace qtc {

MappedFile::MappedFile(MappedFile &&other) noexcept
    : bytes(other.bytes), length(other.length) {
  other.bytes = nullptr;
  other.length = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  if (this != &other) {
    this->~MappedFile();
    bytes = other.bytes;
    length = other.length;
    other.bytes = nullptr;
    other.length = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (bytes)
    munmap(const_cast<uint8_t *>(bytes), length);
}

Status MappedFile::map(const std::string &path, MappedFile &out) {
  int fd = -1;
  uint64_t size = 0;
  QTC_RETURN_IF_ERROR(openRegularFile(path, fd, size));
  MappedFile file;
  if (size > 0) {
    void *map = mmap(nullptr, static_cast<size_t>(size), PROT_READ,
                     MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return Status::error("cannot map '" + path + "': " + why);
    }
    file.bytes = static_cast<const uint8_t *>(map);
    file.length = static_cast<size_t>(size);
  }
  ::close(fd);
  out = std::move(file);
  return Status::success();
}

} // namespace qtc
