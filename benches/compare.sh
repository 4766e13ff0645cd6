#!/usr/bin/env bash
# Whole-process timings of calltally against a line-count baseline,
# decompression references and peers (jq, DuckDB), on generated ACS call
# logs.
#
#   benches/compare.sh                      # 1 GiB inputs, 10000-file tree
#   SIZE=128M FILES=500 benches/compare.sh  # a quick run
#   WORKLOADS="csv gz" SIZE=128M benches/compare.sh
#
# Workloads (WORKLOADS, all by default):
#   jsonl  the JSON Lines file of SIZE: calltally -j1, -j2, --no-mmap;
#          wc -l; DuckDB read_json; jq on a slice of JQ_SLICE
#   by     the JSON Lines file of SIZE sliced: calltally -j2 --by
#          hour,endpoint_type,sdk_version (calls and participants counted,
#          the default) against DuckDB read_json grouped by the same hour
#          (UTC floor), endpoint type (the docs' case), SDK version (up to
#          its first `_`) and triple, with approx_count_distinct of the
#          correlationId
#   tree   the storage-export tree: calltally -j2
#   csv    a Log Analytics CSV export of SIZE (gen_logs csv): calltally
#          -j1, -j2, -j2 --no-distinct; DuckDB read_csv grouped by the
#          three columns with count(*) (the --no-distinct work), and with
#          approx_count_distinct(CorrelationId) too (the default's)
#   gz     the JSON Lines file gzip-compressed (gen_logs --compress gz):
#          calltally -j1, -j2; gzip -dc > /dev/null; DuckDB read_json
#   zst    the JSON Lines file zstd-compressed (gen_logs --compress zst):
#          calltally -j1, -j2; zstd -dc > /dev/null
#          (gz and zst also time `examples/decode.rs`: decompression alone
#          with the same library and buffers as calltally, the baseline of
#          the ">= 90% of bare decompression" target)
#   big    a JSON Lines file of BIG_SIZE (4G): calltally -j2, for the peak
#          RSS bound on a file larger than the others
# For the compressed files, sizes and MB/s are of the uncompressed bytes
# (the same bytes as the plain file, which is generated too); the point
# of their RSS column is that calltally's memory stays bounded (a few
# 4 MiB blocks: a batch of 2 x threads being counted and those waiting),
# far below the decompressed size. gzip -dc and zstd -dc are the
# reference implementations; `decode` is the bare speed of the libraries
# calltally decompresses with (also `cargo bench --bench pipeline --
# baseline/`).
#
# Environment:
#   SIZE=1G         size of the JSON Lines and CSV files (gen_logs --size)
#   BIG_SIZE=4G     size of the file of the big workload
#   WORKLOADS="jsonl by tree csv gz zst big"  which workloads to run
#   FILES=10000     files in the storage tree (gen_logs tree --files)
#   FILE_SIZE=100K  approximate size of each tree file
#   SEED=1          generator seed
#   RUNS=3          runs per command; the best (shortest) one is reported
#   JQ_SLICE=256M   jq runs on the first JQ_SLICE bytes of the file
#   PEERS="jq duckdb"  which peers to run (PEERS= runs none)
#   NO_INSTALL=1    never install anything (GNU time, jq, zstd, DuckDB)
#   PAGE_CACHE=read the page-cache state of the inputs when timed: `read`
#                   drops each input from the page cache and reads it back
#                   (as logs on disk are cached once something has read
#                   them: Linux then caches a large file in 2 MiB pages);
#                   `written` rewrites each input file (a copy with the
#                   same modification time, moved over it; the tree's
#                   files are left as they are), so it is
#                   cached as just written, in 4 KiB pages: a mapped read
#                   then pays the kernel a fault and a release per 16
#                   pages, about a fifth of the default report's time.
#                   Peers read with read(2), which hardly notices.
#   BENCH_VENV=target/bench-venv  the virtualenv DuckDB is installed into
#
# Steps: build (release), generate inputs under target/bench-data unless
# they already exist with the expected size, warm the page cache, time each
# command RUNS times, print a Markdown table and append it, with the date,
# commit, core count and CPU model, to target/bench-results.md.
#
# Seconds are wall time of the whole process (start-up included), measured
# by the shell's $EPOCHREALTIME around GNU `time -f '%e %M'`, which supplies
# the peak RSS (the largest process of a pipeline). calltally maps its
# input, so its RSS counts the file's page-cache pages it touched.
#
# Peers that are missing and cannot be installed show as "n/a"; the script
# still finishes, offline too.

