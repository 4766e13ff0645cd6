#!/usr/bin/env bash
# Whether two calltally builds write the same bytes: reports (CSV files,
# summary.json without its timing fields), partial tallies and merges, on
# each INPUT under several plans. For a change that must not move any
# output byte (a faster sketch insert, say).
#
#   benches/same_output.sh OLD_BIN NEW_BIN INPUT...
#   benches/same_output.sh /tmp/old/calltally target/release/calltally \
#       fixtures /tmp/bench/1g.jsonl
#
# Plans: the default (calls and participants), --no-distinct,
# --by hour,endpoint_type,sdk_version, --distinct-precision 4 and 16
# (coupon and register modes at other sizes); each as reports and as a
# --partial file; and a merge of the partials of --shard 0/3, 1/3, 2/3.
# Prints one line per comparison; exits 1 on the first difference.
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,15p' "$0"; exit 2; }
OLD=$1 NEW=$2
shift 2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# Timing fields of summary.json differ from run to run.
strip() {
    grep -v -E '"(elapsed_seconds|throughput_mb_per_s|peak_rss_mb)"' "$1"
}
same_dirs() {
    local a=$1 b=$2 f
    for f in "$a"/*; do
        f=${f##*/}
        if [[ $f == summary.json ]]; then
            cmp -s <(strip "$a/$f") <(strip "$b/$f") || return 1
        else
            cmp -s "$a/$f" "$b/$f" || return 1
        fi
    done
    [[ $(ls "$a") == "$(ls "$b")" ]]
}
check() {
    if "$@"; then echo "same: $label"; else
        echo "DIFFERENT: $label"
        exit 1
    fi
}
n=0
for input in "$@"; do
    for plan in "" "--no-distinct" "--by hour,endpoint_type,sdk_version" \
        "--distinct-precision 4" "--distinct-precision 16"; do
        n=$((n + 1))
        for v in old new; do
            bin=$OLD
            [[ $v == new ]] && bin=$NEW
            # shellcheck disable=SC2086
            "$bin" report "$input" -q -j2 -o "$W/$v-$n" $plan >/dev/null 2>&1 || true
            # shellcheck disable=SC2086
            "$bin" report "$input" -q -j2 --partial "$W/$v-$n.partial" $plan \
                >/dev/null 2>&1 || true
            for s in 0 1 2; do
                # shellcheck disable=SC2086
                "$bin" report "$input" -q -j2 --shard "$s/3" \
                    --partial "$W/$v-$n-s$s.partial" $plan >/dev/null 2>&1 || true
            done
            "$bin" merge "$W/$v-$n"-s*.partial -q -o "$W/$v-$n-merged" \
                >/dev/null 2>&1 || true
        done
        label="$input ${plan:-(default)}: reports"
        check same_dirs "$W/old-$n" "$W/new-$n"
        label="$input ${plan:-(default)}: partial"
        check cmp -s "$W/old-$n.partial" "$W/new-$n.partial"
        label="$input ${plan:-(default)}: merged shards"
        check same_dirs "$W/old-$n-merged" "$W/new-$n-merged"
    done
done
