#!/usr/bin/env python3
"""Differential fuzzing against the reference MiniScript 1.x (a developer tool, not a CI test).

Generates small, terminating MiniScript programs of the kind users write (globals and
locals, functions with defaults and bounded recursion, closures and `outer`, maps as
classes with new/isa/self/super, list and string methods, float formatting, fuzzy
and/or/not, while/for/break/continue, runtime errors at global scope) and runs each
with the C++ reference and with ours, once in the default mode and once with the JIT
forced (`--jit=sync --jit-eager --jit-min-complexity=0 --jit-hot-loop=1`).
Outputs (stdout lines, then stderr lines) are compared; each differing program is
minimized (whole generated statements are dropped while the difference persists) and
saved as OUT/SEED-N.ms with OUT/SEED-N.diff.

    scripts/ref_fuzz.py [--ref /work/ref/msref] [--ours target/release/miniscript]
                        [--out /tmp/ref_fuzz] [--keep] SEED COUNT

Programs that differ only where spec/MINISCRIPT.md §12 says we follow C# are not
generated, or are normalized before comparing: errors only at global scope (the C++
tool resumes the caller after an error in a function), NaN/Inf/-0 spelling, no
printing of maps with more than one key (C++ hash order), no `round` of halves, no
upper/lower of non-ASCII text, no rnd, no intrinsic errors, no string-index errors.
The exit status is 1 when a difference was found. `--keep` writes every program.
"""

import argparse
import os
import random
import re
import subprocess
import sys

JIT_ARGS = ["--jit=sync", "--jit-eager", "--jit-min-complexity=0", "--jit-hot-loop=1"]
ASCII_WORDS = ["apple", "Banana", "cherry pie", "a,b,c", "x", "", "Hello World", "abcabc", "  sp  "]
UNI_WORDS = ["héllo", "naïve café", "日本語", "Ωmega", "ñandú", "añoño"]
FLOATS = ["0.5", "2.25", "3.14159", "1e-7", "1.5e12", "0.1", "100.125", "1e10", "7.000001", "0.000001",
          "123456.789", "2.5e-3", "9999999999.5", "0.3333"]


