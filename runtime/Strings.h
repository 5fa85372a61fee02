//===- Strings.h - Small string tests the readers share ---------*- C++ -*-===//
//
// The runtime has no LLVM dependency (DESIGN.md), so StringRef's helpers
// are not at hand; what several readers and exporters need is here once.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_STRINGS_H
#define QTC_RUNTIME_STRINGS_H

#include <string>

namespace qtc {

inline bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace qtc

#endif // QTC_RUNTIME_STRINGS_H
