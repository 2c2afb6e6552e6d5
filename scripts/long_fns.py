#!/usr/bin/env python3
"""List Rust functions longer than N lines (default 150) under the given roots.
Brace counting that skips strings, chars and comments; good enough for rustfmt'd code."""
import os, re, sys
limit = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 150
roots = [a for a in sys.argv[1:] if not a.isdigit()] or ['.']
fn_re = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(unsafe\s+)?(extern\s+"[^"]*"\s+)?fn\s+(\w+)')
def strip(line, state):
    # remove strings/chars/comments; state tracks block comment / raw string
    out = []; i = 0; n = len(line)
    while i < n:
        if state['block']:
            j = line.find('*/', i)
            if j < 0: return ''.join(out)
            state['block'] = False; i = j + 2; continue
        if state['str']:
            if line[i] == '\\': i += 2; continue
            if line[i] == '"': state['str'] = False
            i += 1; continue
        c = line[i]
        if line.startswith('//', i): break
        if line.startswith('/*', i): state['block'] = True; i += 2; continue
        if c == '"': state['str'] = True; i += 1; continue
        m = re.match(r"'(\\.|[^\\'])'", line[i:])
        if m: i += len(m.group(0)); continue
        out.append(c); i += 1
    return ''.join(out)
res = []
for root in roots:
    for dp, dn, fns in os.walk(root):
        dn[:] = [d for d in dn if d not in ('target', '.git')]
        for f in fns:
            if not f.endswith('.rs'): continue
            p = os.path.join(dp, f)
            lines = open(p, encoding='utf-8', errors='replace').read().split('\n')
            state = {'block': False, 'str': False}
            stack = []  # (name, start, depth)
            depth = 0; pending = None
            for ln, line in enumerate(lines, 1):
                m = fn_re.match(line)
                code = strip(line, state)
                if m and not state['str']:
                    pending = (m.group(6), ln)
                for ch in code:
                    if ch == '{':
                        depth += 1
                        if pending: stack.append((pending[0], pending[1], depth)); pending = None
                    elif ch == '}':
                        if stack and stack[-1][2] == depth:
                            name, start, _ = stack.pop()
                            length = ln - start + 1
                            if length > limit: res.append((length, p, start, name))
                        depth -= 1
                if pending and code.rstrip().endswith(';'): pending = None
for length, p, start, name in sorted(res, reverse=True):
    print(f'{length:5d}  {p}:{start}  {name}')
