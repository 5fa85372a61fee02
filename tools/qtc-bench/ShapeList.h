//===- ShapeList.h - qtc-bench's comma-separated shape options --*- C++ -*-===//
#ifndef QTC_TOOLS_QTC_BENCH_SHAPELIST_H
#define QTC_TOOLS_QTC_BENCH_SHAPELIST_H

#include <cstdio>
#include <string>
#include <vector>

namespace qtc::bench {

/// Parses "A,B,..." with `parseOne` into `shapes`; an item it refuses is
/// reported as "bad shape 'A' (`form`)".
template <typename ShapeT, typename ParseOne>
bool parseShapeList(const std::string &text, std::vector<ShapeT> &shapes,
                    ParseOne parseOne, const char *form) {
  shapes.clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string item = text.substr(start, end - start);
    ShapeT s{};
    if (!parseOne(item, s)) {
      std::fprintf(stderr, "qtc-bench: bad shape '%s' (%s)\n", item.c_str(),
                   form);
      return false;
    }
    shapes.push_back(s);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return !shapes.empty();
}

} // namespace qtc::bench

#endif // QTC_TOOLS_QTC_BENCH_SHAPELIST_H
