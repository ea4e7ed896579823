#!/usr/bin/env bash
# huifang's performance yardstick (issue 8): one command that builds, generates the
# data, installs the peers, times everything and prints a table. See bench/README.md.
#
#   bash bench/run.sh [--quick] [--runs N] [--date YYYY-MM-DD] [--timeout SECONDS]
#   HUIFANG_BIN=path/to/huifang bash bench/run.sh   (time that binary, no build)
#   BENCH_MEM_LIMIT_MB=N bash bench/run.sh          (huifang's memory cap; default 3/4 of RAM)
#
# It never stops at a failing measurement: a command that fails (huifang not built
# yet, a peer that would not install) is reported and the run goes on, so the table
# always shows what could be measured.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 2

usage() {
    sed -n '2,9p' "$here/run.sh" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

quick=0
runs=3
date=2026-11-23   # --date of `huifang due`; also the generator's --as-of
month=2026-10     # --period of the monthly report
year=2025         # --period of the yearly report
seed=42
timeout_s=600     # a run slower than this is stopped and reported as failed
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --runs) runs=${2:?--runs needs a number}; shift ;;
        --date) date=${2:?--date needs YYYY-MM-DD}; shift ;;
        --timeout) timeout_s=${2:?--timeout needs seconds}; shift ;;
        -h|--help) usage 0 ;;
        *) echo "bench/run.sh: unknown argument '$1'" >&2; usage 2 ;;
    esac
    shift
done
case "$runs$timeout_s" in *[!0-9]*) echo "bench/run.sh: --runs and --timeout take whole numbers" >&2; exit 2 ;; esac
[ "$runs" -gt 0 ] || { echo "bench/run.sh: --runs must be at least 1" >&2; exit 2; }
# huifang runs under a virtual-memory cap so that a memory-hungry build fails alone
# (reported as a failed row) instead of driving a shared machine out of memory.
mem_limit_mb=${BENCH_MEM_LIMIT_MB:-$(awk '/MemTotal/ {printf "%d", $2 * 3 / 4 / 1024}' /proc/meminfo)}

# Data sets: name orders customers visits. The first is the main set (all commands and
# the peers); the others are for the linearity check (floor and huifang only), scaled
# in proportion so that seconds per million orders are comparable.
if [ "$quick" = 1 ]; then
    sets=("200k 200000 50000 200000" "1m 1000000 200000 1000000")
else
    sets=("5m 5000000 1000000 5000000" "1m 1000000 200000 1000000" "10m 10000000 2000000 10000000")
fi
main_set=${sets[0]%% *}

results=bench/results
logs=$results/logs
mkdir -p "$logs"
# HUIFANG_BIN=path times another huifang binary (say, last week's build) as is.
huifang_bin=${HUIFANG_BIN:-${CARGO_TARGET_DIR:-target}/release/huifang}
gen_bin=${CARGO_TARGET_DIR:-bench/gen/target}/release/huifang-bench-gen
floor_bin=${CARGO_TARGET_DIR:-bench/floor/target}/release/huifang-bench-floor

step() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# ---------------------------------------------------------------------------- build
step "build"
huifang_ok=1
if [ -n "${HUIFANG_BIN:-}" ]; then
    [ -x "$huifang_bin" ] || huifang_ok=0
    note "huifang: using HUIFANG_BIN=$huifang_bin as is (not rebuilt)"
elif cargo build --release >"$logs/build-huifang.log" 2>&1; then
    note "huifang: built ($huifang_bin)"
else
    huifang_ok=0
    note "huifang: cargo build --release FAILED; its rows are skipped. Last lines of $logs/build-huifang.log:"
    tail -n 15 "$logs/build-huifang.log" | sed 's/^/     | /'
fi
for pkg in gen floor; do
    if ! cargo build --release --manifest-path "bench/$pkg/Cargo.toml" >"$logs/build-$pkg.log" 2>&1; then
        echo "bench/run.sh: cannot build bench/$pkg (see $logs/build-$pkg.log):" >&2
        tail -n 15 "$logs/build-$pkg.log" >&2
        exit 1
    fi
    note "bench/$pkg: built"
