#!/usr/bin/env bash
# Same-run A/B timing of two calltally builds on one input: the runs
# alternate (A, B, A, B, …) so both see the same machine state, and the
# best (shortest) and median wall time of each are reported with MB/s and
# the ratio, with the load average at the start and the end.
#
#   benches/ab.sh OLD_BIN NEW_BIN INPUT [calltally report options…]
#   RUNS=5 benches/ab.sh /tmp/old/calltally target/release/calltally \
#       target/bench-data/1g.jsonl -j2
#
# Build the old binary from a commit in a worktree, e.g.
#   git worktree add /tmp/old COMMIT && (cd /tmp/old && cargo build --release)
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,14p' "$0"; exit 2; }
OLD=$1 NEW=$2 INPUT=$3
shift 3
RUNS=${RUNS:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
bytes=$(du -b --apparent-size -s "$INPUT" | cut -f1)
load_start=$(cut -d' ' -f1 /proc/loadavg)
# Warm the page cache.
cat "$INPUT" >/dev/null 2>&1 || find "$INPUT" -type f -exec cat {} + >/dev/null
time_one() {
    local start=$EPOCHREALTIME
    "$1" report "$INPUT" -q -o "$OUT/r" "${@:2}" >/dev/null 2>&1 || true
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.4f\n", b - a}'
}
for ((i = 0; i < RUNS; i++)); do
    time_one "$OLD" "$@" >>"$OUT/old"
    time_one "$NEW" "$@" >>"$OUT/new"
done
# stats FILE: "best median" of the seconds in FILE.
stats() {
    sort -n "$1" | awk '{v[NR] = $1} END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print v[1], m
    }'
}
read -r best_old med_old < <(stats "$OUT/old")
read -r best_new med_new < <(stats "$OUT/new")
awk -v bo="$best_old" -v mo="$med_old" -v bn="$best_new" -v mn="$med_new" \
    -v b="$bytes" -v runs="$RUNS" -v args="$*" \
    -v load="$load_start → $(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    printf "input %.0f MB, %s, %d alternated runs each, load average %s\n", b / 1e6, args, runs, load
    printf "old best %.3f s %6.0f MB/s, median %.3f s %6.0f MB/s\n", bo, b / 1e6 / bo, mo, b / 1e6 / mo
    printf "new best %.3f s %6.0f MB/s, median %.3f s %6.0f MB/s (median: %.1f%% of old time)\n", bn, b / 1e6 / bn, mn, b / 1e6 / mn, 100 * mn / mo
}'
