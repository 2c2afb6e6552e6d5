#!/usr/bin/env bash
# Compares tests/cases/**/*.ms against a reference MiniScript 1.x binary (the C++
# command-line tool built from JoeStrout/miniscript, MiniScript-cpp/).
#
#   scripts/ref-diff.sh REF_BINARY [SUBSTRING]     report cases whose .out differs
#   scripts/ref-diff.sh --new REF_BINARY [SUB]     also write .out files that are missing
#
# Output is merged as the test runner merges it: stdout lines, then stderr lines.
# A difference is expected only where the .ms has a `// note:` comment saying why
# our expectation follows C# rather than C++ (spec/MINISCRIPT.md §12); others are
# reported as UNEXPLAINED and the script exits 1.
set -euo pipefail

write_new=0
if [[ "${1:-}" == "--new" ]]; then write_new=1; shift; fi
ref="${1:?usage: scripts/ref-diff.sh [--new] REF_BINARY [SUBSTRING]}"
filter="${2:-}"
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ok=0; noted=0; bad=0
while IFS= read -r ms; do
    [[ -n "$filter" && "$ms" != *"$filter"* ]] && continue
    out="${ms%.ms}.out"
    timeout 120 "$ref" "$ms" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || true
    # Each stream is a sequence of lines; add the missing final newline, if any.
    { cat "$tmp/stdout"; [[ -s "$tmp/stdout" && -n "$(tail -c1 "$tmp/stdout")" ]] && echo
      cat "$tmp/stderr"; [[ -s "$tmp/stderr" && -n "$(tail -c1 "$tmp/stderr")" ]] && echo; } >"$tmp/merged" || true
    if [[ ! -e "$out" ]]; then
        if (( write_new )); then cp "$tmp/merged" "$out"; echo "WROTE  $out"; continue; fi
        echo "MISSING $out"; bad=$((bad + 1)); continue
    fi
    if cmp -s "$tmp/merged" "$out"; then
        ok=$((ok + 1))
    elif grep -q '// note:' "$ms"; then
        noted=$((noted + 1)); echo "NOTED  $ms (differs from the reference by design)"
        diff -u --label "$out" --label reference "$out" "$tmp/merged" | sed 's/^/    /' || true
    else
        bad=$((bad + 1)); echo "UNEXPLAINED $ms"
        diff -u --label "$out" --label reference "$out" "$tmp/merged" | sed 's/^/    /' || true
    fi
done < <(find tests/cases -name '*.ms' | sort)
echo "same: $ok, noted differences: $noted, unexplained: $bad"
(( bad == 0 ))
