#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sandbox start-up next to bubblewrap at comparable isolation, and the seccomp
# filter's per-syscall cost.
#
#   bench/sandbox-bench.sh [--runs N] [--build DIR] [--markdown FILE] [--compare MESHGATE]
#
# 1. hyperfine: the median wall time of /bin/true, bare, under bubblewrap
#    (new user, pid, mount, net, ipc, uts and cgroup namespaces, /usr read-only,
#    merged-/usr links, /proc, /dev, /tmp, no capabilities, a new session, die
#    with parent) and under `meshgate sandbox run --builtin strict` (the same,
#    plus Landlock, seccomp with violation reporting, no_new_privs, rlimits and
#    a pid-1 reaper; and once without the reaper), and `meshgate version` for
#    meshgate's own start-up (dynamic loading of a C++ binary).
#    bubblewrap has no seccomp filter of its own; the "+ filters" row gives it
#    meshgate's two filters for `strict` (`meshgate sandbox bpf`, stacked with
#    --add-seccomp-fd) with --as-pid-1 (bubblewrap would otherwise install them
#    in its own init too, which strict kills); compare it with meshgate's
#    --no-init row. The fds need a shell (`sh -c 'exec bwrap ... 3<f'`): the
#    row without filters is run the same way, and their difference is what
#    the filters cost. --compare adds rows for another meshgate binary.
#    Then the main rows again, interleaved (bench/interleave.py): one run of
#    each command per round, so the VM's slow phases hit every row alike.
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
compare=""
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--build DIR] [--markdown FILE] [--compare MESHGATE]" >&2; exit 2 ;;
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
filters=$(mktemp -d)
trap 'rm -rf "$json" "$filters"' EXIT
"$mg" sandbox bpf --builtin strict -o "$filters/policy.bpf"
"$mg" sandbox bpf --builtin strict --filter baseline -o "$filters/baseline.bpf"
bwrap_pid1="$bwrap_cmd"
bwrap_pid1=${bwrap_pid1% /bin/true}" --as-pid-1"
compare_args=()
if [[ -n $compare ]]; then
  compare_args=(-n "compared: meshgate sandbox run --builtin strict"
                "$compare sandbox run --builtin strict -- /bin/true"
                -n "compared: meshgate sandbox run --builtin strict --no-init"
                "$compare sandbox run --builtin strict --no-init -- /bin/true")
fi
echo "sandbox-bench: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" \
  -n "bare /bin/true" "/bin/true" \
  -n "bubblewrap" "$bwrap_cmd" \
  -n "meshgate sandbox run --builtin strict" "$mg sandbox run --builtin strict -- /bin/true" \
  -n "meshgate sandbox run --builtin strict --no-init" \
     "$mg sandbox run --builtin strict --no-init -- /bin/true" \
  -n "meshgate version (its own start-up)" "$mg version" \
  -n "bubblewrap --as-pid-1 (through sh)" "sh -c 'exec $bwrap_pid1 /bin/true'" \
  -n "bubblewrap --as-pid-1 + meshgate's strict filters (through sh)" \
     "sh -c 'exec $bwrap_pid1 --add-seccomp-fd 3 --add-seccomp-fd 4 /bin/true \
3<$filters/baseline.bpf 4<$filters/policy.bpf'" \
  "${compare_args[@]}" >/dev/null

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
by = {r["command"]: r for r in results}
plain = by["bubblewrap --as-pid-1 (through sh)"]
filtered = by["bubblewrap --as-pid-1 + meshgate's strict filters (through sh)"]
print()
print(f"meshgate's strict filters under bubblewrap: "
      f"{(filtered['median'] - plain['median']) * 1000:+.2f} ms median, "
      f"{(filtered['user'] + filtered['system'] - plain['user'] - plain['system']) * 1000:+.2f} ms CPU")
PY
)
echo
echo "$table"
echo
# hyperfine runs every run of one command before the next, so a slow phase of
# the VM lands on whichever command runs then. The same comparison interleaved,
# one run of each command per round (bench/interleave.py):
interleaved_args=(-n "bare /bin/true" "/bin/true" -n "bubblewrap" "$bwrap_cmd"
  -n "meshgate sandbox run --builtin strict" "$mg sandbox run --builtin strict -- /bin/true"
  -n "meshgate sandbox run --builtin strict --no-init"
  "$mg sandbox run --builtin strict --no-init -- /bin/true")
if [[ -n $compare ]]; then
  interleaved_args+=(-n "compared: meshgate sandbox run --builtin strict"
    "$compare sandbox run --builtin strict -- /bin/true")
fi
interleaved=$(python3 bench/interleave.py --rounds "$runs" "${interleaved_args[@]}")
echo "$interleaved"
echo
micro=$("$bench" --spawns 200 --iterations 2000000 --repeat 7)
echo "$micro"
if [[ -n $markdown ]]; then
  {
    echo "$table"
    echo
    echo "$interleaved"
    echo
    echo '```'
    echo "$micro"
    echo '```'
  } >"$markdown"
  echo "sandbox-bench: wrote $markdown"
fi
