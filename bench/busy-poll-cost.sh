#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What `meshgate run --busy-poll` costs in CPU, and what it buys in latency, at
# several fixed request rates (ADR 0009).
#
# For each rate, meshgate runs in front of an nginx origin twice: with busy
# polling off, then with --busy-poll $BUSY_POLL. The rounds alternate the order.
# h2load sends the rate over one keep-alive connection for DURATION seconds.
# The script reports meshgate's own CPU time over the run (utime + stime from
# /proc) as a share of one core, with the p50 and p99 latency. It also reports
# the CPU meshgate used during IDLE seconds with no traffic after each run.
#
#   bench/busy-poll-cost.sh                           # 1000 4000 10000 req/s, 250us
#   RATES="500 2000" BUSY_POLL=100us R=3 bench/busy-poll-cost.sh
#
# Loopback only. The table gives medians over the R rounds.
set -euo pipefail
set +m
root=$(cd "$(dirname "$0")/.." && pwd)
RATES=${RATES:-1000 4000 10000}
BUSY_POLL=${BUSY_POLL:-250us}
DURATION=${DURATION:-5}
IDLE=${IDLE:-2}
R=${R:-3}
CORES=${CORES:-$(nproc)}

for tool in nginx h2load curl python3; do
  command -v "$tool" >/dev/null || { echo "busy-poll-cost: missing $tool" >&2; exit 1; }
done
"$root/scripts/build.sh" release meshgate >/dev/null
bin="$root/build/release/src/cli/meshgate"
name=busy-poll-cost
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_origin "$CORES"
wait_http "$origin_port"

declare -A pid_of port_of
start_meshgate off
pid_of[off]=$mg_pid port_of[off]=$mg_port
start_meshgate on --busy-poll "$BUSY_POLL"
pid_of[on]=$mg_pid port_of[on]=$mg_port
for mode in off on; do wait_http "${port_of[$mode]}"; done

hz=$(getconf CLK_TCK)
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg), R=$R, ${DURATION}s per run, busy poll $BUSY_POLL" >&2
results="$work/results.tsv"
for ((round = 1; round <= R; round++)); do
  for rate in $RATES; do
    order=(off on)
    ((round % 2 == 0)) && order=(on off)
    for mode in "${order[@]}"; do
      pid=${pid_of[$mode]}
      log="$work/h2load.log"
      rm -f "$log"
      c0=$(cpu_ticks "$pid")
      timeout -k 5 $((DURATION + 30)) h2load --h1 -t1 -c1 --rps="$rate" -D "$DURATION" \
        --log-file="$log" "http://127.0.0.1:${port_of[$mode]}/" >/dev/null 2>&1 || true
      c1=$(cpu_ticks "$pid")
      # Idle CPU: no traffic for IDLE seconds (a measurement interval, not a wait
      # for readiness).
      sleep "$IDLE"
      c2=$(cpu_ticks "$pid")
      awk -F'\t' -v r="$round" -v rate="$rate" -v m="$mode" -v busy=$((c1 - c0)) \
        -v idle=$((c2 - c1)) -v hz="$hz" -v d="$DURATION" -v i="$IDLE" \
        '$2 == 200 { print r "\t" rate "\t" m "\t" $3 "\t" 100 * busy / hz / d "\t" 100 * idle / hz / i }' \
        "$log" >>"$results"
      echo "round $round: $rate req/s, busy poll $mode done" >&2
    done
  done
done

python3 - "$results" "$BUSY_POLL" <<'EOF'
import statistics, sys
from collections import defaultdict
path, window = sys.argv[1], sys.argv[2]
lat, cpu, idle = defaultdict(list), defaultdict(dict), defaultdict(dict)
for line in open(path):
    r, rate, m, us, c, i = line.split("\t")
    lat[(int(r), int(rate), m)].append(int(us))
    cpu[(int(rate), m)][int(r)] = float(c)
    idle[(int(rate), m)][int(r)] = float(i)
def pct(v, p):
    v = sorted(v)
    k = max(1, -(-len(v) * p // 100))
    return v[int(k) - 1]
rounds = sorted({r for r, _, _ in lat})
rates = sorted({rate for _, rate, _ in lat})
print(f"| rate | busy poll | CPU (% of a core) | idle CPU | p50 | p99 |")
print("|---:|---|---:|---:|---:|---:|")
for rate in rates:
    for m in ("off", "on"):
        p50 = statistics.median(pct(lat[(r, rate, m)], 50) for r in rounds)
        p99 = statistics.median(pct(lat[(r, rate, m)], 99) for r in rounds)
        c = statistics.median(cpu[(rate, m)].values())
        i = statistics.median(idle[(rate, m)].values())
        label = "off" if m == "off" else window
        print(f"| {rate:,} req/s | {label} | {c:.0f}% | {i:.1f}% | {p50} µs | {p99} µs |")
EOF
