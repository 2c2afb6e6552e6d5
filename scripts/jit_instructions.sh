#!/usr/bin/env bash
# Instructions executed (all threads, compile thread included) by each benchmark
# program with the JIT off and on, counted by valgrind's callgrind: a measure of the
# work each mode does that the noise of a shared machine does not move.
# usage: scripts/jit_instructions.sh [PROGRAM.ms ...]   (default: every bench program)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${MINISCRIPT_SHARED:-../shared}
bin=target/release/miniscript
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }
[ -x "$bin" ] || cargo build --release -p miniscript-tools --bin miniscript
progs=("$@")
if [ ${#progs[@]} -eq 0 ]; then
    progs=("$shared"/bench/ms/*.ms benches/ms/*.ms)
fi
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : //p'
}
printf '%-16s %15s %15s %8s\n' program "jit=off" "jit=background" ratio
for p in "${progs[@]}"; do
    off=$(count --jit=off "$p")
    on=$(count --jit=background "$p")
    printf '%-16s %15s %15s %8s\n' "$(basename "$p" .ms)" "$off" "$on" \
        "$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3fx", a / b }')"
done
