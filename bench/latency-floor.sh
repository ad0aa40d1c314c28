#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Latency added at a fixed rate, against the floor of one user-space hop.
#
# proxy-bench.sh reports how much latency each proxy adds over a direct
# connection. This script asks what part of that any proxy must add on this
# host: it measures, interleaved in every round and against the same nginx
# origin, the direct connection, meshgate, and bench/hop_floor (a bare epoll
# relay that parses nothing: one recv and one send per direction). hop_floor's
# "added" column is the cost of two more process wake-ups per request here.
# SPIN=1 adds hop_floor --spin, which never sleeps in epoll_wait. POLL_US=N adds
# hop_floor --poll-us N $POLL_FLAGS (e.g. POLL_FLAGS=--yield), which polls for N µs
# after traffic; POLL_FLAGS may list variants separated by commas, one relay each.
# BUSY_POLL="D ..." adds a meshgate run --busy-poll D per window D (ADR 0009). BURST=N runs
# `wrk -t2 -c64 -dNs` against each target (then pauses 1 s) before its latency
# run, as proxy-bench.sh measures throughput just before latency.
#
#   bench/latency-floor.sh                  # R=5 rounds of 10 s per target
#   R=9 DURATION=5 SPIN=1 bench/latency-floor.sh
#   BUSY_POLL=250us POLL_US=250 POLL_FLAGS=--yield bench/latency-floor.sh
#   BUSY_POLL="250us 2ms" POLL_US=250 POLL_FLAGS=",--yield" BURST=3 bench/latency-floor.sh
#
# Latency is h2load --rps over one connection (as proxy-bench.sh measures it);
# percentiles are per 10 s run, "added" is target minus direct in the same
# round, and the table gives medians over the rounds. Loopback only.
set -euo pipefail
set +m
root=$(cd "$(dirname "$0")/.." && pwd)
R=${R:-5}
DURATION=${DURATION:-10}
RATE=${RATE:-1000}
CORES=${CORES:-$(nproc)}
SPIN=${SPIN:-0}
BURST=${BURST:-0}

for tool in nginx h2load curl python3; do
  command -v "$tool" >/dev/null || { echo "latency-floor: missing $tool" >&2; exit 1; }
done
"$root/scripts/build.sh" release meshgate hop_floor >/dev/null
bin="$root/build/release/src/cli/meshgate"
floor="$root/build/release/bench/hop_floor"

name=latency-floor
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

start_origin "$CORES"

start_meshgate mg
default_port=$mg_port

# BUSY_POLL may name several windows ("250us 2ms"): one meshgate per window.
read -r -a polls <<<"${BUSY_POLL:-}"
poll_targets=()
for window in "${polls[@]}"; do
  start_meshgate "mg-$window" --busy-poll "$window"
  poll_targets+=("meshgate_poll_$window:$mg_port")
done
floor_port=$(free_port)
"$floor" "$floor_port" "$origin_port" >/dev/null &
pids+=($!)
targets=("direct:$origin_port" "hop_floor:$floor_port" "meshgate:$default_port")
targets+=("${poll_targets[@]}")
if [[ $SPIN == 1 ]]; then
  spin_port=$(free_port)
  "$floor" "$spin_port" "$origin_port" --spin >/dev/null &
  pids+=($!)
  targets+=("hop_floor_spin:$spin_port")
fi
if [[ ${POLL_US:-0} -gt 0 ]]; then
  # POLL_FLAGS may list several variants separated by commas: one relay each.
  IFS=, read -r -a variants <<<"${POLL_FLAGS:-}"
  ((${#variants[@]})) || variants=("")
  for v in "${variants[@]}"; do
    p=$(free_port)
    # shellcheck disable=SC2086 # a variant is a list of flags
    "$floor" "$p" "$origin_port" --poll-us "$POLL_US" $v >/dev/null &
    pids+=($!)
    tag=${v//--/}
    tag=${tag// /_}
    targets+=("hop_floor_poll${tag:+_$tag}:$p")
  done
fi
for t in "${targets[@]}"; do wait_http "${t#*:}"; done

echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg), R=$R, ${DURATION}s per run, $RATE req/s, burst ${BURST}s" >&2
results="$work/results.tsv"
for ((round = 1; round <= R; round++)); do
  # Alternate the order between rounds so no target always follows another.
  order=("${targets[@]}")
  if ((round % 2 == 0)); then
    order=()
    for ((i = ${#targets[@]} - 1; i >= 0; i--)); do order+=("${targets[i]}"); done
  fi
  for t in "${order[@]}"; do
    name=${t%%:*}
    port=${t#*:}
    log="$work/h2load.log"
    if ((BURST > 0)); then
      timeout -k 5 $((BURST + 30)) wrk -t2 -c64 -d"${BURST}s" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
      sleep 1  # the harness's pause between a target's throughput and latency runs
    fi
    rm -f "$log"
    timeout -k 5 $((DURATION + 30)) h2load --h1 -t1 -c1 --rps="$RATE" -D "$DURATION" \
      --log-file="$log" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
    awk -F'\t' -v r="$round" -v n="$name" '$2 == 200 { print r "\t" n "\t" $3 }' "$log" >>"$results"
    echo "round $round: $name done" >&2
  done
done

python3 - "$results" "${targets[@]%%:*}" <<'EOF'
import statistics, sys
from collections import defaultdict
path, names = sys.argv[1], sys.argv[2:]
lat = defaultdict(list)
for line in open(path):
    r, n, us = line.split("\t")
    lat[(int(r), n)].append(int(us))
def pct(v, p):
    v = sorted(v)
    i = max(1, -(-len(v) * p // 100))
    return v[int(i) - 1]
rounds = sorted({r for r, _ in lat})
print("| target | p50 | p90 | p99 | added p50 | added p90 | added p99 | added p99 per round |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for n in names:
    cols, added, per_round = [], [], []
    for p in (50, 90, 99):
        cols.append(statistics.median(pct(lat[(r, n)], p) for r in rounds))
        added.append(statistics.median(pct(lat[(r, n)], p) - pct(lat[(r, "direct")], p) for r in rounds))
    per_round = [pct(lat[(r, n)], 99) - pct(lat[(r, "direct")], 99) for r in rounds]
    a = ["-"] * 3 if n == "direct" else [f"{x:+.0f} µs" for x in added]
    pr = "-" if n == "direct" else ", ".join(f"{x:+d}" for x in per_round)
    print(f"| {n} | {cols[0]:.0f} µs | {cols[1]:.0f} µs | {cols[2]:.0f} µs | {a[0]} | {a[1]} | {a[2]} | {pr} |")
EOF
