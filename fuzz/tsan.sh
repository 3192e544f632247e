#!/bin/bash
# fuzz/tsan.sh [THREADS [ROUNDS]] - build the library and
# tests/thread_stress.c with clang -fsanitize=thread and run it: several
# threads classify the corpus with their own classifiers on one shared
# model (the shipped models/spytag.model and corpus/, or the test fixture
# when they are absent) and must agree with a single-threaded run; then
# training on several threads must give the bytes of one thread.  Exits
# non-zero when ThreadSanitizer reports a race or a result differs.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${FUZZ_OUT:-$here/out}
CC=${CC_TSAN:-clang}
threads=${1:-4}
rounds=${2:-2}

mkdir -p "$out" || exit 2

# Runs a command under ThreadSanitizer's options (exit 66 on a race).
tsan_run() {
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
        "$@"
}
# Runs `classify ... -j $threads --jsonl` of the ThreadSanitizer build
# with the model $1 on the lines $2 into $3, and requires the bytes of $4
# (a plain run's answers); says so with $5 (passed) or $6 (failed).
tsan_classify_same() {
    tsan_run "$prog" classify -q -m "$1" -j "$threads" --jsonl <"$2" >"$3"
    local rc=$?
    if [ $rc -eq 0 ] && ! cmp -s "$4" "$3"; then
        echo "tsan: $3 differs from $4"
        rc=1
    fi
    verdict $rc "$5" "$6"
}
# Says how a step went from its status $1 (what passed: $2; what
# failed: $3), and exits with the status unless it is 0.
verdict() {
    case $1 in
        0) echo "tsan: $2" ;;
        66) echo "tsan: ThreadSanitizer reported a data race (above)" ;;
        *) echo "tsan: $3 (exit $1)" ;;
    esac
    [ "$1" -eq 0 ] || exit "$1"
}
. "$here/lib.sh" tsan
bin=$out/thread_stress_tsan
echo "building $bin"
"$CC" -g -O1 -fno-omit-frame-pointer -fsanitize=thread "${defs[@]}" \
    -I"$top/src" "$top/tests/thread_stress.c" "${lib_srcs[@]}" \
    "${libs[@]}" -o "$bin" || exit 2

model=$top/models/spytag.model
corpus=$top/corpus
if [ ! -f "$model" ] || [ ! -d "$corpus" ]; then
    model=$out/tsan-fixture.model
    corpus=$top/tests/data/corpus
    "$top/src/spytag" train -q -o "$model" "$corpus" || exit 2
fi
echo "running $bin $model $corpus $threads $rounds"
tsan_run "$bin" "$model" "$corpus" "$threads" "$rounds"
verdict $? "no data race, results agree" "thread_stress failed"

# The program's threads: `classify -j N` on enough JSON Lines for
# several batches (each thread reads, tags and writes batches of its own,
# in turns) must give the bytes of -j 1.
prog=$out/spytag_tsan
echo "building $prog"
prog_srcs=()
for f in "$top"/src/cli.c "$top"/src/spytag.c "$top"/src/cmd_*.c; do
    prog_srcs+=("$f")
done
"$CC" -g -O1 -fno-omit-frame-pointer -fsanitize=thread "${defs[@]}" \
    -I"$top/src" "${prog_srcs[@]}" "${lib_srcs[@]}" "${libs[@]}" \
    -o "$prog" || exit 2
lines=$out/tsan-input.jsonl
python3 - "$corpus" >"$lines" <<'PY' || exit 2
import glob, json, os, sys
files = sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.txt"),
                         recursive=True))
for r in range(3):
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as h:
            print(json.dumps({"id": "%d/%s" % (r, f), "text": h.read()}))
PY
echo "running $prog classify -j $threads on $(wc -l <"$lines") lines"
"$prog" classify -q -m "$model" --jsonl <"$lines" >"$out/tsan-j1.out" || exit 2
tsan_classify_same "$model" "$lines" "$out/tsan-jN.out" "$out/tsan-j1.out" \
    "classify pool: no data race, same bytes as -j 1" \
    "classify -j $threads failed"

# The model load's own threads (the weights and the word pairs), which
# only a model of 2^18 weights or more starts: one of 80k features and 4
# topics (pairs of copies of 400 words found nowhere else), trained by
# the plain program, loaded and used by the ThreadSanitizer build.
big=$out/tsan-big.jsonl
python3 - >"$big" <<'PY' || exit 2
import json
topics = ["north", "south", "east", "west"]
def word(w):
    s = "q"
    for _ in range(4):
        s += chr(ord("a") + w % 26)
        w //= 26
    return s
for d in range(100):
    words = " ".join(word(d * 400 + k) for k in range(400))
    for i in range(2):
        print(json.dumps({"id": "%d.%d" % (d, i), "labels": [topics[d % 4]],
                          "text": words + " " + "xy"[i] + "yz"}))
PY
"$top/src/spytag" train -q --tune-folds 0 -o "$out/tsan-big.model" "$big" ||
    exit 2
"$top/src/spytag" classify -q -m "$out/tsan-big.model" --jsonl <"$big" \
    >"$out/tsan-big-plain.out" || exit 2
tsan_classify_same "$out/tsan-big.model" "$big" "$out/tsan-big.out" \
    "$out/tsan-big-plain.out" \
    "threaded model load: no data race, same answers" \
    "classify with the big model failed"