done

# ----------------------------------------------------------------------------- data
step "data"
# A data set is regenerated only when its parameters or the generator's source
# changed: the stamp holds both (a hash of the source, since the output is a function
# of it), so a stale set can never be timed by mistake.
gen_hash=$(cat bench/gen/Cargo.toml bench/gen/src/*.rs | sha256sum | cut -c1-16)
need_kb=0
for s in "${sets[@]}"; do
    read -r name orders _ _ <<<"$s"
    [ -f "bench/data/$name/.params" ] || need_kb=$((need_kb + orders / 5))  # ~200 B/order
done
avail_kb=$(df -Pk bench 2>/dev/null | awk 'NR==2 {print $4}')
if [ -n "$avail_kb" ] && [ "$need_kb" -gt "$avail_kb" ]; then
    note "warning: the data sets need about $((need_kb / 1024)) MiB, only $((avail_kb / 1024)) MiB free"
fi
for s in "${sets[@]}"; do
    read -r name orders customers visits <<<"$s"
    dir=bench/data/$name
    stamp="orders=$orders customers=$customers visits=$visits seed=$seed as_of=$date gen=$gen_hash"
    if [ -f "$dir/.params" ] && [ "$(cat "$dir/.params")" = "$stamp" ] \
        && [ -f "$dir/customers.csv" ] && [ -f "$dir/orders.csv" ] && [ -f "$dir/visits.csv" ]; then
        note "$dir: present ($stamp)"
        continue
    fi
    note "$dir: generating $orders orders, $customers customers, $visits visits"
    rm -f "$dir/.params"
    mkdir -p "$dir"
    if ! "$gen_bin" --orders "$orders" --customers "$customers" --visits "$visits" \
        --seed "$seed" --as-of "$date" --out "$dir" 2>&1 | sed 's/^/     /'; then
        echo "bench/run.sh: generating $dir failed" >&2
        exit 1
    fi
    echo "$stamp" >"$dir/.params"   # written last: a half-written set is never reused
done

# ---------------------------------------------------------------------------- peers
step "peers"
venv=bench/.venv
py=$venv/bin/python
if [ ! -x "$py" ] && command -v python3 >/dev/null; then
    python3 -m venv "$venv" >"$logs/venv.log" 2>&1 || note "python3 -m venv failed (see $logs/venv.log)"
fi
if [ -x "$py" ] && ! "$py" -c 'import duckdb, polars' 2>/dev/null; then
    "$venv/bin/pip" install --quiet duckdb polars >"$logs/pip.log" 2>&1 \
        || note "pip install --quiet duckdb polars failed (see $logs/pip.log)"
fi
peer_ok() { [ -x "$py" ] && "$py" -c "import $1" 2>/dev/null; }
for m in duckdb polars; do
    if peer_ok "$m"; then
        note "$m $("$py" -c "import $m; print($m.__version__)")"
    else
        note "$m: skipped (could not be installed into $venv)"
    fi
done
# xsv and qsv are used only if already installed: building them from source takes
# minutes and is not this script's business.
for t in xsv qsv; do
    if command -v "$t" >/dev/null; then note "$t: $(command -v "$t")"; else note "$t: skipped (not on PATH)"; fi
done

# ---------------------------------------------------------------------------- timing
if [ -x /usr/bin/time ]; then
    have_time=1
else
    have_time=0
    note "/usr/bin/time missing (Debian package 'time'): timing with bash, max RSS n/a"
fi

# One row per measurement, tab-separated: set name median rss_mb bytes orders status.
rows_file=$(mktemp)
tfile=$(mktemp)
trap 'rm -f "$rows_file" "$tfile"' EXIT
declare -A floor_s=()

# Per measurement (SET/NAME), in the order first measured: the run times, the largest
# max RSS, input bytes and orders, and whether a run failed.
declare -A times_of=() rss_of=() bytes_of=() orders_of=() failed_of=()
keys=()

# measure SET NAME BYTES ORDERS -- COMMAND...: one timed run of COMMAND (this round's).
# stdout and stderr of the last run are kept in bench/results/logs/SET-NAME.{out,err}.
# Every run is stopped after $timeout_s seconds (timeout(1) adds no measurable time);
# huifang's runs are also capped at $mem_limit_mb MB of virtual memory. A command that
# failed once is not run again.
measure() {
    local set=$1 name=$2 bytes=$3 orders=$4
    shift 5
    local key=$set/$name
    if [ -z "${bytes_of[$key]:-}" ]; then
        keys+=("$key")
        bytes_of[$key]=$bytes
        orders_of[$key]=$orders
        rss_of[$key]=0
    fi
    [ -n "${failed_of[$key]:-}" ] && return 1
    local out=$logs/$set-$name.out err=$logs/$set-$name.err
    local rc secs kb mem=unlimited
    case "$name" in huifang*) mem=$((mem_limit_mb * 1024)) ;; esac
    printf '   %-22s' "$name"
    if [ "$have_time" = 1 ]; then
        (ulimit -v "$mem" && exec /usr/bin/time -f '%e %M' -o "$tfile" timeout "$timeout_s" "$@") >"$out" 2>"$err"
        rc=$?
        # On failure time(1) writes "Command exited with non-zero status N" first.
        read -r secs kb < <(tail -n 1 "$tfile")
    else
        local TIMEFORMAT=%R
        { time (ulimit -v "$mem" && exec timeout "$timeout_s" "$@") >"$out" 2>"$err"; } 2>"$tfile"
        rc=$?
        secs=$(tail -n 1 "$tfile")
        kb=
    fi
    if [ "$rc" != 0 ]; then
        failed_of[$key]=1
        if [ "$rc" = 124 ]; then
            printf ' FAILED (stopped after %s s, see --timeout)\n' "$timeout_s"
        else
            printf ' FAILED (exit %s%s):\n' "$rc" "$([ "$mem" != unlimited ] && echo ", memory cap $mem_limit_mb MB")"
        fi
        head -n 5 "$err" | sed 's/^/     | /'
        return 1
    fi
    times_of[$key]+="$secs "
    if [ -n "$kb" ] && [ "$kb" -gt "${rss_of[$key]}" ]; then rss_of[$key]=$kb; fi
    printf ' %6.2fs\n' "$secs"
    return 0
}

# summarize: one row per measurement, in the order measured: the median of its runs,
# the largest max RSS, or FAILED.
summarize() {
    local key set name median rss_mb
    for key in "${keys[@]}"; do
        set=${key%%/*}
        name=${key#*/}
        if [ -n "${failed_of[$key]:-}" ]; then
            printf '%s\t%s\t\t\t%s\t%s\tFAILED\n' "$set" "$name" "${bytes_of[$key]}" "${orders_of[$key]}" >>"$rows_file"
            continue
        fi
        # shellcheck disable=SC2086  # the run times are space-separated numbers
        median=$(printf '%s\n' ${times_of[$key]} | sort -g | awk '{a[NR] = $1}
            END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
        rss_mb=n/a
        # time(1) reports KiB; MB here are 10^6 bytes, comparable with the input bytes.
        [ "$have_time" = 1 ] && rss_mb=$(awk -v k="${rss_of[$key]}" 'BEGIN {printf "%.1f", k * 1024 / 1e6}')
        printf '   %-5s %-22s median %ss of %s\n' "$set" "$name" "$median" "$(echo ${times_of[$key]})"
        printf '%s\t%s\t%s\t%s\t%s\t%s\tok\n' "$set" "$name" "$median" "$rss_mb" "${bytes_of[$key]}" "${orders_of[$key]}" >>"$rows_file"
        [ "$name" = floor ] && floor_s[$set]=$median
    done
}

