//===- ToolMain.h - What the trainers' mains share --------------*- C++ -*-===//
//
// qtc-step and qtc-train (the mains `qtc compile` links with a model's step)
// report errors alike: a failing kernel's Halide message and the run's own
// error, each prefixed with the tool's name, and exit code 1.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_TOOLMAIN_H
#define QTC_RUNTIME_TOOLMAIN_H

#include "runtime/Status.h"

#include <functional>

namespace qtc {

/// Routes Halide's errors (whose default handler aborts) to stderr as
/// "TOOL: Halide: message", so that a failing kernel fails the step with its
/// message; runs `body` and prints its error as "TOOL: error: message".
/// Returns the exit code: 0, or 1 on an error.
int runTool(const char *tool, const std::function<Status()> &body);

} // namespace qtc

#endif // QTC_RUNTIME_TOOLMAIN_H
