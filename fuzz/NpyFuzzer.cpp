//===- NpyFuzzer.cpp - libFuzzer target: the .npy reader ------------------===//
//
// Any bytes as a .npy file: parseNpy either refuses them with a message or
// returns a tensor whose bytes are exactly what its dtype and shape need.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qtc::HostTensor tensor;
  qtc::Status status = qtc::parseNpy(data, size, tensor);
  if (!status.ok()) {
    if (status.message().empty()) {
      std::fprintf(stderr, "parseNpy failed without a message\n");
      std::abort();
    }
    return 0;
  }
  uint64_t bytes = 0;
  if (!qtc::checkedByteSize(tensor.dtype, tensor.shape, bytes)) {
    std::fprintf(stderr, "parseNpy accepted shape %s\n",
                 qtc::formatShape(tensor.shape).c_str());
    std::abort();
  }
  if (bytes != tensor.bytes.size()) {
    std::fprintf(stderr, "parseNpy returned %zu bytes for %s of %s\n",
                 tensor.bytes.size(), qtc::formatShape(tensor.shape).c_str(),
                 qtc::dtypeName(tensor.dtype));
    std::abort();
  }
  return 0;
}
