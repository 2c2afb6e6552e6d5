#!/usr/bin/env python3
"""Print the module import graph of a crate's src/ (which `crate::xxx` / `super::xxx`
each file uses, at top-module granularity) and the cycles between top modules.
Usage: scripts/module_graph.py miniscript/src [--ignore=from:to ...] (drop known edges to see the rest)"""
import os, re, sys
from itertools import chain
args = [a for a in sys.argv[1:] if not a.startswith('--ignore=')]
ignored = {tuple(a[len('--ignore='):].split(':')) for a in sys.argv[1:] if a.startswith('--ignore=')}
src = args[0] if args else 'miniscript/src'
def modname(path):
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] == 'mod': rel = rel[:-1]
    return rel  # e.g. ['interp','exec'] or ['lib']
tops = set()
for f in os.listdir(src):
    if f.endswith('.rs') and f != 'lib.rs': tops.add(f[:-3])
    elif os.path.isdir(os.path.join(src, f)): tops.add(f)
edges = {}   # top -> {top: [files]}
files = {}
for dp, dn, fns in os.walk(src):
    for f in fns:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f); mod = modname(p)
        if mod == ['lib']: continue
        text = open(p).read()
        # drop test modules: from "#[cfg(test)]\nmod tests" to end, and whole test files
        if re.search(r'(^|/)tests?(\.rs|/)', os.path.relpath(p, src)): continue
        m = re.search(r'#\[cfg\(test\)\]\s*mod \w+\s*\{', text)
        if m: text = text[:m.start()]
        text = re.sub(r'//.*', '', text)
        uses = set()
        for m in re.finditer(r'crate::(\w+)', text): uses.add(m.group(1))
        # super:: paths resolve relative to the parent module
        for m in re.finditer(r'\bsuper::(\w+)', text):
            parent = mod[:-1] if not p.endswith('mod.rs') else mod[:-1]
            if not parent: uses.add(m.group(1))
        # `use crate::{a, b::c}` groups
        for m in re.finditer(r'crate::\{([^}]*(\{[^}]*\}[^}]*)*)\}', text):
            for n in re.finditer(r'(?:^|,|\{)\s*(\w+)', m.group(1)): uses.add(n.group(1))
        top = mod[0]
        uses = {u for u in uses if u in tops and u != top and (top, u) not in ignored}
        files['/'.join(mod)] = sorted(uses)
        for u in uses: edges.setdefault(top, {}).setdefault(u, []).append('/'.join(mod))
print('== crate:: uses per file (tests excluded)')
for f in sorted(files): print(f'  {f:24s} -> {", ".join(files[f]) or "-"}')
print('== module graph (top-level modules)')
for t in sorted(tops): print(f'  {t:12s} -> {", ".join(sorted(edges.get(t, {}))) or "-"}')
# strongly connected components (Tarjan)
idx = {}; low = {}; st = []; on = set(); sccs = []; c = [0]
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, {}):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        sccs.append(comp)
sys.setrecursionlimit(10000)
for t in sorted(tops):
    if t not in idx: sc(t)
cyc = [sorted(s) for s in sccs if len(s) > 1]
# The intended layers (lib.rs, "Layers"): an edge to a higher layer points up.
LAYERS = {'error': 0, 'lexer': 0, 'ast': 0, 'value': 0, 'tac': 0, 'format': 0,
          'parser': 1, 'compiler': 2, 'ops': 2, 'intrinsics': 2,
          'interp': 3, 'region': 3, 'tier': 3, 'host': 4}
print('== edges pointing up a layer (layers: ' + ', '.join(
    f"{n}={'/'.join(sorted(k for k, v in LAYERS.items() if v == n))}" for n in range(5)) + ')')
up = [(a, b) for a in sorted(edges) for b in sorted(edges[a])
      if LAYERS.get(a, 9) < LAYERS.get(b, 9)]
if not up: print('  none')
for a, b in up: print(f'  {a} -> {b}  ({", ".join(sorted(set(edges[a][b])))})')
print('== cycles (strongly connected groups of modules)')
if not cyc: print('  none')
for s in cyc:
    print(f'  {{{", ".join(s)}}}')
    for a in s:
        for b in sorted(edges.get(a, {})):
            if b in s: print(f'      {a} -> {b}  ({", ".join(sorted(set(edges[a][b])))})')