set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

SIZE=${SIZE:-1G}
BIG_SIZE=${BIG_SIZE:-4G}
FILES=${FILES:-10000}
FILE_SIZE=${FILE_SIZE:-100K}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
JQ_SLICE=${JQ_SLICE:-256M}
PAGE_CACHE=${PAGE_CACHE:-read}
[[ $PAGE_CACHE == read || $PAGE_CACHE == written ]] ||
    { echo "PAGE_CACHE must be read or written" >&2; exit 2; }
NO_INSTALL=${NO_INSTALL:-}
PEERS=" ${PEERS-jq duckdb} "
WORKLOADS=" ${WORKLOADS-jsonl by tree csv gz zst big} "

DATA=$ROOT/target/bench-data
VENV=${BENCH_VENV:-$ROOT/target/bench-venv}
RESULTS=$ROOT/target/bench-results.md
BIN=$ROOT/target/release/calltally
GEN=$ROOT/target/release/examples/gen_logs
DECODE=$ROOT/target/release/examples/decode

say() { printf '%s\n' "compare.sh: $*" >&2; }

# "64M", "1.5G", "100KiB", "512MB" -> bytes (binary multiples, as
# gen_logs reads them).
to_bytes() {
    local s=${1^^}
    s=${s%IB}
    s=${s%B}
    numfmt --from=iec "$s"
}

file_bytes() { stat -c %s "$1"; }
human() {
    awk -v b="$1" 'BEGIN {
        if (b >= 2^30) printf "%.1f GiB", b / 2^30
        else printf "%.0f MiB", b / 2^20
    }'
}
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}'; }
tree_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
# wants WORKLOAD: whether WORKLOAD was asked for.
wants() { [[ $WORKLOADS == *" $1 "* ]]; }