# The 3-day window ending on the bench date, for the xsv/qsv regular expression.
win_re=$(for k in 2 1 0; do date -d "$date - $k days" +%F; done | paste -sd'|')

# one_round SET-LINE: every command of a data set, once.
one_round() {
    local name orders customers visits
    read -r name orders customers visits <<<"$1"
    local dir=bench/data/$name
    local all_bytes orders_bytes
    all_bytes=$(cat "$dir"/{customers,orders,visits}.csv | wc -c)
    orders_bytes=$(wc -c <"$dir/orders.csv")
    measure "$name" floor "$all_bytes" "$orders" -- "$floor_bin" "$dir"
    if [ "$huifang_ok" = 1 ]; then
        local rules=(--rules rules/property.toml --rules rules/hospital.toml --data "$dir")
        measure "$name" huifang-due "$all_bytes" "$orders" -- "$huifang_bin" due "${rules[@]}" \
            --date "$date" --format csv --output /tmp/huifang-due.csv
        measure "$name" "huifang-report-$month" "$all_bytes" "$orders" -- "$huifang_bin" report "${rules[@]}" \
            --period "$month" --format csv --output /tmp/huifang-rep-m.csv
        measure "$name" "huifang-report-$year" "$all_bytes" "$orders" -- "$huifang_bin" report "${rules[@]}" \
            --period "$year" --format csv --output /tmp/huifang-rep-y.csv
    fi
    [ "$name" = "$main_set" ] || return 0
    # The peers read only orders.csv, so their input bytes are that file's size, and
    # the floor over that one file is timed too, for a like-for-like view (x_floor
    # stays relative to the three-file floor, the one baseline of the table).
    measure "$name" floor-orders "$orders_bytes" "$orders" -- "$floor_bin" "$dir" orders.csv
    peer_ok duckdb && measure "$name" duckdb "$orders_bytes" "$orders" -- "$py" bench/peers/duckdb_q.py "$dir" --date "$date"
    peer_ok polars && measure "$name" polars "$orders_bytes" "$orders" -- "$py" bench/peers/polars_q.py "$dir" --date "$date"
    for t in xsv qsv; do
        command -v "$t" >/dev/null || continue
        measure "$name" "$t" "$orders_bytes" "$orders" -- bash -c \
            "$t search -s kind '^complaint\$' '$dir/orders.csv' | $t search -s closed_at '^($win_re)' | $t frequency -s department -l 0"
    done
    return 0
}

