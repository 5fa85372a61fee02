//===- KernelBuild.h - Kernels in parallel, through a cache -----*- C++ -*-===//
//
// `qtc compile` builds one Halide library per distinct kernel of a step and
// one Halide runtime. Each is a run of the generator binary; they run in
// parallel (at most `jobs` at once) and their outputs are kept in a
// content-addressed cache, so an unchanged kernel is built once per machine
// rather than once per compile.
//
// A cache entry's key hashes what the library depends on: the generator
// binary's bytes, the Halide library it loads (path, size, time), the
// generator's name, its parameters, the target and the C function's name.
// Entries are written into a fresh directory and renamed into place (a
// concurrent `qtc compile` building the same kernel keeps the first), and
// carry a manifest of their files' hashes: an entry that does not match
// it is reported, removed and rebuilt.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_QTC_KERNELBUILD_H
#define QTC_TOOLS_QTC_KERNELBUILD_H

#include "mlir/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace qtc::driver {

/// One generator run: a kernel library (`generator` with `params`, as C
/// function `function`) or, with an empty `generator`, the Halide runtime.
struct KernelJob {
  std::string function;
  std::string generator;
  std::vector<std::string> params;
  std::string target;
  /// What the progress line says it is.
  std::string description;
};

struct KernelBuildOptions {
  std::string generatorPath;
  /// The shared Halide library the generator loads (part of the key).
  std::string halideLibrary;
  /// Empty: no cache (every library is generated into the output).
  std::string cacheDir;
  /// Generator runs at once.
  unsigned jobs = 1;
};

/// The default cache directory: $QTC_CACHE_DIR, else $XDG_CACHE_HOME/qtc,
/// else $HOME/.cache/qtc/kernels; empty if none can be named.
std::string defaultCacheDir();

/// Builds every job into `outDir` (FUNCTION.a and, for kernels, FUNCTION.h),
/// printing one progress line per job. Fails, after the running jobs end,
/// if any generator run fails (its command line is printed).
mlir::LogicalResult buildKernels(const std::vector<KernelJob> &jobs,
                                 const std::string &outDir,
                                 const KernelBuildOptions &options);

} // namespace qtc::driver

#endif // QTC_TOOLS_QTC_KERNELBUILD_H
