#!/usr/bin/env python3
"""Time the ../shared/bench programs under our interpreter and lua5.4 in one run.

Runs the commands alternately (ours, lua, ours, lua, ...) after one warm-up each,
takes the median wall time of each, checks every output line against expected.txt,
and prints a markdown table of the ratios. Usage:

    scripts/bench_vs_lua.py [--runs N] [--bin target/release/miniscript] [--shared ../shared]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - t, p.stdout.strip(), p.returncode


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "miniscript"))
    ap.add_argument("--shared", default=os.environ.get("MINISCRIPT_SHARED", os.path.join(here, "..", "..", "shared")))
    ap.add_argument("--extra", action="append", default=[], help="NAME=ARGS extra configuration of ours, e.g. jit=--jit=off")
    args = ap.parse_args()
    bench = os.path.join(args.shared, "bench")
    expected = {}
    with open(os.path.join(bench, "expected.txt")) as f:
        for line in f:
            if line.strip():
                expected[line.split()[0]] = line.strip()
    lua = shutil.which("lua5.4")
    names = sorted(n[:-3] for n in os.listdir(os.path.join(bench, "ms")) if n.endswith(".ms"))
    print("| program | ours (s) | lua5.4 (s) | ours / lua5.4 |")
    print("|---|---:|---:|---:|")
    bad = False
    for name in names:
        ms = [args.bin, os.path.join(bench, "ms", name + ".ms")]
        lu = [lua, os.path.join(bench, "lua", name + ".lua")] if lua else None
        cmds = [ms] + ([lu] if lu else [])
        times = [[] for _ in cmds]
        for c in cmds:
            run(c)  # warm-up
        for _ in range(args.runs):
            for i, c in enumerate(cmds):
                t, out, rc = run(c)
                if out != expected.get(name) or rc != 0:
                    print(f"WRONG OUTPUT from {' '.join(c)}: {out!r} (exit {rc})", file=sys.stderr)
                    bad = True
                times[i].append(t)
        m = [statistics.median(t) for t in times]
        if lu:
            print(f"| {name} | {m[0]:.3f} | {m[1]:.3f} | {m[0] / m[1]:.2f}x |")
        else:
            print(f"| {name} | {m[0]:.3f} | missing | - |")
        sys.stdout.flush()
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
