#!/bin/bash
# fuzz/run.sh [SECONDS] - build the libFuzzer harnesses fuzz/fuzz_*.c with
# clang (ASan + UBSan) against the library sources and run each one for
# SECONDS (default 60) on a copy of its seed corpus, fuzz/corpus/NAME/.
#
# The binaries and the working corpora go to $FUZZ_OUT (default fuzz/out,
# ignored by git); a working corpus starts as a copy of the seeds and keeps
# what earlier runs found (FUZZ_FRESH=1 starts from the seeds alone).  A
# crash, leak, timeout or out-of-memory is written to
# $FUZZ_OUT/artifacts-NAME/ as crash-* / leak-* / timeout-* / oom-*; the
# script prints its path and exits 1.  Exit 2: the build failed.  Set
# FUZZ_TARGETS to a space-separated subset (e.g. "tokenize model").
#
# Targets: tokenize, jsonl, jsonline (classify's own JSON Lines reader,
# src/jsonline.c), labels, model, and model_fixsum (fuzz_model.c rewriting
# the checksum first, to get past it).  Add a crashing input as a
# regression test (tests/data/regress/NAME/, run by tests/check_regress.c)
# before fixing it.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
secs=${1:-60}
out=${FUZZ_OUT:-$here/out}
CC=${CC_FUZZ:-clang}
targets=${FUZZ_TARGETS:-"tokenize jsonl jsonline labels model model_fixsum"}

case $secs in
    '' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS]" >&2; exit 2 ;;
esac

mkdir -p "$out" || exit 2

# The library's sources, flags and libraries (shared with tsan.sh).
. "$here/lib.sh" fuzz
cflags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined "${defs[@]}" -I"$top/src")

echo "building the library objects"
objdir=$out/obj
mkdir -p "$objdir" || exit 2
objs=()
for f in "${lib_srcs[@]}"; do
    o=$objdir/$(basename "${f%.c}").o
    # -fsanitize=fuzzer-no-link: coverage for the library, libFuzzer's main
    # only in the harness
    clang_flags=("${cflags[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}")
    "$CC" "${clang_flags[@]}" -c "$f" -o "$o" || exit 2
    objs+=("$o")
done

status=0
for t in $targets; do
    src=$here/fuzz_$t.c
    extra=()
    seeds=$here/corpus/$t
    if [ "$t" = model_fixsum ]; then
        src=$here/fuzz_model.c
        extra=(-DFUZZ_MODEL_FIX_CHECKSUM)
        seeds=$here/corpus/model
    fi
    bin=$out/fuzz_$t
    echo "building $bin"
    "$CC" "${cflags[@]}" "${extra[@]}" "$src" "${objs[@]}" "${libs[@]}" \
        -o "$bin" || exit 2
    work=$out/corpus-$t
    arts=$out/artifacts-$t
    rm -rf "$arts"
    [ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
    mkdir -p "$work" "$arts" || exit 2
    cp "$seeds"/* "$work"/ || exit 2
    echo "running fuzz_$t for $secs s"
    (cd "$out" &&
        "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$arts/" "$work" \
            >"$out/fuzz_$t.log" 2>&1)
    rc=$?
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
        "$out/fuzz_$t.log" | sed "s/^/fuzz_$t: /"
    found=$(find "$arts" -type f | sort)
    if [ $rc -ne 0 ] || [ -n "$found" ]; then
        echo "fuzz_$t FAILED (exit $rc); log: $out/fuzz_$t.log"
        for f in $found; do
            echo "fuzz_$t: reproducer: $f"
            echo "  replay: $bin $f"
        done
        grep -m 5 -E 'ERROR: |runtime error:|SUMMARY:' "$out/fuzz_$t.log" |
            sed "s/^/fuzz_$t: /"
        status=1
    else
        echo "fuzz_$t: no crash"
    fi
done
exit $status
