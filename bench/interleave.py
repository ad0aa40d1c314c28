#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up times of several commands, measured interleaved.

hyperfine runs all runs of one command, then all of the next, so a slow phase
of the machine (other work, the hypervisor) lands on whichever command ran
then. Here every round runs each command once, in an order that alternates
between rounds, so every command sees the same phases. Reports the median
wall time and the median CPU time (user + sys of the whole process tree, from
wait4) per command, as a Markdown table.

    bench/interleave.py --rounds 200 -n NAME 'CMD ...' -n NAME 'CMD ...' ...

Commands are split with shlex and run without a shell; stdout and stderr go
to /dev/null, and a command that exits non-zero stops the run.
"""
import argparse
import os
import shlex
import statistics
import sys
import time


def run_once(argv):
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - start
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit(f"interleave: {' '.join(argv)} failed (wait status {status})")
    return wall / 1e6, (usage.ru_utime + usage.ru_stime) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("-n", "--name", action="append", required=True)
    ap.add_argument("command", nargs="+")
    a = ap.parse_intermixed_args()
    if len(a.name) != len(a.command):
        ap.error("give one -n NAME per command")
    cmds = [shlex.split(c) for c in a.command]
    for _ in range(a.warmup):
        for argv in cmds:
            run_once(argv)
    walls = [[] for _ in cmds]
    cpus = [[] for _ in cmds]
    for r in range(a.rounds):
        order = range(len(cmds)) if r % 2 == 0 else reversed(range(len(cmds)))
        for i in order:
            w, c = run_once(cmds[i])
            walls[i].append(w)
            cpus[i].append(c)
    print(f"{a.rounds} interleaved rounds, load {open('/proc/loadavg').read().split()[0]} at the end")
    print()
    print("| command | median wall | p90 wall | median CPU (user+sys) |")
    print("|---|---:|---:|---:|")
    for name, w, c in zip(a.name, walls, cpus):
        p90 = statistics.quantiles(w, n=10)[-1]
        print(f"| {name} | {statistics.median(w):.2f} ms | {p90:.2f} ms | {statistics.median(c):.2f} ms |")


if __name__ == "__main__":
    main()
