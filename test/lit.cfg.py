# -*- Python -*-
# lit configuration of the qtc regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "qtc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qtc_obj_root, "test")
# Inputs/ holds files that RUN lines read; unit/ is a suite of its own
# (build/test/unit/lit.site.cfg.py) that runs the GoogleTest binaries.
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]
# The sanitized tree (QTC_SANITIZE: no Halide, no qtc driver) runs what its
# tools can: the dialect, the passes, the reference backend and the fuzz
# targets; the main tree runs everything else.
if config.qtc_sanitize:
    config.excludes += ["e2e", "bench", "interop", "examples", "halide"]
    config.available_features.add("sanitized")
    # A sanitizer report aborts (a signal), so that a test expecting a
    # failure (`not qtc-run ...`) still fails on one; leaks are reports too.
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in
    # our instrumented copies of its inline code and not in Debian's
    # uninstrumented MLIR libraries, so every context reported a false
    # use-after-poison; ASan's own checks stay on.
    config.environment["ASAN_OPTIONS"] = (
        "abort_on_error=1:detect_leaks=1:allow_user_poisoning=0")
    config.environment["UBSAN_OPTIONS"] = "abort_on_error=1:print_stacktrace=1"
else:
    config.excludes += ["fuzz"]

config.substitutions.append(("%qtc_src_root", config.qtc_src_root))
config.substitutions.append(("%qtc_obj_root", config.qtc_obj_root))
# Makes, checks and compares .npy files with the standard library only
# (%python is lit's own substitution).
config.substitutions.append(
    ("%npytool", "%s %s" % (config.python_executable,
                            os.path.join(config.qtc_src_root, "scripts", "npytool.py"))))

llvm_config.use_default_substitutions()

# Cross targets are lit features, so that a machine without the tool reports
# the test UNSUPPORTED instead of passing it silently.
import shutil
import subprocess

objdump = os.path.join(config.llvm_tools_dir, "llvm-objdump")
if os.path.exists(objdump) and "aarch64" in subprocess.run(
        [objdump, "--version"], capture_output=True, text=True).stdout:
    config.available_features.add("arm-cross")
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
if ptxas:
    config.available_features.add("cuda-ptxas")
    config.substitutions.append(("ptxas", ptxas))
# `qtc compile --target arm-64-linux` needs the AArch64 cross compiler; its
# trainer runs here under qemu's user-mode emulation.
if shutil.which("aarch64-linux-gnu-g++"):
    config.available_features.add("aarch64-cxx")
if shutil.which("qemu-aarch64"):
    config.available_features.add("qemu-aarch64")
# A CUDA GPU to run `--target cuda` trainers on.
if shutil.which("nvidia-smi") and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0:
    config.available_features.add("cuda-gpu")
# The real libraries qtc is checked against (scripts/setup.sh installs them
# into .venv/): tests that run them need the `transformers` feature.
interop = getattr(config, "interop_python", "")
if interop and os.path.exists(interop) and subprocess.run(
        [interop, "-c", "import numpy, torch, transformers"],
        capture_output=True).returncode == 0:
    config.available_features.add("transformers")
    config.substitutions.append(("%hfpython", interop))
    # Offline: nothing is fetched from a hub; fixtures are made locally.
    config.environment["HF_HUB_OFFLINE"] = "1"
    config.environment["TRANSFORMERS_VERBOSITY"] = "error"
    # GPTQModel, whose dequantization the GPTQ reader is checked against.
    if subprocess.run([interop, "-c", "import gptqmodel"],
                      capture_output=True).returncode == 0:
        config.available_features.add("gptqmodel")
    # llama.cpp (the xllamacpp wheel), which loads what qtc writes as GGUF.
    if subprocess.run([interop, "-c", "import xllamacpp"],
                      capture_output=True).returncode == 0:
        config.available_features.add("llamacpp")
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tools = ["qtc-opt", "qtc-run", "llvm-objdump"]
tools += (["qtc-fuzz-npy", "qtc-fuzz-safetensors", "qtc-fuzz-ir", "qtc-fuzz-hf-import",
           "qtc-fuzz-gguf", "qtc-fuzz-gptq", "qtc-fuzz-tokenizer"]
          if config.qtc_sanitize else ["qtc", "qtc-bench"])
llvm_config.add_tool_substitutions(
    tools, [config.qtc_tools_dir, config.llvm_tools_dir])

# One kernel cache for the whole suite (`qtc compile` keys entries by the
# generator binary, so a rebuilt generator starts afresh), kept in the build
# tree rather than the user's home. Tests of the cache itself pass their own
# --cache-dir.
config.environment["QTC_CACHE_DIR"] = os.path.join(
    config.qtc_obj_root, "test", "kernel-cache")
