#!/usr/bin/env bash
# One-command set-up: installs the Debian packages qtc needs (idempotent;
# apt runs only when something is missing), then configures and builds into
# build/ with ninja and ccache.
#
#   bash scripts/setup.sh            # packages + configure + build
#   QTC_BUILD_DIR=out bash scripts/setup.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${QTC_BUILD_DIR:-$root/build}

# DESIGN.md "Toolchain facts": all five LLVM/MLIR/Halide packages are needed
# (libmlir-19-dev alone does not pull the rest); never a second libmlir-N-dev.
packages=(
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools libhalide14-0-dev
  cmake ninja-build ccache g++ python3
  nlohmann-json3-dev libgtest-dev
  libopenblas-dev libdnnl-dev
  # `qtc compile --target arm-64-linux` builds a layer's library and trainer
  # for AArch64 with the cross compiler; the tests run that trainer under
  # qemu's user-mode emulation.
  g++-aarch64-linux-gnu qemu-user
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

llvm=/usr/lib/llvm-19
cmake -G Ninja -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DMLIR_DIR=$llvm/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$llvm/build/utils/lit/lit.py
# Two jobs: the machines have two cores and linking MLIR tools is memory-heavy.
cmake --build "$build" -j "${QTC_JOBS:-2}"