class Gen:
    """Random program text; every statement is a list of lines (one chunk)."""

    def __init__(self, rng):
        self.r = rng
        self.depth = 0
        self.fn_count = 0
        self.nums = ["n0", "n1"]
        self.strs = ["s0"]
        self.lists = ["l0"]
        self.funcs = []  # (name, arity, defaults)
        self.in_func = False
        self.loop_depth = 0
        self.counter = 0

    def pick(self, xs):
        return self.r.choice(xs)

    def fresh(self, base):
        self.counter += 1
        return "%s%d" % (base, self.counter)

    # ---- expressions -------------------------------------------------------------
    def num(self, d=0):
        r = self.r.random()
        if d > 2 or r < 0.25:
            c = self.r.random()
            if c < 0.5:
                return str(self.r.randint(-5, 20))
            if c < 0.8:
                return self.pick(FLOATS)
            return self.pick(self.nums + ["n0"])
        k = self.r.randint(0, 17)
        a = lambda: self.num(d + 1)
        if k == 0:
            return "(%s %s %s)" % (a(), self.pick(["+", "-", "*"]), a())
        if k == 1:
            return "(%s / %s)" % (a(), self.pick(["2", "3", "7", "0.5", "4"]))
        if k == 2:
            return "(%s %% %s)" % (a(), self.pick(["3", "-4", "2.5", "7"]))
        if k == 3:
            return "(%s ^ %s)" % (self.pick(["2", "1.5", "3", "-2", "10"]), self.pick(["2", "3", "0.5", "10", "0"]))
        if k == 4:
            return "%s(%s)" % (self.pick(["floor", "abs", "sign", "ceil"]), a())
        if k == 5:
            return "round(%s / 7 + 0.0123, %d)" % (a(), self.r.randint(0, 4))
        if k == 6:
            return "%s.len" % self.lst(d + 1)
        if k == 7:
            return "%s.len" % self.s(d + 1)
        if k == 8:
            return "(%s %s %s)" % (a(), self.pick(["<", ">", "==", "!=", "<=", ">="]), a())
        if k == 9:
            return "(%s %s %s)" % (self.fuzzy(), self.pick(["and", "or"]), self.fuzzy())
        if k == 10:
            return "(not %s)" % self.fuzzy()
        if k == 11:
            return "val(str(%s))" % a()
        if k == 12:
            return "-%s" % self.pick(self.nums + ["n1"])
        if k == 13 and self.funcs:
            return self.call(d)
        if k == 14:
            return "(%s isa %s)" % (self.any(d + 1), self.pick(["number", "string", "list", "map", "Animal"]))
        if k == 15:
            return "(%s %s %s)" % (self.s(d + 1, True), self.pick(["<", ">", "==", "!="]), self.s(d + 1, True))
        if k == 16:
            return "sqrt(abs(%s))" % a()
        return "[%s].sum" % ", ".join(str(self.r.randint(-9, 99)) for _ in range(self.r.randint(0, 4)))

    def fuzzy(self):
        return self.pick(["0", "1", "0.5", "0.25", "true", "false", "null", '""', '"a"', "[]", "[0]",
                          "n0", "(n1 > 2)", "-0.5", "2", "s0", "l0"])

    def s(self, d=0, ascii_only=False):
        r = self.r.random()
        if d > 2 or r < 0.3:
            if self.r.random() < 0.6 or ascii_only:
                return '"%s"' % self.pick(ASCII_WORDS)
            return '"%s"' % self.pick(UNI_WORDS)
        if ascii_only:
            return "%s(%s)" % (self.pick(["upper", "lower"]), '"%s"' % self.pick(ASCII_WORDS))
        k = self.r.randint(0, 11)
        if k == 0:
            return self.pick(self.strs)
        if k == 1:
            return "(%s + %s)" % (self.s(d + 1), self.pick([self.s(d + 1), self.num(d + 1), self.lst(d + 1)]))
        if k == 2:
            return "(%s * %s)" % (self.s(d + 1), self.pick(["2", "0", "1.5", "-1", "0.5"]))
        if k == 3:
            return "%s[%s:%s]" % (self.s(d + 1), self.pick(["", "1", "-2", "0"]), self.pick(["", "3", "-1", "10"]))
        if k == 4:
            return "str(%s)" % self.any(d + 1)
        if k == 5:
            return '%s.replace("%s", "%s")' % (self.s(d + 1), self.pick(["a", "b", "é", "l", "日"]), self.pick(["", "X", "ü"]))
        if k == 6:
            return "%s.join(%s)" % (self.lst(d + 1), self.pick(['", "', '""', '"-"', '"ö"']))
        if k == 7:
            return "%s.%s" % (self.s(d + 1, True), self.pick(["upper", "lower"]))
        if k == 8:
            return "(%s - %s)" % (self.s(d + 1), self.pick(['"a"', '"e"', '"o"', '"c"']))
        if k == 9:
            return "char(%s)" % self.pick(["65", "97", "233", "8364", "48"])
        if k == 10:
            return "str(%s)" % self.num(d + 1)
        return '"%s"' % self.pick(UNI_WORDS)

    def lst(self, d=0):
        r = self.r.random()
        if d > 2 or r < 0.3:
            if self.r.random() < 0.5:
                return self.pick(self.lists)
            return "[%s]" % ", ".join(self.any(d + 1) for _ in range(self.r.randint(0, 3)))
        k = self.r.randint(0, 7)
        if k == 0:
            return "(%s + %s)" % (self.lst(d + 1), self.lst(d + 1))
        if k == 1:
            return "(%s * %s)" % (self.lst(d + 1), self.pick(["2", "0", "1.5", "0.5"]))
        if k == 2:
            return "%s[%s:%s]" % (self.lst(d + 1), self.pick(["", "1", "-2"]), self.pick(["", "2", "-1"]))
        if k == 3:
            return "%s.split(%s)" % (self.s(d + 1, True), self.pick(['""', '" "', '","', '"a"', '"é"']))
        if k == 4:
            return "range(%d, %d)" % (self.r.randint(-3, 3), self.r.randint(-3, 6))
        if k == 5:
            return "%s.indexes" % self.lst(d + 1)
        if k == 6:
            return "%s.values" % self.s(d + 1, True)
        return self.numlist(d + 1)

    def numlist(self, d=0):
        return "[%s]" % ", ".join(self.num(d + 1) for _ in range(self.r.randint(0, 4)))

    def any(self, d=0):
        k = self.r.randint(0, 5)
        if k <= 1:
            return self.num(d)
        if k <= 3:
            return self.s(d)
        if k == 4:
            return self.lst(d)
        return self.pick(["null", "{}", '{"k": %s}' % self.num(d + 1)])

    def call(self, d):
        name, arity, ndef = self.pick(self.funcs)
        nargs = self.r.randint(arity - ndef, arity)
        return "%s(%s)" % (name, ", ".join(self.num(d + 1) for _ in range(nargs)))

    # ---- statements --------------------------------------------------------------
    def stmt(self, ind=""):
        """One statement as a list of lines."""
        k = self.r.randint(0, 23)
        if self.depth > 2:
            k = self.r.choice([0, 1, 2, 3])
        if k == 0:
            return [ind + "print %s" % self.any()]
        if k == 1:
            v = self.pick(self.nums)
            return [ind + "%s = %s + 0" % (v, self.num())]
        if k == 2:
            return [ind + "%s %s= %s" % (self.pick(self.nums), self.pick(["+", "-", "*"]), self.num())]
        # (no bare `x = x`: as the last statement of a then-branch or loop body its
        # warning carries the else/end line in the reference, not yet in ours)
        if k == 3:
            return [ind + "%s = %s + \"\"" % (self.pick(self.strs), self.s())]
        if k == 4:
            return [ind + "%s = %s[:]" % (self.pick(self.lists), self.lst())]
        if k == 5:
            l = self.pick(self.lists)
            op = self.r.randint(0, 6)
            if op == 0:
                return [ind + "%s.push %s" % (l, self.any())]
            if op == 1:
                return [ind + "if %s.len > 0 then print %s.pop" % (l, l)]
            if op == 2:
                return [ind + "%s.insert %d, %s" % (l, self.r.randint(0, 0), self.any())]
            if op == 3:
                return [ind + "if %s.len > 1 then %s.remove(-1)" % (l, l)]
            if op == 4:
                return [ind + "print %s.indexOf(%s)" % (l, self.any())]
            if op == 5:
                return [ind + "print %s.sort" % self.numlist()]
            return [ind + "if %s.len > 0 then print %s.pull" % (l, l)]
        if k == 6 or k == 7:
            return self.if_block(ind)
        if k == 8:
            return self.while_block(ind)
        if k == 9 or k == 10:
            return self.for_block(ind)
        if k == 11 and self.loop_depth > 0:
            return [ind + "if %s then %s" % (self.cond(), self.pick(["break", "continue"]))]
        if k == 12 and not self.in_func and self.depth == 0:
            return self.func_def(ind)
        if k == 13 and self.funcs:
            return [ind + "print %s" % self.call(0)]
        if k == 14:
            s = self.s()
            return [ind + "print %s.split(%s)" % (s, self.pick(['" "', '"l"', '"é"'])),
                    ind + "print %s.indexOf(%s)" % (s, self.pick(['"a"', '"l"', '"é"', '"本"']))]
        if k == 15:
            return [ind + "print str(%s) + %s" % (self.num(), self.s())]
        if k == 16:
            return [ind + "print %s" % self.num()]
        if k == 17 or k == 22 or k == 23:
            return self.obj_stmt(ind)
        if k == 18:
            return [ind + "print %s[%s]" % (self.s(), self.pick(["0", "-1", "1"])) if False else
                    ind + "print %s" % self.pick(["%s[%d]" % (w, i) for w in ['"héllo"', '"日本語"', '"abc"']
                                                    for i in (0, 1, -1)])]
        if k == 19:
            return [ind + "print %s + %s" % (self.pick(["n0", "n1", "s0"]), self.any())]
        if k == 20:
            return [ind + "print %s" % self.lst()]
        if k == 21 and not self.in_func and self.depth == 0:
            return self.pick([self.closure, self.algorithm])(ind)
        return [ind + "print %s" % self.s()]

    def cond(self):
        k = self.r.randint(0, 4)
        if k == 0:
            return "%s %s %s" % (self.num(2), self.pick(["<", ">", "==", "!=", ">="]), self.num(2))
        if k == 1:
            return "%s and %s" % (self.fuzzy(), self.fuzzy())
        if k == 2:
            return "not %s or %s" % (self.fuzzy(), self.fuzzy())
        if k == 3:
            return "%s isa %s" % (self.pick(["n0", "s0", "l0", "null"]), self.pick(["number", "string", "list"]))
        return self.fuzzy()

    def block(self, ind, n=None):
        self.depth += 1
        out = []
        for _ in range(n or self.r.randint(1, 3)):
            out += self.stmt(ind + "  ")
        self.depth -= 1
        return out

    def if_block(self, ind):
        out = [ind + "if %s then" % self.cond()] + self.block(ind)
        if self.r.random() < 0.4:
            out += [ind + "else if %s then" % self.cond()] + self.block(ind)
        if self.r.random() < 0.5:
            out += [ind + "else"] + self.block(ind)
        return out + [ind + "end if"]

    def while_block(self, ind):
        c = self.fresh("w")
        self.loop_depth += 1
        body = self.block(ind)
        self.loop_depth -= 1
        return ([ind + "%s = 0" % c, ind + "while %s < %d" % (c, self.r.randint(0, 5)),
                 ind + "  %s += 1" % c] + body + [ind + "end while", ind + "print %s" % c])

    def for_block(self, ind):
        v = self.fresh("i")
        seq = self.pick([self.lst(), "range(%d)" % self.r.randint(0, 4), self.s(), self.pick(self.lists) + "[:]"])
        self.loop_depth += 1
        body = self.block(ind)
        self.loop_depth -= 1
        return [ind + "for %s in %s" % (v, seq), ind + "  print %s" % v] + body + [ind + "end for"]

    def func_def(self, ind):
        name = self.fresh("f")
        arity = self.r.randint(0, 3)
        ndef = self.r.randint(0, arity)
        params = ["p%d" % i for i in range(arity)]
        shown = [p if i < arity - ndef else "%s=%s" % (p, self.pick(["1", "2.5", "-3", '"d"', "null", "true"]))
                 for i, p in enumerate(params)]
        saved = self.nums
        self.nums = [p for p in params[: arity - ndef]]
        self.in_func = True
        out = [ind + "%s = function(%s)" % (name, ", ".join(shown))]
        out += [ind + "  loc = %s" % self.pick(FLOATS)]
        self.nums.append("loc")
        out += self.block(ind, self.r.randint(1, 3))
        if self.r.random() < 0.3:
            out += [ind + "  globals.n1 = loc"]
        out += [ind + "  return %s" % self.num()]
        out += [ind + "end function"]
        self.in_func = False
        self.nums = saved
        self.funcs.append((name, arity, ndef))
        if self.r.random() < 0.3:
            r = self.fresh("rec")
            out += [ind + "%s = function(k, acc=0)" % r,
                     ind + "  if k <= 0 then return acc",
                     ind + "  return %s(k - 1, acc + k * %s)" % (r, self.pick(["2", "0.5", "k", "-1"])),
                     ind + "end function",
                     ind + "print %s(%d)" % (r, self.r.randint(0, 8))]
        return out

    def closure(self, ind):
        mk = self.fresh("mk")
        return [ind + "%s = function(start, step=1)" % mk,
                ind + "  count = start",
                ind + "  bump = function()",
                ind + "    outer.count = count + step",
                ind + "    return count",
                ind + "  end function",
                ind + "  return @bump",
                ind + "end function",
                ind + "c = %s(%s)" % (mk, self.num(2)),
                ind + "c",
                ind + "print c",
                ind + "print c + %s" % self.num(2)]

    def algorithm(self, ind):
        """A small algorithm of the kind community programs hold, on random data."""
        name = self.fresh("alg")
        k = self.r.randint(0, 3)
        if k == 0:
            return [ind + "%s = function(lst)" % name,
                    ind + "  if lst.len < 2 then return lst",
                    ind + "  pivot = lst[0]; less = []; more = []",
                    ind + "  for x in lst[1:]",
                    ind + "    if x < pivot then less.push x else more.push x",
                    ind + "  end for",
                    ind + "  return %s(less) + [pivot] + %s(more)" % (name, name),
                    ind + "end function",
                    ind + "print %s(%s)" % (name, self.numlist()),
                    ind + "print %s(%s.split(\"\"))" % (name, self.s(2, True))]
        if k == 1:
            return [ind + "memo = {}",
                    ind + "%s = function(n)" % name,
                    ind + "  if n < 2 then return n",
                    ind + "  if memo.hasIndex(n) then return memo[n]",
                    ind + "  memo[n] = %s(n - 1) + %s(n - 2)" % (name, name),
                    ind + "  return memo[n]",
                    ind + "end function",
                    ind + "print %s(%d)" % (name, self.r.randint(0, 90))]
        if k == 2:
            return [ind + "%s = function(lst, f)" % name,
                    ind + "  out = []",
                    ind + "  for x in lst",
                    ind + "    out.push f(x)",
                    ind + "  end for",
                    ind + "  return out",
                    ind + "end function",
                    ind + "print %s(%s, @%s)" % (name, self.numlist(), self.pick(["abs", "floor", "str", "sign"]))]
        return [ind + "%s = {}" % name,
                # (no empty words: the C++ map keeps "" from split apart from "")
                ind + "for w in \"%s\".split" % " ".join(self.pick(["a", "the", "Fox", "dog", "é"])
                                                          for _ in range(self.r.randint(1, 9))),
                ind + "  if not %s.hasIndex(w) then %s[w] = 0" % (name, name),
                ind + "  %s[w] += 1" % name,
                ind + "end for",
                ind + "print %s.len" % name,
                ind + "print %s.values.sum" % name]

    def obj_stmt(self, ind):
        k = self.r.randint(0, 10)
        o = self.fresh("o")
        if k == 0:
            return [ind + "%s = new %s" % (o, self.pick(["Animal", "Dog"])),
                    ind + "%s.name = %s" % (o, self.s(1)),
                    ind + "print %s.speak" % o,
                    ind + "print %s isa Animal" % o]
        if k == 1:
            return [ind + "%s = new Dog" % o, ind + "%s.legs = %s" % (o, self.num(1)),
                    ind + "print %s.describe" % o, ind + "print Dog.legs"]
        if k == 2:
            return [ind + "print %s" % self.pick(["Animal.speak", "Dog.speak", "(new Dog).describe",
                                                   "Dog.__isa == Animal", "Animal isa Dog", "Dog isa Animal"])]
        if k == 3:
            return [ind + "%s = {}" % o, ind + "%s[%s] = %s" % (o, self.any(2), self.any(2)), ind + "print %s" % o,
                    ind + "print %s.len" % o]
        if k == 4:
            return [ind + "%s = new Dog" % o, ind + "%s.speak = function()" % o,
                    ind + "  return \"own \" + super.speak", ind + "end function", ind + "print %s.speak" % o]
        if k == 5:
            return [ind + "%s = new Counter" % o, ind + "%s.inc" % o, ind + "%s.inc(%s).inc" % (o, self.num(2)),
                    ind + "print %s.n" % o, ind + "print Counter.n"]
        if k == 6:
            return [ind + "%s = new Puppy" % o, ind + "print %s.speak" % o, ind + "print %s.describe" % o,
                    ind + "print [%s isa Dog, %s isa Puppy, Dog isa Puppy, %s isa map]" % (o, o, o)]
        if k == 7:
            return [ind + "%s = {\"f\": @%s}" % (o, self.pick(["sqrt", "len"])),
                    ind + "print %s.f" % o,
                    ind + "print %s.hasIndex(\"f\")" % o]
        if k == 8:
            l = self.pick(self.lists)
            return [ind + "print %s.hasIndex(%s)" % (l, self.pick(["0", "-1", "5", "1.5", '"a"'])),
                    ind + "print [1, 2, 1, 3, 1].indexOf(1, %d)" % self.r.randint(-6, 5),
                    ind + "print \"abcabc\".indexOf(\"b\", %d)" % self.r.randint(-7, 6)]
        if k == 9:
            l = self.fresh("lst")
            return [ind + "%s = %s" % (l, self.numlist()), ind + "%s.insert -1, %s" % (l, self.num(2)),
                    ind + "%s.replace %s, %s" % (l, self.num(2), self.any(2)), ind + "print %s" % l,
                    ind + "print %s.len" % l]
        return [ind + "print {\"x\": %s}" % self.any(2)]

    def error_stmt(self):
        return self.pick([
            "print l0[%d]" % self.r.randint(50, 60),
            "print undefinedThing + 1",
            "m = {\"a\": 1}; print m.b",
            "q = null; print q[1]",
            "q = null; print q.foo",
            "x = [1,2]; x[9] = 3",
            "print Dog.nothing",
            "print n0.foo",
            "nope += 1",
            "print new 5",
        ])

    def program(self):
        pre = [["n0 = %s" % self.pick(FLOATS), "n1 = %d" % self.r.randint(-3, 9), "s0 = %s" % self.s(3), "l0 = %s" % self.numlist(),
                "Animal = {\"name\": \"generic\", \"legs\": 4}",
                "Animal.speak = function()",
                "  return self.name + \" makes a sound\"",
                "end function",
                "Animal.describe = function()",
                "  return self.name + \" has \" + self.legs + \" legs\"",
                "end function",
                "Dog = new Animal",
                "Dog.name = \"dog\"",
                "Dog.speak = function()",
                "  return \"Woof! \" + super.speak",
                "end function",
                "Puppy = new Dog",
                "Puppy.speak = function()",
                "  return \"Yip \" + super.speak",
                "end function",
                "Counter = {\"n\": 0}",
                "Counter.inc = function(by=1)",
                "  self.n = self.n + by",
                "  return self",
                "end function"]]
        chunks = [self.stmt() for _ in range(self.r.randint(4, 14))]
        if self.r.random() < 0.25:
            chunks.append([self.error_stmt(), "print \"not reached\""])
        return pre, chunks


