#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's test command: installs what is missing, builds, and runs every test.
#   1. release build: unit, integration, conformance, lint and benchmark smoke tests
#   2. asan build: unit tests under AddressSanitizer + UBSan, then every fuzz target
#      for a short bounded time (MG_FUZZ_SECONDS, default 20 s each)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/install-deps.sh
jobs=$(nproc)

./scripts/build.sh release
(cd build/release && ctest --output-on-failure -j"$jobs" --timeout 900)

./scripts/build.sh asan
(cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j"$jobs" --timeout 900)

echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
