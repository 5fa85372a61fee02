//===- Subprocess.h - The driver's child processes --------------*- C++ -*-===//
//
// qtc runs the Halide generators, the C++ compiler, ar, and (for `qtc
// finetune`) its own commands and the compiled trainer as child processes.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_QTC_SUBPROCESS_H
#define QTC_TOOLS_QTC_SUBPROCESS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace qtc::driver {

/// Runs `program` with `args` (stdin from `input` when given) and returns
/// its exit code; a failure to start it is -1. A non-zero code is reported
/// with `what` and the command line, unless it is in `quietCodes`.
int runProgramForCode(llvm::StringRef program, llvm::ArrayRef<std::string> args,
                      llvm::StringRef what, llvm::StringRef input = "",
                      llvm::ArrayRef<int> quietCodes = {});

/// Runs `program`; true when it exits with 0 (a failure is reported).
inline bool runProgram(llvm::StringRef program,
                       llvm::ArrayRef<std::string> args, llvm::StringRef what,
                       llvm::StringRef input = "") {
  return runProgramForCode(program, args, what, input) == 0;
}

} // namespace qtc::driver

#endif // QTC_TOOLS_QTC_SUBPROCESS_H