NORMALIZE = [(re.compile(r"-?\bnan\b"), "NaN"), (re.compile(r"-INF\b"), "-Infinity"),
             (re.compile(r"\bINF\b"), "Infinity"), (re.compile(r"-0(?![\d.])"), "0")]


def norm(text):
    for rx, rep in NORMALIZE:
        text = rx.sub(rep, text)
    return text


def run(cmd, path):
    try:
        p = subprocess.run(cmd + [path], capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "TIMEOUT"
    if out and not out.endswith("\n"):
        out += "\n"
    return out + err


def outputs(args, text, path):
    with open(path, "w") as f:
        f.write(text)
    ref = norm(run([args.ref], path))
    mine = [norm(run([args.ours], path)), norm(run([args.ours] + JIT_ARGS, path))]
    return ref, mine


def differs(args, text, path):
    ref, mine = outputs(args, text, path)
    if ref == "TIMEOUT" or "Compiler Error" in ref or "Lexer Error" in ref:
        return False
    return any(m != ref for m in mine)


def minimize(args, pre, chunks, path):
    def text(cs):
        return "\n".join(sum(pre + cs, [])) + "\n"
    i = len(chunks) - 1
    while i >= 0:
        trial = chunks[:i] + chunks[i + 1:]
        if differs(args, text(trial), path):
            chunks = trial
        i -= 1
    return text(chunks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--ref", default="/work/ref/msref")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--ours", default=os.path.join(root, "target", "release", "miniscript"))
    ap.add_argument("--out", default="/tmp/ref_fuzz")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    found = 0
    for n in range(args.count):
        g = Gen(random.Random(args.seed * 1000003 + n))
        pre, chunks = g.program()
        path = os.path.join(args.out, "%d-%d.ms" % (args.seed, n))
        full = "\n".join(sum(pre + chunks, [])) + "\n"
        if args.keep:
            with open(path + ".full", "w") as f:
                f.write(full)
        if not differs(args, full, path):
            os.remove(path)
            continue
        found += 1
        small = minimize(args, pre, chunks, path)
        ref, mine = outputs(args, small, path)
        with open(path[:-3] + ".diff", "w") as f:
            f.write("=== reference\n%s=== ours\n%s=== ours (jit)\n%s" % (ref, mine[0], mine[1]))
        print("DIFF %s" % path, flush=True)
    print("seed %d: %d programs, %d differ" % (args.seed, args.count, found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