SCRIPT_START=$EPOCHREALTIME
mkdir -p "$DATA"
WORK=$(mktemp -d "$DATA/compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- 1. build --------------------------------------------------------------

say "building (release)"
cargo build --release --quiet --bins --example gen_logs --example decode
BUILD_S=$(since "$SCRIPT_START")
GEN_START=$EPOCHREALTIME

# --- 2. inputs -------------------------------------------------------------

# Each generated input has a stamp "<args> <bytes>" written after the
# generator succeeded; the input is reused when the stamp matches the
# arguments and the bytes on disk.
# ensure_file PATH KIND ARGS...: generate the file PATH unless its stamp
# matches.
ensure_file() {
    local path=$1 kind=$2
    shift 2
    local args="$kind $*"
    if [[ -f $path && -f $path.stamp ]] &&
        [[ "$(cat "$path.stamp")" == "$args $(file_bytes "$path")" ]]; then
        say "reusing $path"
    else
        say "generating $path"
        rm -f "$path" "$path.stamp"
        "$GEN" "$kind" "$path" "$@"
        echo "$args $(file_bytes "$path")" >"$path.stamp"
    fi
}

FILE=$DATA/bench-$SIZE-seed$SEED.jsonl
CSV=$DATA/bench-$SIZE-seed$SEED.csv
GZ=$FILE.gz
ZST=$FILE.zst
# The compressed workloads take their uncompressed size from the plain
# file, so it is generated for them too.
if wants jsonl || wants by || wants gz || wants zst; then
    ensure_file "$FILE" jsonl --size "$SIZE" --seed "$SEED"
fi
wants csv && ensure_file "$CSV" csv --size "$SIZE" --seed "$SEED"
wants gz && ensure_file "$GZ" jsonl --size "$SIZE" --seed "$SEED" \
    --compress gz
wants zst && ensure_file "$ZST" jsonl --size "$SIZE" --seed "$SEED" \
    --compress zst
BIG=$DATA/bench-$BIG_SIZE-seed$SEED.jsonl
wants big && ensure_file "$BIG" jsonl --size "$BIG_SIZE" --seed "$SEED"

TREE=$DATA/tree-${FILES}x$FILE_SIZE-seed$SEED
tree_args="tree --files $FILES --file-size $FILE_SIZE --seed $SEED"
if ! wants tree; then
    :
elif [[ -d $TREE && -f $TREE.stamp ]] &&
    [[ "$(cat "$TREE.stamp")" == "$tree_args $(tree_bytes "$TREE")" ]]; then
    say "reusing $TREE"
else
    say "generating $TREE"
    rm -rf "$TREE" "$TREE.stamp"
    "$GEN" tree "$TREE" --files "$FILES" --file-size "$FILE_SIZE" \
        --seed "$SEED"
    echo "$tree_args $(tree_bytes "$TREE")" >"$TREE.stamp"
fi

# calltally maps a file only once it has been left alone for 10 s (a file
# still being written is read instead); let fresh inputs settle so the
# timings measure the usual path.
newest=$(find "$DATA" -maxdepth 1 -newermt '-12 seconds' -type f | head -1)
if [[ -n $newest ]]; then
    say "letting fresh inputs settle (12 s)"
    sleep 12
fi

FILE_BYTES=0 CSV_BYTES=0 GZ_BYTES=0 ZST_BYTES=0 TREE_BYTES=0 BIG_BYTES=0
wants big && BIG_BYTES=$(file_bytes "$BIG")
[[ -f $FILE ]] && FILE_BYTES=$(file_bytes "$FILE")
wants csv && CSV_BYTES=$(file_bytes "$CSV")
wants gz && GZ_BYTES=$(file_bytes "$GZ")
wants zst && ZST_BYTES=$(file_bytes "$ZST")
wants tree && TREE_BYTES=$(tree_bytes "$TREE")

# jq is slow: it reads a slice (cut mid-line; the partial last line is
# skipped like any malformed line).
slice_want=$(to_bytes "$JQ_SLICE")
if ! wants jsonl || ((slice_want >= FILE_BYTES)); then
    SLICE=$FILE
else
    SLICE=$DATA/slice-$JQ_SLICE-of-$(basename "$FILE")
    if [[ ! -f $SLICE ]] || (($(file_bytes "$SLICE") != slice_want)); then
        head -c "$slice_want" "$FILE" >"$SLICE"
    fi
fi
SLICE_BYTES=0
[[ -f $SLICE ]] && SLICE_BYTES=$(file_bytes "$SLICE")
GEN_S=$(since "$GEN_START")
TOOLS_START=$EPOCHREALTIME
# --- tools -----------------------------------------------------------------

apt_install() {
    [[ -z $NO_INSTALL && $(id -u) == 0 ]] || return 1
    command -v apt-get >/dev/null || return 1
    export DEBIAN_FRONTEND=noninteractive
    say "installing $1 (apt-get)"
    timeout 300 apt-get install -y -qq "$1" >/dev/null 2>&1 && return 0
    timeout 300 apt-get update -qq >/dev/null 2>&1 || true
    timeout 300 apt-get install -y -qq "$1" >/dev/null 2>&1
}

GNU_TIME=/usr/bin/time
if ! "$GNU_TIME" -f '%e %M' true >/dev/null 2>&1; then
    apt_install time || true
fi
if ! "$GNU_TIME" -f '%e %M' true >/dev/null 2>&1; then
    say "GNU time unavailable: peak RSS will be n/a"
    GNU_TIME=
fi

JQ=
[[ $PEERS == *" jq "* ]] && JQ=$(command -v jq || true)
if [[ $PEERS == *" jq "* && -z $JQ ]] && apt_install jq; then
    JQ=$(command -v jq || true)
fi
[[ -n $JQ || $PEERS != *" jq "* ]] || say "jq unavailable: n/a"

# The reference decompressors (Debian's gzip and zstd packages).
GZIP_BIN= ZSTD_BIN=
if wants gz; then
    GZIP_BIN=$(command -v gzip || true)
    [[ -n $GZIP_BIN ]] || ! apt_install gzip ||
        GZIP_BIN=$(command -v gzip || true)
    [[ -n $GZIP_BIN ]] || say "gzip unavailable: n/a"
fi
if wants zst; then
    ZSTD_BIN=$(command -v zstd || true)
    [[ -n $ZSTD_BIN ]] || ! apt_install zstd ||
        ZSTD_BIN=$(command -v zstd || true)
    [[ -n $ZSTD_BIN ]] || say "zstd unavailable: n/a"
fi

DUCKDB_PY=
if [[ $PEERS != *" duckdb "* ]]; then
    :
elif [[ -x $VENV/bin/python ]] &&
    "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    DUCKDB_PY=$VENV/bin/python
elif [[ -z $NO_INSTALL ]] && command -v python3 >/dev/null; then
    say "installing duckdb into $VENV (pip)"
    if { [[ -x $VENV/bin/pip ]] || python3 -m venv "$VENV"; } &&
        timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check \
            --retries 1 --timeout 15 duckdb >/dev/null 2>&1 &&
        "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
        DUCKDB_PY=$VENV/bin/python
    fi
fi
[[ -n $DUCKDB_PY || $PEERS != *" duckdb "* ]] ||
    say "duckdb unavailable: n/a"

cat >"$WORK/duckdb_count.py" <<'EOF'
import sys

import duckdb

con = duckdb.connect()
con.execute("SET threads=2")
rows = con.execute(
    """
    SELECT coalesce(properties.participantEndReason, ParticipantEndReason),
           coalesce(properties.ParticipantEndSubCode, ParticipantEndSubCode),
           coalesce(properties.ResultCategory, ResultCategory),
           count(*)
    FROM read_json(?, format='newline_delimited', ignore_errors=true)
    GROUP BY ALL
    """,
    [sys.argv[1]],
).fetchall()
# For the check line: groups, and rows that have a code.
print(len(rows), sum(r[3] for r in rows if r[0] is not None))
EOF

cat >"$WORK/duckdb_csv.py" <<'EOF'
import sys

import duckdb

con = duckdb.connect()
con.execute("SET threads=2")
# With a second argument, also the distinct calls per row (as calltally's
# default run counts them).
calls = ", approx_count_distinct(CorrelationId)" if len(sys.argv) > 2 else ""
rows = con.execute(
    f"""
    SELECT ParticipantEndReason, ParticipantEndSubCode, ResultCategory,
           count(*){calls}
    FROM read_csv(?, header=true, ignore_errors=true)
    GROUP BY ParticipantEndReason, ParticipantEndSubCode, ResultCategory
    """,
    [sys.argv[1]],
).fetchall()
# For the check line: groups, rows that have a code, rows read.
print(len(rows), sum(r[3] for r in rows if r[0] is not None),
      sum(r[3] for r in rows))
EOF

# The `by` workload's peer: calltally's groups of `--by
# hour,endpoint_type,sdk_version` (spec §7) in SQL. The LA rows' columns
# (TimeGenerated, EndpointType, ...) stand beside the raw records'
# `properties`; DuckDB names a second key differing only in case with a
# suffix (CorrelationId_1), which the COLUMNS pattern takes whatever it is.
cat >"$WORK/duckdb_by.py" <<'EOF'
import sys

import duckdb

con = duckdb.connect()
con.execute("SET threads=2")
con.execute("SET TimeZone='UTC'")
rows = con.execute(
    """
    SELECT date_trunc('hour', coalesce(time, TimeGenerated)) AS hour,
           CASE lower(coalesce(properties.endpointType, EndpointType))
               WHEN 'voip' THEN 'VoIP' WHEN 'pstn' THEN 'PSTN'
               WHEN 'bot' THEN 'Bot' WHEN 'server' THEN 'Server'
               WHEN 'teams' THEN 'Teams' WHEN 'unknown' THEN 'Unknown'
               ELSE coalesce(properties.endpointType, EndpointType)
           END AS endpoint_type,
           split_part(coalesce(properties.sdkVersion, SdkVersion), '_', 1)
               AS sdk_version,
           coalesce(properties.participantEndReason, ParticipantEndReason),
           coalesce(properties.ParticipantEndSubCode, ParticipantEndSubCode),
           coalesce(properties.ResultCategory, ResultCategory),
           count(*),
           approx_count_distinct(
               coalesce(*COLUMNS('(?i)^correlationid(_[0-9]+)?$')))
    FROM read_json(?, format='newline_delimited', ignore_errors=true)
    GROUP BY ALL
    """,
    [sys.argv[1]],
).fetchall()
# For the check line: groups with a code, and their rows.
coded = [r for r in rows if r[3] is not None]
print(len(coded), sum(r[6] for r in coded))
EOF

# --- 3./4. timing ----------------------------------------------------------

warm() {
    say "warming the page cache ($PAGE_CACHE): $1"
    if [[ $PAGE_CACHE == read ]]; then
        # Written pages must reach the disk before they can be dropped;
        # `iflag=nocache count=0` drops a whole file from the page cache.
        sync
        if [[ -d $1 ]]; then
            find "$1" -type f -exec dd iflag=nocache count=0 status=none \
                if={} \;
        else
            dd if="$1" iflag=nocache count=0 status=none
        fi
    fi
    if [[ $PAGE_CACHE == written && -f $1 ]]; then
        cp "$1" "$1.rewrite" && touch -r "$1" "$1.rewrite" &&
            mv "$1.rewrite" "$1"
    fi
    if [[ -d $1 ]]; then
        find "$1" -type f -exec cat {} + >/dev/null
    else
        cat "$1" >/dev/null
    fi
}

# Rows of the table, by index.
R_WORK=() R_LABEL=() R_BYTES=() R_SECS=() R_RSS=() R_REF=()

# measure ID WORKLOAD BYTES REF_ID LABEL COMMAND
# Runs COMMAND (a bash -c string) RUNS times, keeps the fastest. REF_ID is
# the row the ratio is taken against. Output goes to $WORK/ID.out.
declare -A ROW_OF
measure() {
    local id=$1 workload=$2 bytes=$3 ref=$4 label=$5 cmd=$6
    local best="" best_rss="n/a" t0 t1 secs rss i
    say "timing $label ($workload) x$RUNS"
    for ((i = 0; i < RUNS; i++)); do
        t0=$EPOCHREALTIME
        if [[ -n $GNU_TIME ]]; then
            "$GNU_TIME" -f '%e %M' -o "$WORK/time" bash -c "$cmd" \
                >"$WORK/$id.out" 2>"$WORK/$id.err" || {
                say "$label failed: $(tail -n 3 "$WORK/$id.err")"
                best=""
                break
            }
            rss=$(tail -n 1 "$WORK/time" | cut -d' ' -f2)
        else
            bash -c "$cmd" >"$WORK/$id.out" 2>"$WORK/$id.err" || {
                say "$label failed: $(tail -n 3 "$WORK/$id.err")"
                best=""
                break
            }
            rss="n/a"
        fi
        t1=$EPOCHREALTIME
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
        if [[ -z $best ]] || awk -v s="$secs" -v b="$best" \
            'BEGIN {exit !(s < b)}'; then
            best=$secs
            best_rss=$rss
        fi
    done
    add_row "$id" "$workload" "$bytes" "$ref" "$label" "${best:-n/a}" \
        "$([[ -n $best ]] && echo "$best_rss" || echo n/a)"
}

add_row() {
    ROW_OF[$1]=${#R_WORK[@]}
    R_WORK+=("$2") R_BYTES+=("$3") R_REF+=("$4") R_LABEL+=("$5")
    R_SECS+=("$6") R_RSS+=("$7")
}

q() { printf '%q' "$1"; }

# duckdb_row ID WORKLOAD BYTES REF_ID LABEL NA_LABEL SCRIPT ARGS...
# With DuckDB: times $WORK/SCRIPT ARGS... (a row "DuckDB <version>
# LABEL"). Without: a row NA_LABEL of n/a, or none if NA_LABEL is empty.
duckdb_row() {
    local id=$1 workload=$2 bytes=$3 ref=$4 label=$5 na=$6 script=$7 cmd a
    shift 7
    if [[ -n $DUCKDB_PY ]]; then
        cmd="$(q "$DUCKDB_PY") $(q "$WORK/$script")"
        for a in "$@"; do cmd+=" $(q "$a")"; done
        measure "$id" "$workload" "$bytes" "$ref" "DuckDB $DUCKDB_V $label" \
            "$cmd"
    elif [[ -n $na ]]; then
        add_row "$id" "$workload" "$bytes" "$ref" "$na" n/a n/a
    fi
}

FILE_W="file $(human "$FILE_BYTES")"
SLICE_W="slice $(human "$SLICE_BYTES")"
TREE_W="tree $FILES files, $(human "$TREE_BYTES")"
CSV_W="CSV $(human "$CSV_BYTES")"
GZ_W="file.gz $(human "$FILE_BYTES") ($(human "$GZ_BYTES") gzip)"
ZST_W="file.zst $(human "$FILE_BYTES") ($(human "$ZST_BYTES") zstd)"
BIG_W="file $(human "$BIG_BYTES")"
[[ $SLICE == "$FILE" ]] && SLICE_W=$FILE_W
ct() { echo "$(q "$BIN") report -q -o $(q "$WORK/$1") ${*:2}"; }
DUCKDB_V=
[[ -z $DUCKDB_PY ]] ||
    DUCKDB_V=$("$DUCKDB_PY" -c 'import duckdb; print(duckdb.__version__)')

TOOLS_S=$(since "$TOOLS_START")
TIMING_START=$EPOCHREALTIME

if wants jsonl; then
    warm "$FILE"
    measure ct_j1 "$FILE_W" "$FILE_BYTES" ct_j2 "calltally report -j1" \
        "$(ct out_j1 -j1 "$(q "$FILE")")"
    measure ct_j2 "$FILE_W" "$FILE_BYTES" ct_j2 "calltally report -j2" \
        "$(ct out_j2 -j2 "$(q "$FILE")")"
    measure ct_nommap "$FILE_W" "$FILE_BYTES" ct_j2 \
        "calltally report -j2 --no-mmap" \
        "$(ct out_nommap -j2 --no-mmap "$(q "$FILE")")"
    measure wc "$FILE_W" "$FILE_BYTES" ct_j2 "wc -l (baseline)" \
        "wc -l $(q "$FILE")"

    duckdb_row duckdb "$FILE_W" "$FILE_BYTES" ct_j2 "read_json, 2 threads" \
        "DuckDB read_json" duckdb_count.py "$FILE"

    # jq stops at the first parse error, and the logs hold malformed
    # lines: read raw lines and skip the bad ones with `fromjson?` (which
    # costs jq about 25% over parsing its input directly).
    JQ_FILTER='fromjson? | [.properties.participantEndReason // .ParticipantEndReason, .properties.ParticipantEndSubCode // .ParticipantEndSubCode, .properties.ResultCategory // .ResultCategory] | @tsv'
    if [[ -n $JQ ]]; then
        slice_ref=ct_j2
        if [[ $SLICE != "$FILE" ]]; then
            warm "$SLICE"
            measure ct_slice "$SLICE_W" "$SLICE_BYTES" ct_slice \
                "calltally report -j2" "$(ct out_slice -j2 "$(q "$SLICE")")"
            slice_ref=ct_slice
        fi
        measure jq "$SLICE_W" "$SLICE_BYTES" "$slice_ref" \
            "$("$JQ" --version) -R 'fromjson? | [...] | @tsv' | sort | uniq -c" \
            "$(q "$JQ") -R -r $(q "$JQ_FILTER") $(q "$SLICE") | sort | uniq -c"
    else
        add_row jq "$SLICE_W" "$SLICE_BYTES" ct_j2 "jq | sort | uniq -c" \
            n/a n/a
    fi
fi

BY=hour,endpoint_type,sdk_version
if wants by; then
    warm "$FILE"
    measure ct_by "$FILE_W" "$FILE_BYTES" ct_by \
        "calltally report -j2 --by $BY" \
        "$(ct out_by -j2 --by $BY "$(q "$FILE")")"
    duckdb_row duckdb_by "$FILE_W" "$FILE_BYTES" ct_by \
        "read_json GROUP BY hour, endpoint type, SDK version, triple + approx_count_distinct(correlationId), 2 threads" \
        "DuckDB read_json GROUP BY ... approx_count_distinct" \
        duckdb_by.py "$FILE"
fi

if wants tree; then
    warm "$TREE"
    measure ct_tree "$TREE_W" "$TREE_BYTES" ct_tree "calltally report -j2" \
        "$(ct out_tree -j2 "$(q "$TREE")")"
fi

if wants csv; then
    warm "$CSV"
    measure ct_csv_j1 "$CSV_W" "$CSV_BYTES" ct_csv_j2 \
        "calltally report -j1" "$(ct out_csv_j1 -j1 "$(q "$CSV")")"
    measure ct_csv_j2 "$CSV_W" "$CSV_BYTES" ct_csv_j2 \
        "calltally report -j2" "$(ct out_csv_j2 -j2 "$(q "$CSV")")"
    # Counts alone, the work of DuckDB's GROUP BY ... count(*).
    measure ct_csv_nd "$CSV_W" "$CSV_BYTES" ct_csv_nd \
        "calltally report -j2 --no-distinct" \
        "$(ct out_csv_nd -j2 --no-distinct "$(q "$CSV")")"
    duckdb_row duckdb_csv "$CSV_W" "$CSV_BYTES" ct_csv_nd \
        "read_csv(header, ignore_errors) GROUP BY triple, count(*), 2 threads" \
        "DuckDB read_csv" duckdb_csv.py "$CSV"
    # And with the default run's affected calls: approx_count_distinct of
    # CorrelationId per row (without DuckDB, the row above stands for both).
    duckdb_row duckdb_csv_calls "$CSV_W" "$CSV_BYTES" ct_csv_j2 \
        "the same, with approx_count_distinct(CorrelationId)" "" \
        duckdb_csv.py "$CSV" calls
fi

# Compressed inputs: bytes (and MB/s) are the uncompressed bytes.
# compressed_runs EXT FILE WORKLOAD LIBRARY: calltally -j1 and -j2 on FILE,
# and decompression alone with LIBRARY (rows ct_EXT_j1, ct_EXT_j2,
# decode_EXT; ratios against ct_EXT_j2).
compressed_runs() {
    local ext=$1 file=$2 w=$3 lib=$4 j
    warm "$file"
    for j in 1 2; do
        measure "ct_${ext}_j$j" "$w" "$FILE_BYTES" "ct_${ext}_j2" \
            "calltally report -j$j" \
            "$(ct "out_${ext}_j$j" "-j$j" "$(q "$file")")"
    done
    measure "decode_$ext" "$w" "$FILE_BYTES" "ct_${ext}_j2" \
        "decode only: $lib, as calltally (baseline)" \
        "$(q "$DECODE") $(q "$file")"
}

if wants gz; then
    compressed_runs gz "$GZ" "$GZ_W" "flate2 (zlib-rs)"
    if [[ -n $GZIP_BIN ]]; then
        measure gunzip "$GZ_W" "$FILE_BYTES" ct_gz_j2 \
            "$("$GZIP_BIN" --version | head -n 1) -dc > /dev/null (reference)" \
            "$(q "$GZIP_BIN") -dc $(q "$GZ") >/dev/null"
    else
        add_row gunzip "$GZ_W" "$FILE_BYTES" ct_gz_j2 "gzip -dc" n/a n/a
    fi
    duckdb_row duckdb_gz "$GZ_W" "$FILE_BYTES" ct_gz_j2 \
        "read_json (.gz), 2 threads" "DuckDB read_json (.gz)" \
        duckdb_count.py "$GZ"
fi

if wants zst; then
    compressed_runs zst "$ZST" "$ZST_W" "zstd crate"
    if [[ -n $ZSTD_BIN ]]; then
        measure unzstd "$ZST_W" "$FILE_BYTES" ct_zst_j2 \
            "zstd $("$ZSTD_BIN" -V | grep -o 'v[0-9.]*' | head -n 1) -dc > /dev/null (reference)" \
            "$(q "$ZSTD_BIN") -q -dc $(q "$ZST") >/dev/null"
    else
        add_row unzstd "$ZST_W" "$FILE_BYTES" ct_zst_j2 "zstd -dc" n/a n/a
    fi
fi

# A file larger than the others: the point is the peak RSS column (pages
# are released as chunks are counted), not the speed.
if wants big; then
    warm "$BIG"
    measure ct_big "$BIG_W" "$BIG_BYTES" ct_big "calltally report -j2" \
        "$(ct out_big -j2 "$(q "$BIG")")"
fi

TIMING_S=$(since "$TIMING_START")

# --- 5. report -------------------------------------------------------------

table() {
    echo "| workload | command | seconds | MB/s | time ÷ calltally -j2 | peak RSS MB |"
    echo "|---|---|---:|---:|---:|---:|"
    local i r mbs ratio rss
    for i in "${!R_WORK[@]}"; do
        r=${ROW_OF[${R_REF[$i]}]:-}
        mbs=n/a ratio=n/a rss=n/a
        if [[ ${R_SECS[$i]} != n/a ]]; then
            mbs=$(awk -v b="${R_BYTES[$i]}" -v s="${R_SECS[$i]}" \
                'BEGIN {printf "%.0f", b / 1e6 / (s > 0 ? s : 1e-3)}')
            # Throughput ratio, so a slice compares with a whole file.
            if [[ -n $r && ${R_SECS[$r]} != n/a ]]; then
                ratio=$(awk -v b="${R_BYTES[$i]}" -v s="${R_SECS[$i]}" \
                    -v rb="${R_BYTES[$r]}" -v rs="${R_SECS[$r]}" \
                    'BEGIN {printf "%.2f", (s / b) / (rs / rb)}')
            fi
        fi
        if [[ ${R_RSS[$i]} != n/a ]]; then
            rss=$(awk -v k="${R_RSS[$i]}" 'BEGIN {printf "%.0f", k * 1024 / 1e6}')
        fi
        printf '| %s | `%s` | %s | %s | %s | %s |\n' "${R_WORK[$i]}" \
            "${R_LABEL[$i]//|/\\|}" "${R_SECS[$i]}" "$mbs" "$ratio" "$rss"
    done
}

# summary OUT_DIR: "<counted> <malformed>" from a calltally report.
summary() {
    local sum=$WORK/$1/summary.json
    [[ -f $sum ]] || return 1
    echo "$(sed -n 's/^  "counted": \([0-9]*\),$/\1/p' "$sum")" \
        "$(sed -n 's/^  "malformed": \([0-9]*\),$/\1/p' "$sum")"
}

checks() {
    local counted malformed plain="" groups coded rows out name
    if read -r counted malformed < <(summary out_j2); then
        plain="$counted $malformed"
        printf 'calltally -j2 on the file: %s records counted, %s malformed.' \
            "$counted" "$malformed"
    fi
    if [[ -s $WORK/duckdb.out ]]; then
        read -r groups coded <"$WORK/duckdb.out"
        printf ' DuckDB: %s rows with a code, %s groups (it keeps "410" and 410 apart).' \
            "$coded" "$groups"
    fi
    if [[ -f $WORK/out_by/by_code.csv ]]; then
        printf ' calltally --by %s: %s rows in by_code.csv.' "$BY" \
            "$(($(wc -l <"$WORK/out_by/by_code.csv") - 1))"
    fi
    if [[ -s $WORK/duckdb_by.out ]]; then
        read -r groups coded <"$WORK/duckdb_by.out"
        printf ' DuckDB GROUP BY: %s groups with a code, %s rows.' \
            "$groups" "$coded"
    fi
    if [[ -s $WORK/jq.out ]]; then
        printf ' jq: %s records read from the slice.' \
            "$(awk '{s += $1} END {print s}' "$WORK/jq.out")"
    fi
    if read -r counted malformed < <(summary out_csv_j2); then
        printf ' calltally -j2 on the CSV: %s rows counted, %s malformed.' \
            "$counted" "$malformed"
    fi
    if [[ -s $WORK/duckdb_csv.out ]]; then
        read -r groups coded rows <"$WORK/duckdb_csv.out"
        printf ' DuckDB on the CSV: %s rows read, %s with a code, %s groups.' \
            "$rows" "$coded" "$groups"
    fi
    for out in gz zst; do
        read -r counted malformed < <(summary "out_${out}_j2") || continue
        name=file.$out
        if [[ -z $plain ]]; then
            printf ' calltally -j2 on the %s: %s counted, %s malformed.' \
                "$name" "$counted" "$malformed"
        elif [[ $plain == "$counted $malformed" ]]; then
            printf ' calltally -j2 on the %s: the same counts.' "$name"
        else
            printf ' calltally -j2 on the %s: %s counted, %s malformed: DIFFERENT from the file!' \
                "$name" "$counted" "$malformed"
        fi
    done
    if [[ -s $WORK/duckdb_gz.out ]]; then
        read -r groups coded <"$WORK/duckdb_gz.out"
        printf ' DuckDB on the file.gz: %s rows with a code.' "$coded"
    fi
    echo
}

CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]] &&
    REV="$REV (dirty)"
