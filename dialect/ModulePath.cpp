//===- ModulePath.cpp - the model module an op comes from -----------------===//
#include "dialect/ModulePath.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

std::string mlir::qt::modulePath(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string inner = modulePath(name.getChildLoc());
    return name.getName().str() + (inner.empty() ? "" : "." + inner);
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    std::string caller = modulePath(call.getCaller());
    std::string callee = modulePath(call.getCallee());
    if (caller.empty() || callee.empty())
      return caller.empty() ? callee : caller;
    return caller + "." + callee;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (std::string path = modulePath(part); !path.empty())
        return path;
  return "";
}

bool mlir::qt::endsWithModule(llvm::StringRef path, llvm::StringRef module) {
  return path == module || path.ends_with(("." + module).str());
}
