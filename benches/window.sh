#!/usr/bin/env bash
# Pruning of a 30-day storage-export tree (issue 11): "a one-hour window
# at the end of a 30-day generated tree of hourly blobs opens at most 3
# blobs and takes under 5% of the full run".
#
#   benches/window.sh                  # 720 blobs of about 1 MiB
#   FILE_SIZE=100K RUNS=3 benches/window.sh
#
# Generates (gen_logs tree --files 720 --late-hours 48: 2024-01-01 to
# 2024-01-30, ~1% of records up to 48 h older than their blob's hour) under
# target/bench-data unless it exists, warms the page cache, then times,
# alternated RUNS times, `calltally report -j2` over the whole tree and
# `--since 2024-01-30T23:00:00Z --until 2024-01-31T00:00:00Z` over the same
# tree, and a run whose window prunes the whole tree (`--since 2030-01-01`:
# process start, catalog, the walk of the top folders; it exits 1, having
# nothing to read). Prints the medians, the blobs each run opened
# (summary.json's `inputs.files`, `pruned_files` and `pruned_folders`, and
# the PT1H.json files that strace saw opened, when strace is installed),
# the directories it opened and listed (strace's openat of a directory and
# getdents64 calls) and the window's share of the full run.
#
# Environment: FILE_SIZE=1M, SEED=1, RUNS=5, THREADS=2; BIN=path times
# another calltally binary (an earlier build) on the same tree.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FILE_SIZE=${FILE_SIZE:-1M}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
BIN=${BIN:-$PWD/target/release/calltally}
GEN=$PWD/target/release/examples/gen_logs
TREE=$PWD/target/bench-data/tree30d-720x$FILE_SIZE-seed$SEED
SINCE=2024-01-30T23:00:00Z
UNTIL=2024-01-31T00:00:00Z

say() { printf '%s\n' "window.sh: $*" >&2; }

say "building (release)"
cargo build --release --quiet --bins --example gen_logs
args="--files 720 --file-size $FILE_SIZE --late-hours 48 --seed $SEED"
if [[ -f $TREE.stamp && $(cat "$TREE.stamp") == "$args" ]]; then
    say "reusing $TREE"
else
    say "generating $TREE"
    rm -rf "$TREE" "$TREE.stamp"
    # shellcheck disable=SC2086
    "$GEN" tree "$TREE" $args
    echo "$args" >"$TREE.stamp"
    # calltally reads (rather than maps) files written in the last 10 s.
    sleep 11
fi
bytes=$(find "$TREE" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
find "$TREE" -type f -exec cat {} + >/dev/null

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# one NAME ARGS...: one run; prints its wall and CPU (user + system)
# seconds. CPU time says more than wall time on a loaded machine.
one() {
    local name=$1 TIMEFORMAT='%3R %3U %3S'
    shift
    { time "$BIN" report "$TREE" -q -j"$THREADS" -o "$OUT/$name" "$@" \
        2>/dev/null; } 2>&1 | awk '{printf "%s %.3f\n", $1, $2 + $3}'
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
full=() window=() full_cpu=() window_cpu=() none=() none_cpu=()
for ((i = 0; i < RUNS; i++)); do
    read -r w c < <(one full)
    full+=("$w") full_cpu+=("$c")
    read -r w c < <(one window --since "$SINCE" --until "$UNTIL")
    window+=("$w") window_cpu+=("$c")
    read -r w c < <(one none --since 2030-01-01 || true)
    none+=("$w") none_cpu+=("$c")
done
full_s=$(printf '%s\n' "${full[@]}" | median)
window_s=$(printf '%s\n' "${window[@]}" | median)
none_s=$(printf '%s\n' "${none[@]}" | median)
none_c=$(printf '%s\n' "${none_cpu[@]}" | median)
full_c=$(printf '%s\n' "${full_cpu[@]}" | median)
window_c=$(printf '%s\n' "${window_cpu[@]}" | median)
# field RUN KEY: inputs.KEY, else KEY, of the run's summary.json.
field() {
    python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
v = s["inputs"].get(sys.argv[2], s.get(sys.argv[2]))
print("n/a" if v is None else v)' \
        "$OUT/$1/summary.json" "$2"
}

# Blobs the process opened, by strace (openat of a PT1H.json; a failed
# open would be an error in summary.json), then directories opened and
# getdents64 calls.
opened() {
    command -v strace >/dev/null || { echo "n/a | n/a"; return; }
    strace -f -qq -e trace=openat,open,getdents64 -o "$OUT/strace" \
        "$BIN" report "$TREE" -q -j"$THREADS" -o "$OUT/strace-run" "$@" \
        2>/dev/null || true
    # Distinct blobs opened (a thread's call may be split over two lines).
    local blobs dirs dents
    blobs=$(grep -o '"[^"]*/PT1H\.json[^"]*"' "$OUT/strace" | sort -u | wc -l)
    dirs=$(grep -c 'O_DIRECTORY' "$OUT/strace" || true)
    dents=$(grep -c 'getdents64(' "$OUT/strace" || true)
    echo "$blobs | $dirs / $dents"
}

printf '\n%s, 720 hourly blobs, %.0f MB, -j%s, median of %s alternated runs; load average %s\n\n' \
    "$(git rev-parse --short HEAD)" "$(awk -v b="$bytes" 'BEGIN {print b / 1e6}')" \
    "$THREADS" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| run | seconds | CPU seconds | MB/s of the tree | blobs opened (summary) | pruned_files | pruned_folders | blobs opened (strace) | directories opened / getdents64 (strace) | counted |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '| full tree | %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "$full_s" "$full_c" \
    "$(awk -v b="$bytes" -v s="$full_s" 'BEGIN {print b / 1e6 / s}')" \
    "$(field full files)" "$(field full pruned_files)" \
    "$(field full pruned_folders)" "$(opened)" "$(field full counted)"
printf '| `--since %s --until %s` | %s | %s | %.0f | %s | %s | %s | %s | %s |\n' \
    "$SINCE" "$UNTIL" "$window_s" "$window_c" \
    "$(awk -v b="$bytes" -v s="$window_s" 'BEGIN {print b / 1e6 / s}')" \
    "$(field window files)" "$(field window pruned_files)" \
    "$(field window pruned_folders)" \
    "$(opened --since "$SINCE" --until "$UNTIL")" "$(field window counted)"
printf '| `--since 2030-01-01` (prunes all; exits 1) | %s | %s | | 0 | | | %s | 0 |\n' \
    "$none_s" "$none_c" "$(opened --since 2030-01-01)"
awk -v w="$window_s" -v f="$full_s" -v wc="$window_c" -v fc="$full_c" \
    'BEGIN {printf "\nwindow / full: %.1f%% of the wall time, %.1f%% of the CPU time (target < 5%%)\n", 100 * w / f, 100 * wc / fc}'
awk -v n="$none_s" -v f="$full_s" -v nc="$none_c" -v fc="$full_c" \
    'BEGIN {printf "a run that prunes everything / full: %.1f%% of the wall time, %.1f%% of the CPU time\n", 100 * n / f, 100 * nc / fc}'
