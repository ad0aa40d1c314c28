#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes src/cli/startup.order: the functions meshgate runs as it starts.

    scripts/startup-order.py [--build build/release] [--out src/cli/startup.order]
    scripts/startup-order.py --check BINARY ORDER_FILE

The first form (root only) puts a uprobe on every function of a copy of the
release binary, runs the commands whose start-up time matters (`version`, and
`sandbox run` of /bin/true under `strict`, with and without the init), and
writes each function's symbol once, in the order the supervisor, pid 1 and the
command's child first ran them. lld places those functions next to each other
(ADR 0008), so a start touches a few pages of text instead of one page per
function.

The second form is the ctest check: most of the listed symbols must still exist
in BINARY (otherwise the file is stale: run the first form again), and the
linker must have placed them in the listed order.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

GROUP = "mgstartup"
COMMANDS = [
    ["version"],
    ["sandbox", "run", "--builtin", "strict", "--", "/bin/true"],
    ["sandbox", "run", "--builtin", "strict", "--no-init", "--", "/bin/true"],
]


def text_symbols(binary):
    """name -> address of every defined function symbol."""
    out = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True,
                         text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.setdefault(parts[2], int(parts[0], 16))
    return syms


def executable_segments(binary):
    """(file offset, vaddr, size) of each executable PT_LOAD segment."""
    out = subprocess.run(["readelf", "-lW", binary], check=True, capture_output=True,
                         text=True).stdout
    segs = []
    for line in out.splitlines():
        p = line.split()
        if p and p[0] == "LOAD" and "E" in p[6:-1]:
            segs.append((int(p[1], 16), int(p[2], 16), int(p[4], 16)))
    return segs


def tracefs():
    for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        if os.access(os.path.join(d, "uprobe_events"), os.W_OK):
            return d
    sys.exit("startup-order: no writable tracefs uprobe_events (needs root and CONFIG_UPROBE_EVENTS)")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def remove_probes(t, added):
    """Removes this script's probes. Each removal waits for an RCU grace period, so
    when every uprobe on the machine is ours they go in one truncating write."""
    if os.path.exists(os.path.join(t, f"events/{GROUP}/enable")):
        write(os.path.join(t, f"events/{GROUP}/enable"), "0")
    events = os.path.join(t, "uprobe_events")
    with open(events) as f:
        others = [line for line in f if not line.startswith(f"p:{GROUP}/")]
    if not others:
        with open(events, "w"):
            pass
        return
    print(f"startup-order: other uprobes exist; removing ours one by one ({added})",
          file=sys.stderr)
    fd = os.open(events, os.O_WRONLY | os.O_APPEND)
    try:
        for i in range(added):
            os.write(fd, f"-:{GROUP}/f{i}\n".encode())
    finally:
        os.close(fd)


def generate(args):
    if os.geteuid() != 0:
        sys.exit("startup-order: run as root (uprobes)")
    subprocess.run(["./scripts/build.sh", "release", "meshgate"], check=True,
                   stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="startup-order.")
    # A copy: uprobes attach to an inode, and the next link replaces the build's file.
    binary = os.path.join(tmp, "meshgate")
    shutil.copy2(os.path.join(args.build, "src/cli/meshgate"), binary)
    segs = executable_segments(binary)
    names, probes, seen = [], [], set()
    for name, addr in sorted(text_symbols(binary).items(), key=lambda kv: kv[1]):
        if addr in seen:
            continue
        for off, vaddr, size in segs:
            if vaddr <= addr < vaddr + size:
                seen.add(addr)
                probes.append(f"p:{GROUP}/f{len(names)} {binary}:0x{addr - vaddr + off:x}\n")
                names.append(name)
    t = tracefs()
    events = os.path.join(t, "uprobe_events")
    fd = os.open(events, os.O_WRONLY | os.O_APPEND)
    added = 0
    try:
        for p in probes:  # one write per probe: tracefs parses each write alone
            os.write(fd, p.encode())
            added += 1
        write(os.path.join(t, "tracing_on"), "0")
        write(os.path.join(t, "trace"), "")
        write(os.path.join(t, "buffer_size_kb"), "65536")
        write(os.path.join(t, f"events/{GROUP}/enable"), "1")
        write(os.path.join(t, "tracing_on"), "1")
        for cmd in COMMANDS:
            subprocess.run([binary] + cmd, check=True, stdout=subprocess.DEVNULL, timeout=60)
        write(os.path.join(t, "tracing_on"), "0")
        write(os.path.join(t, f"events/{GROUP}/enable"), "0")
        with open(os.path.join(t, "trace")) as f:
            trace = f.read()
    finally:
        os.close(fd)
        remove_probes(t, added)
        shutil.rmtree(tmp)
    order, listed = [], set()
    for m in re.finditer(r"\bf(\d+): \(0x[0-9a-f]+\)", trace):
        name = names[int(m.group(1))]
        if name not in listed:
            listed.add(name)
            order.append(name)
    if len(order) < 50:
        sys.exit(f"startup-order: only {len(order)} functions traced; is the trace buffer working?")
    with open(args.out, "w") as f:
        f.write("".join(n + "\n" for n in order))
    print(f"startup-order: {len(order)} functions written to {args.out}")


def check(binary, order_file):
    syms = text_symbols(binary)
    listed = [line.strip() for line in open(order_file) if line.strip()]
    found = [n for n in listed if n in syms]
    if len(found) < 0.9 * len(listed):
        sys.exit(f"{order_file}: only {len(found)} of {len(listed)} symbols are in {binary}; "
                 "it is stale: run scripts/startup-order.py as root and commit the result")
    # lld lays out the listed sections in the file's order. A few pairs may run
    # backwards where two listed symbols share one input section (archives built
    # without -ffunction-sections, such as libcrypto's); a layout that ignored
    # the file would put about half of the pairs backwards.
    pairs = list(zip(found, found[1:]))
    forward = sum(1 for a, b in pairs if syms[a] <= syms[b])
    if forward < 0.9 * len(pairs):
        sys.exit(f"{binary}: only {forward} of {len(pairs)} consecutive start-up functions are "
                 "in the order of the file: was it linked with --symbol-ordering-file?")
    windows = len({syms[n] >> 16 for n in found})
    print(f"{len(found)} of {len(listed)} start-up functions found, {forward} of {len(pairs)} "
          f"pairs in order, in {windows} windows of 64 KiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--out", default="src/cli/startup.order")
    ap.add_argument("--check", nargs=2, metavar=("BINARY", "ORDER_FILE"))
    args = ap.parse_args()
    if args.check:
        check(*args.check)
    else:
        os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        generate(args)


if __name__ == "__main__":
    main()
