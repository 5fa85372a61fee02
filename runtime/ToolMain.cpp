//===- ToolMain.cpp - What the trainers' mains share ----------------------===//
#include "runtime/ToolMain.h"

#include "HalideRuntime.h"

#include <cstdio>
#include <string>

namespace qtc {
namespace {

const char *toolName = "qtc";

void reportHalideError(void *, const char *message) {
  std::string text = message;
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  std::fprintf(stderr, "%s: Halide: %s\n", toolName, text.c_str());
}

} // namespace

int runTool(const char *tool, const std::function<Status()> &body) {
  toolName = tool;
  halide_set_error_handler(reportHalideError);
  Status status = body();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: error: %s\n", tool, status.message().c_str());
    return 1;
  }
  return 0;
}

} // namespace qtc
