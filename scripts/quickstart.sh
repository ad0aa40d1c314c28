#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: installs what is missing, builds, and starts
# meshgate on its embedded default config (proxy on 127.0.0.1:8080, admin on
# 127.0.0.1:9901). Extra arguments go to `meshgate run`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release meshgate
exec build/release/src/cli/meshgate run "$@"