ELAPSED=$(since "$SCRIPT_START")

REPORT=$(
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') · $REV · $(nproc) cores · $CPU"
    echo
    echo "SIZE=$SIZE FILES=$FILES FILE_SIZE=$FILE_SIZE SEED=$SEED" \
        "RUNS=$RUNS (best of), JQ_SLICE=$JQ_SLICE, PAGE_CACHE=$PAGE_CACHE," \
        "WORKLOADS=\"$(echo $WORKLOADS)\". Script: ${ELAPSED} s" \
        "(build ${BUILD_S} s, inputs ${GEN_S} s, tools ${TOOLS_S} s, timing ${TIMING_S} s)."
    echo
    table
    echo
    echo "Seconds: wall time of the whole process, best of $RUNS, page cache" \
        "warm. MB/s: input bytes / 1e6 / seconds; for file.gz and file.zst" \
        "the uncompressed bytes. time ÷ calltally -j2: seconds per byte" \
        "over those of \`calltally report -j2\` on the same input (the" \
        "file, the tree, the jq slice, the CSV, file.gz or file.zst). Peak" \
        "RSS: largest process; calltally's includes the mapped file pages" \
        "(of the compressed file, for file.gz and file.zst)."
    echo
    checks | sed 's/^ //'
)
echo
echo "$REPORT"
printf '%s\n\n' "$REPORT" >>"$RESULTS"
say "appended to $RESULTS"
