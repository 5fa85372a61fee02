# -*- Python -*-
# The GoogleTest binaries of this folder (names ending in "Tests") as a lit
# suite of their own: lit's GoogleTest format looks for them in the suite's
# source root, so that root is the build folder.

import os

import lit.formats

config.name = "qtc-unit"
config.suffixes = []
config.test_source_root = os.path.join(config.qtc_obj_root, "test", "unit")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")

# The sanitized tree's binaries: the environment of ../lit.cfg.py (a report
# aborts; LLVM's allocator poisoning is off, see there).
if config.qtc_sanitize:
    config.environment["ASAN_OPTIONS"] = (
        "abort_on_error=1:detect_leaks=1:allow_user_poisoning=0")
    config.environment["UBSAN_OPTIONS"] = "abort_on_error=1:print_stacktrace=1"
