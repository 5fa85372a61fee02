//===- KernelBuild.cpp - Kernel libraries in parallel, through a cache ----===//
#include "tools/qtc/KernelBuild.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

using namespace mlir;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace qtc::driver {
namespace {

/// Bump when the layout of an entry or of its key changes.
constexpr const char *kCacheVersion = "qtc-kernel-cache 1";

std::mutex outputMutex;

std::string sha256Hex(llvm::StringRef bytes) {
  llvm::SHA256 hash;
  hash.update(bytes);
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

/// The SHA-256 of a file's bytes; std::nullopt if it cannot be read.
std::optional<std::string> fileHash(const std::string &file) {
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  return sha256Hex((*buffer)->getBuffer());
}

std::string join(const std::string &dir, const std::string &name) {
  llvm::SmallString<256> p(dir);
  path::append(p, name);
  return std::string(p);
}

/// The files a job writes, by name.
std::vector<std::string> outputsOf(const KernelJob &job) {
  if (job.generator.empty())
    return {job.function + ".a"};
  return {job.function + ".a", job.function + ".h"};
}

/// Runs the generator for `job` into `dir`; reports a failure with the
/// command line.
LogicalResult runGenerator(const KernelJob &job, const std::string &dir,
                           const KernelBuildOptions &options) {
  std::vector<std::string> args = {options.generatorPath};
  if (job.generator.empty()) {
    args.insert(args.end(), {"-r", job.function, "-o", dir, "-e",
                             "static_library", "target=" + job.target});
  } else {
    args.insert(args.end(), {"-g", job.generator, "-f", job.function, "-o", dir,
                             "-e", "static_library,h", "target=" + job.target});
    args.insert(args.end(), job.params.begin(), job.params.end());
  }
  llvm::SmallVector<llvm::StringRef> argv(args.begin(), args.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(options.generatorPath, argv, std::nullopt,
                                     {}, 0, 0, &error);
  if (rc == 0)
    return success();
  std::lock_guard<std::mutex> lock(outputMutex);
  llvm::errs() << "qtc: error: generating " << job.function << " failed (exit "
               << rc << ")" << (error.empty() ? "" : ": " + error)
               << "\n  command:";
  for (llvm::StringRef a : argv)
    llvm::errs() << " " << a;
  llvm::errs() << "\n";
  return failure();
}

/// Writes MANIFEST into `dir`: one "name size sha256" line per output.
LogicalResult writeManifest(const KernelJob &job, const std::string &dir) {
  std::string text = std::string(kCacheVersion) + "\n";
  for (const std::string &name : outputsOf(job)) {
    std::optional<std::string> hash = fileHash(join(dir, name));
    uint64_t size = 0;
    if (!hash || fs::file_size(join(dir, name), size))
      return failure();
    text += name + " " + std::to_string(size) + " " + *hash + "\n";
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(join(dir, "MANIFEST"), ec);
  if (ec)
    return failure();
  os << text;
  return success();
}

/// Whether the entry at `dir` holds every output of `job` as its MANIFEST
/// lists them.
bool entryIsIntact(const KernelJob &job, const std::string &dir) {
  auto manifest = llvm::MemoryBuffer::getFile(join(dir, "MANIFEST"));
  if (!manifest)
    return false;
  llvm::SmallVector<llvm::StringRef> lines;
  (*manifest)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
  std::vector<std::string> outputs = outputsOf(job);
  if (lines.size() != outputs.size() + 1 || lines[0] != kCacheVersion)
    return false;
  for (size_t i = 0; i < outputs.size(); ++i) {
    llvm::SmallVector<llvm::StringRef> fields;
    lines[i + 1].split(fields, ' ');
    uint64_t size = 0;
    if (fields.size() != 3 || fields[0] != outputs[i] ||
        fs::file_size(join(dir, outputs[i]), size) ||
        std::to_string(size) != fields[1])
      return false;
    std::optional<std::string> hash = fileHash(join(dir, outputs[i]));
    if (!hash || *hash != fields[2])
      return false;
  }
  return true;
}

LogicalResult copyOutputs(const KernelJob &job, const std::string &from,
                          const std::string &to) {
  for (const std::string &name : outputsOf(job))
    if (std::error_code ec = fs::copy_file(join(from, name), join(to, name))) {
      std::lock_guard<std::mutex> lock(outputMutex);
      llvm::errs() << "qtc: error: cannot copy " << join(from, name) << " to "
                   << to << ": " << ec.message() << "\n";
      return failure();
    }
  return success();
}

class Builder {
public:
  Builder(const KernelBuildOptions &options) : options(options) {}

  LogicalResult init() {
    if (options.cacheDir.empty())
      return success();
    std::optional<std::string> generator = fileHash(options.generatorPath);
    if (!generator) {
      llvm::errs() << "qtc: error: cannot read the kernel generator "
                   << options.generatorPath << "\n";
      return failure();
    }
    fs::file_status halide;
    std::string halideId = options.halideLibrary;
    if (!fs::status(options.halideLibrary, halide))
      halideId +=
          " " + std::to_string(halide.getSize()) + " " +
          std::to_string(
              halide.getLastModificationTime().time_since_epoch().count());
    toolIdentity = *generator + "\n" + halideId;
    if (std::error_code ec = fs::create_directories(options.cacheDir)) {
      llvm::errs() << "qtc: warning: cannot create the kernel cache "
                   << options.cacheDir << " (" << ec.message()
                   << "); building without it\n";
      options.cacheDir.clear();
    }
    return success();
  }

  /// Builds `job` into `outDir`; `cached` says whether it came from the
  /// cache.
  LogicalResult build(const KernelJob &job, const std::string &outDir,
                      bool &cached) {
    cached = false;
    if (options.cacheDir.empty())
      return runGenerator(job, outDir, options);
    std::string entry = join(options.cacheDir, keyOf(job));
    if (fs::is_directory(entry)) {
      if (entryIsIntact(job, entry)) {
        cached = true;
        return copyOutputs(job, entry, outDir);
      }
      {
        std::lock_guard<std::mutex> lock(outputMutex);
        llvm::errs() << "qtc: warning: kernel cache entry " << entry
                     << " is incomplete or corrupt; rebuilding it\n";
      }
      fs::remove_directories(entry, /*IgnoreErrors=*/true);
    }
    // A fresh directory, renamed into place once complete: readers never
    // see a partial entry, and of two concurrent builders the first wins.
    llvm::SmallString<256> tmp;
    if (std::error_code ec = fs::createUniqueDirectory(entry + ".tmp", tmp)) {
      std::lock_guard<std::mutex> lock(outputMutex);
      llvm::errs() << "qtc: error: cannot create a directory in the kernel "
                   << "cache " << options.cacheDir << ": " << ec.message()
                   << "\n";
      return failure();
    }
    std::string staging(tmp);
    if (failed(runGenerator(job, staging, options)) ||
        failed(writeManifest(job, staging))) {
      fs::remove_directories(staging, /*IgnoreErrors=*/true);
      return failure();
    }
    if (fs::rename(staging, entry)) {
      // Another qtc compile put this entry in place first.
      fs::remove_directories(staging, /*IgnoreErrors=*/true);
      if (!entryIsIntact(job, entry)) {
        std::lock_guard<std::mutex> lock(outputMutex);
        llvm::errs() << "qtc: error: cannot put kernel cache entry " << entry
                     << " in place\n";
        return failure();
      }
    }
    return copyOutputs(job, entry, outDir);
  }

private:
  std::string keyOf(const KernelJob &job) const {
    std::string key = std::string(kCacheVersion) + "\n" + toolIdentity + "\n" +
                      job.generator + "\n" + job.function + "\n" + job.target;
    for (const std::string &p : job.params)
      key += "\n" + p;
    return sha256Hex(key).substr(0, 32);
  }

  KernelBuildOptions options;
  std::string toolIdentity;
};

} // namespace

std::string defaultCacheDir() {
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("QTC_CACHE_DIR"))
    return *dir;
  if (std::optional<std::string> xdg =
          llvm::sys::Process::GetEnv("XDG_CACHE_HOME"))
    if (!xdg->empty())
      return join(join(*xdg, "qtc"), "kernels");
  if (std::optional<std::string> home = llvm::sys::Process::GetEnv("HOME"))
    if (!home->empty())
      return join(join(join(*home, ".cache"), "qtc"), "kernels");
  return "";
}

LogicalResult buildKernels(const std::vector<KernelJob> &jobs,
                           const std::string &outDir,
                           const KernelBuildOptions &options) {
  Builder builder(options);
  if (failed(builder.init()))
    return failure();
  std::atomic<size_t> next{0};
  std::atomic<unsigned> fromCache{0};
  std::atomic<bool> ok{true};
  auto worker = [&] {
    while (ok) {
      size_t i;
      {
        // Claimed and announced together, so progress lines are in order.
        std::lock_guard<std::mutex> lock(outputMutex);
        i = next++;
        if (i >= jobs.size())
          return;
        llvm::errs() << "qtc: [" << i + 1 << "/" << jobs.size() << "] "
                     << jobs[i].description << "\n";
      }
      bool cached = false;
      if (failed(builder.build(jobs[i], outDir, cached)))
        ok = false;
      else if (cached)
        ++fromCache;
    }
  };
  unsigned threads =
      std::max(1u, std::min<unsigned>(options.jobs, jobs.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  if (!ok)
    return failure();
  llvm::errs() << "qtc: " << jobs.size() << " libraries: " << fromCache
               << " from the kernel cache, " << jobs.size() - fromCache
               << " generated (" << threads << " at a time)\n";
  return success();
}

} // namespace qtc::driver
