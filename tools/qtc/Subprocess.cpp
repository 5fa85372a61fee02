//===- Subprocess.cpp - The driver's child processes ----------------------===//
#include "tools/qtc/Subprocess.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace qtc::driver {

int runProgramForCode(llvm::StringRef program, llvm::ArrayRef<std::string> args,
                      llvm::StringRef what, llvm::StringRef input,
                      llvm::ArrayRef<int> quietCodes) {
  llvm::SmallVector<llvm::StringRef> argv = {program};
  for (const std::string &a : args)
    argv.push_back(a);
  std::string error;
  llvm::SmallVector<std::optional<llvm::StringRef>, 3> redirects;
  if (!input.empty())
    redirects = {input, std::nullopt, std::nullopt};
  int rc = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, redirects, 0,
                                     0, &error);
  if (rc == 0 || llvm::is_contained(quietCodes, rc))
    return rc;
  llvm::errs() << "qtc: error: " << what << " failed (exit " << rc << ")"
               << (error.empty() ? "" : ": " + error) << "\n  command:";
  for (llvm::StringRef a : argv)
    llvm::errs() << " " << a;
  llvm::errs() << "\n";
  return rc;
}

} // namespace qtc::driver
