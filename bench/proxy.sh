#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Side-by-side proxy benchmark: meshgate, nginx and HAProxy in one run against the
# same nginx origin, with ../shared/bench/proxy-bench.sh (see its README for what
# is measured and how to read the tables). Extra environment (R, DURATION, ...)
# is passed through. Run from anywhere; builds meshgate first.
#
#   bench/proxy.sh                 # R=3 rounds (about 5 minutes)
#   R=5 bench/proxy.sh             # more rounds for decisions
#   CHAIN=1 bench/proxy.sh         # also meshgate with JWT + authorization + rate limit
#   BUSY_POLL=500us bench/proxy.sh # meshgate run --busy-poll 500us
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/build.sh release meshgate >/dev/null
harness="$root/../shared/bench/proxy-bench.sh"
[[ -f $harness ]] || { echo "missing $harness" >&2; exit 1; }
bin="$root/build/release/src/cli/meshgate"

# The harness starts this command with PORT, UPSTREAM_HOST, UPSTREAM_PORT and CORES
# set. The config routes every request to the origin; access logging is off (the
# harness requires no per-request logs) and connections are kept alive.
export MESHGATE_CMD="f=\$(mktemp /tmp/meshgate-bench-XXXXXX.yaml); bin='$bin' $root/bench/meshgate-bench-config.sh \"\$f\"; exec '$bin' run -c \"\$f\" --concurrency \$CORES --no-watch --log-level warn${BUSY_POLL:+ --busy-poll $BUSY_POLL}"
exec bash "$harness"