# Runs are taken in rounds (every command once, then again), not one command's runs in
# a row: this kind of shared machine has slow and fast spells of minutes, and a spell
# then slows every command of a round alike instead of skewing one command's median
# and every ratio to it.
for s in "${sets[@]}"; do
    read -r name _ <<<"$s"
    dir=bench/data/$name
    [ "$huifang_ok" = 1 ] || note "huifang: skipped (not built)"
    rm -f "$logs/$name"-*.out "$logs/$name"-*.err   # no stale output from an earlier run
    # Read the files once so every command, the first included, starts with them in
    # the page cache: the table measures computing, not the disk.
    cat "$dir"/*.csv >/dev/null
    for ((round = 1; round <= runs; round++)); do
        step "timing $dir, round $round of $runs"
        one_round "$s"
    done
    if [ -f "$logs/$name-duckdb.out" ] && [ -f "$logs/$name-polars.out" ]; then
        if cmp -s "$logs/$name-duckdb.out" "$logs/$name-polars.out"; then
            note "duckdb and polars agree: $(($(wc -l <"$logs/$name-duckdb.out") - 1)) departments, $(awk -F, 'NR > 1 {s += $2} END {print s}' "$logs/$name-duckdb.out") complaints"
        else
            note "WARNING: duckdb and polars disagree (compare $logs/$name-duckdb.out and $logs/$name-polars.out)"
        fi
    fi
done
step "medians"
summarize

# ---------------------------------------------------------------------------- report
floors=$(for k in "${!floor_s[@]}"; do printf '%s=%s ' "$k" "${floor_s[$k]}"; done)
table=$(awk -F'\t' -v floors="$floors" '
    BEGIN {
        n = split(floors, kv, " ")
        for (i = 1; i <= n; i++) { split(kv[i], p, "="); fl[p[1]] = p[2] }
        printf "%-5s %-22s %9s %8s %11s %13s %11s\n", "set", "name", "median_s", "x_floor", "max_rss_MB", "input_bytes", "s_per_M_ord"
    }
    {
        set = $1; name = $2; med = $3; rss = $4; bytes = $5; ord = $6; st = $7
        if (st != "ok") {
            printf "%-5s %-22s %9s %8s %11s %13d %11s\n", set, name, "FAILED", "-", "-", bytes, "-"
            next
        }
        ratio = (set in fl && fl[set] > 0) ? sprintf("%.2f", med / fl[set]) : "n/a"
        printf "%-5s %-22s %9.2f %8s %11s %13d %11.3f\n", set, name, med, ratio, rss, bytes, med / (ord / 1e6)
    }' "$rows_file")

# The issue-8 targets, evaluated on the numbers above: informative, never an exit code.
checks=$(awk -F'\t' -v main="$main_set" -v year="huifang-report-$year" -v yr="$year" '
    $7 == "ok" { t[$1 "/" $2] = $3; r[$1 "/" $2] = $4; b[$1 "/" $2] = $5; pm[$1 "/" $2] = $3 / ($6 / 1e6); sets[$1] = $6 }
    function verdict(ok) { return ok ? "met" : "NOT MET" }
    END {
        f = t[main "/floor"]; d = t[main "/huifang-due"]; y = t[main "/" year]
        if (f == "" || d == "") { print "   (huifang not measured: no checks)"; exit }
        printf "   due <= 1.5x floor           %-8s (%.2fx)\n", verdict(d <= 1.5 * f), d / f
        if ((main "/duckdb") in t)
            printf "   due faster than duckdb      %-8s (%.2fs vs %.2fs)\n", verdict(d < t[main "/duckdb"]), d, t[main "/duckdb"]
        if (y != "")
            printf "   report %s <= 2x floor     %-8s (%.2fx)\n", yr, verdict(y <= 2 * f), y / f
        else
            printf "   report %s <= 2x floor     not measured\n", yr
        rss = r[main "/huifang-due"]
        if (rss != "n/a")
            printf "   due max RSS < input bytes   %-8s (%.0f MB of %.0f MB)\n", verdict(rss * 1e6 < b[main "/huifang-due"]), rss, b[main "/huifang-due"] / 1e6
        # Linearity: seconds per million orders of the largest set against the
        # smallest; fixed start-up costs favour the large set, so a rise is real.
        lo = ""; hi = ""
        for (s in sets) {
            if (!((s "/huifang-due") in pm)) continue
            if (lo == "" || sets[s] < sets[lo]) lo = s
            if (hi == "" || sets[s] > sets[hi]) hi = s
        }
        if (lo != hi)
            printf "   due linear (%s vs %s)     %-8s (%.3f vs %.3f s per M orders)\n", hi, lo, verdict(pm[hi "/huifang-due"] <= 1.25 * pm[lo "/huifang-due"]), pm[hi "/huifang-due"], pm[lo "/huifang-due"]
    }' "$rows_file")

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
{
    echo "huifang benchmark (bench/run.sh$([ "$quick" = 1 ] && echo ' --quick') --runs $runs --date $date)"
    echo "when:    $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $machine"
    echo "rustc:   $(rustc --version 2>/dev/null)"
    echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')"
    [ -x "$py" ] && echo "peers:   $("$py" -c 'import importlib
for m in ("duckdb", "polars"):
    try: print(m, importlib.import_module(m).__version__, end="  ")
    except ImportError: print(m, "skipped", end="  ")' 2>/dev/null)"
    echo
    echo "$table"
    echo
    echo "issue 8 targets (main set $main_set):"
    echo "$checks"
} | tee "$results/latest.txt.tmp"
mv "$results/latest.txt.tmp" "$results/latest.txt"
printf '\nwritten to %s\n' "$results/latest.txt"
