#!/usr/bin/env bash
# Same-run A/B timing of two calltally builds on one input: the runs
# alternate (A, B, A, B, …) so both see the same machine state, and the
# best (shortest) wall time of each is reported with MB/s and the ratio.
#
#   benches/ab.sh OLD_BIN NEW_BIN INPUT [calltally report options…]
#   RUNS=5 benches/ab.sh /tmp/old/calltally target/release/calltally \
#       target/bench-data/1g.jsonl -j2
#
# Build the old binary from a commit in a worktree, e.g.
#   git worktree add /tmp/old COMMIT && (cd /tmp/old && cargo build --release)
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,12p' "$0"; exit 2; }
OLD=$1 NEW=$2 INPUT=$3
shift 3
RUNS=${RUNS:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
bytes=$(du -b --apparent-size -s "$INPUT" | cut -f1)
# Warm the page cache.
cat "$INPUT" >/dev/null 2>&1 || find "$INPUT" -type f -exec cat {} + >/dev/null
time_one() {
    local start=$EPOCHREALTIME
    "$1" report "$INPUT" -q -o "$OUT/r" "${@:2}" >/dev/null 2>&1 || true
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.4f", b - a}'
}
best_old=999999 best_new=999999
for ((i = 0; i < RUNS; i++)); do
    t=$(time_one "$OLD" "$@")
    best_old=$(awk -v a="$best_old" -v b="$t" 'BEGIN {print (b < a) ? b : a}')
    t=$(time_one "$NEW" "$@")
    best_new=$(awk -v a="$best_new" -v b="$t" 'BEGIN {print (b < a) ? b : a}')
done
awk -v o="$best_old" -v n="$best_new" -v b="$bytes" -v runs="$RUNS" \
    -v args="$*" 'BEGIN {
    printf "input %.0f MB, %s, best of %d alternated\n", b / 1e6, args, runs
    printf "old %.3f s  %7.0f MB/s\n", o, b / 1e6 / o
    printf "new %.3f s  %7.0f MB/s  (%.1f%% of old)\n", n, b / 1e6 / n, 100 * o / n
}'
