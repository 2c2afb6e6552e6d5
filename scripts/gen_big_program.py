#!/usr/bin/env python3
"""Writes a large, valid MiniScript program for measuring the front end at scale.

Usage: gen_big_program.py MEGABYTES [mixed|functions] > big.ms

mixed:     assignments, arithmetic, prints inside ifs that are never taken, small
           function definitions and calls, short loops (the run is cheap: every block
           runs a few instructions).
functions: many small function definitions (one per 5 lines), each called once.
Names and numbers repeat every 9973 blocks, so the global code's constant table
stays under its limit. The output is deterministic (no randomness), so measurements can be repeated.
"""
import sys


def mixed_block(i):
    # Numbers and names repeat (i % 9973): a function's constant table holds at most
    # 32767 distinct constants ("function too large" beyond that).
    i %= 9973
    return (
        f"a{i % 97} = {i} * 3 + {i % 13}\n"
        f"b = a{i % 97} / 7 - (a{i % 97} % 5) ^ 2\n"
        f's = "item" + {i} + " of many"\n'
        f"if b > 1e12 then\n"
        f"  print s + b\n"
        f"else if b < -1e12 then\n"
        f'  print "negative " + b\n'
        f"end if\n"
        f"f{i % 89} = function(x, y=2)\n"
        f"  return x * y + {i % 7}\n"
        f"end function\n"
        f"c = f{i % 89}(b, 3)\n"
        f"m = {{\"k\": c, \"n\": [1, 2, {i}]}}\n"
        f"for j in range(1, 2)\n"
        f"  c = c + j\n"
        f"end for\n"
        f"while c > 1e15\n"
        f"  c = c / 2\n"
        f"end while\n"
        f"if m.k == c then m.n.push c // single-line if\n"
    )


def function_block(i):
    i %= 9973
    return (
        f"fn{i} = function(a, b)\n"
        f"  t = a + b * {i % 10}\n"
        f"  return t - 1\n"
        f"end function\n"
        f"r = fn{i}(r, 1)\n"
    )


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    target = int(float(sys.argv[1]) * 1_000_000)
    kind = sys.argv[2] if len(sys.argv) > 2 else "mixed"
    block = {"mixed": mixed_block, "functions": function_block}[kind]
    out = sys.stdout
    out.write("r = 0\n")
    written, i = 0, 0
    while written < target:
        chunk = "".join(block(i + k) for k in range(1000))
        out.write(chunk)
        written += len(chunk)
        i += 1000
    out.write('print "done"\n')


main()
