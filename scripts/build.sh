#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build.sh [release|asan] [ninja targets...]
#   release: clang, -O2, everything incl. integration tests and benchmarks (build/release)
#   asan:    clang, AddressSanitizer + UBSan + libFuzzer coverage; unit tests and
#            fuzz targets only (build/asan)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
shift || true
case $kind in
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DMG_SANITIZE=ON -DMG_FUZZ=ON -DMG_BENCH=OFF
               -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g") ;;
  *) echo "usage: $0 [release|asan] [targets...]" >&2; exit 2 ;;
esac
dir=build/$kind
# Paths under the checkout are hashed relative to it, so several checkouts
# (git worktrees) share one ccache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${flags[@]}"
fi
cmake --build "$dir" -- "$@"
