#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sandbox start-up next to bubblewrap at comparable isolation, and the seccomp
# filter's per-syscall cost.
#
#   bench/sandbox-bench.sh [--runs N] [--build DIR] [--markdown FILE]
#
# 1. hyperfine: the median wall time of /bin/true, bare, under bubblewrap
#    (new user, pid, mount, net, ipc, uts and cgroup namespaces, /usr read-only,
#    merged-/usr links, /proc, /dev, /tmp, no capabilities, a new session, die
#    with parent) and under `meshgate sandbox run --builtin strict` (the same,
#    plus Landlock, seccomp with violation reporting, no_new_privs, rlimits and
#    a pid-1 reaper; and once without the reaper), and `meshgate version` for
#    meshgate's own start-up (dynamic loading of a C++ binary).
# 2. build/release/bench/sandbox_bench: spawn() + wait() in process (what a
#    supervisor pays per sandbox) and ns per getpid under the filters.
#
# Needs hyperfine and bwrap (scripts/install-deps.sh installs both), and root
# or unprivileged user namespaces. Numbers depend on the machine: compare the
# rows with each other, not with another machine's.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=300
build=build/release
markdown=""
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--build DIR] [--markdown FILE]" >&2; exit 2 ;;
  esac
done
for tool in hyperfine bwrap python3; do
  command -v "$tool" >/dev/null || { echo "sandbox-bench: $tool is not installed" >&2; exit 1; }
done
mg=$build/src/cli/meshgate
bench=$build/bench/sandbox_bench
[[ -x $mg && -x $bench ]] || ./scripts/build.sh release meshgate sandbox_bench

bwrap_cmd="bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL \
--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib \
--symlink usr/lib64 /lib64 --ro-bind /etc/ld.so.cache /etc/ld.so.cache \
--proc /proc --dev /dev --tmpfs /tmp /bin/true"

json=$(mktemp)
trap 'rm -f "$json"' EXIT
echo "sandbox-bench: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" \
  -n "bare /bin/true" "/bin/true" \
  -n "bubblewrap" "$bwrap_cmd" \
  -n "meshgate sandbox run --builtin strict" "$mg sandbox run --builtin strict -- /bin/true" \
  -n "meshgate sandbox run --builtin strict --no-init" \
     "$mg sandbox run --builtin strict --no-init -- /bin/true" \
  -n "meshgate version (its own start-up)" "$mg version" >/dev/null

table=$(python3 - "$json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
bare = next(r for r in results if r["command"] == "bare /bin/true")["median"]
# CPU time (user + system, all processes) is the least load-sensitive column.
print("| command | median | mean ± σ | min | CPU (user+sys) | median over bare /bin/true |")
print("|---|---:|---:|---:|---:|---:|")
for r in results:
    ms = lambda v: f"{v * 1000:.2f} ms"
    print(f"| {r['command']} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | "
          f"{ms(r['min'])} | {ms(r['user'] + r['system'])} | {ms(r['median'] - bare)} |")
PY
)
echo
echo "$table"
echo
micro=$("$bench" --spawns 200 --iterations 2000000 --repeat 7)
echo "$micro"
if [[ -n $markdown ]]; then
  {
    echo "$table"
    echo
    echo '```'
    echo "$micro"
    echo '```'
  } >"$markdown"
  echo "sandbox-bench: wrote $markdown"
fi
