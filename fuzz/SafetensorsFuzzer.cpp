//===- SafetensorsFuzzer.cpp - libFuzzer target: the .safetensors reader --===//
//
// Any bytes as a .safetensors file: the header parse either refuses them or
// names tensors whose byte ranges lie inside the data and hold their shape;
// every tensor is then read whole (out-of-bounds reads are ASan reports).
//
//===----------------------------------------------------------------------===//
#include "runtime/Safetensors.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qtc::SafetensorsHeader header;
  if (!qtc::parseSafetensorsHeader(data, size, header).ok())
    return 0;
  if (header.dataStart > size) {
    std::fprintf(stderr, "data starts at %zu of %zu bytes\n",
                 header.dataStart, size);
    std::abort();
  }
  const size_t dataSize = size - header.dataStart;
  for (const auto &[name, entry] : header.entries) {
    uint64_t bytes = 0;
    if (!qtc::checkedByteSize(entry.dtype, entry.shape, bytes) ||
        bytes != entry.size || entry.begin > dataSize ||
        entry.size > dataSize - entry.begin) {
      std::fprintf(stderr, "tensor '%s': [%zu, +%zu) of %zu data bytes\n",
                   name.c_str(), entry.begin, entry.size, dataSize);
      std::abort();
    }
    const uint8_t *begin = data + header.dataStart + entry.begin;
    std::vector<uint8_t> copy(begin, begin + entry.size);
    (void)copy;
  }
  return 0;
}
