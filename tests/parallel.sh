#!/bin/bash
# parallel.sh - `spytag classify --jsonl` split over processes by GNU
# parallel (--pipe -N 50 -j 3, with and without --keep-order) answers the
# same lines as a single process, and keeps the exit status.  The input is
# the shipped corpus as JSON Lines (every record with an "id", as a pipeline
# should have: a record without one is named "-:LINE" by its line in the
# chunk a process got), plus a line that cannot be tagged.  Skipped (exit
# 77) when parallel or python3 is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
spytag=$top_builddir/src/spytag
model=$top_srcdir/models/spytag.model
for tool in parallel python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "skip: $tool not found (apt-get install $tool)"
        exit 77
    fi
done
unset SPYTAG_MODEL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spytag-parallel.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
# parallel keeps state in $PARALLEL_HOME (default ~/.parallel): keep it here.
export PARALLEL_HOME=$tmp/parallel-home
pass=0 fail=0
check() {   # description, command...
    local d=$1; shift
    if "$@"; then pass=$((pass + 1)); echo "ok - $d"; return 0; fi
    fail=$((fail + 1)); echo "not ok - $d"; return 1
}

# The corpus articles as JSON Lines, with an extra field that must pass
# through, and one line whose "text" is not a string at line 100.
python3 - "$top_srcdir/corpus/articles" >"$tmp/in.jsonl" <<'EOF'
import json, os, sys
d = sys.argv[1]
for i, name in enumerate(sorted(os.listdir(d))):
    if i == 99:
        print(json.dumps({"id": "bad-1", "text": 42}))
    with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
        print(json.dumps({"id": name, "seq": i, "text": f.read()}))
EOF
lines=$(wc -l <"$tmp/in.jsonl")
check "the input has more than 300 JSON lines ($lines)" test "$lines" -gt 300

"$spytag" classify --jsonl -m "$model" <"$tmp/in.jsonl" >"$tmp/single" \
    2>"$tmp/single.err"
single_rc=$?
check "one process answers every line" \
    test "$(wc -l <"$tmp/single")" -eq "$lines"
check "one process exits 1 for the line that cannot be tagged" \
    test "$single_rc" -eq 1

pipe() {   # extra parallel options...
    parallel --will-cite --tmpdir "$tmp" --pipe -N 50 -j 3 "$@" \
        -q "$spytag" classify --jsonl -m "$model"
}

pipe --keep-order <"$tmp/in.jsonl" >"$tmp/keep" 2>"$tmp/keep.err"
keep_rc=$?
check "parallel --keep-order gives the same lines as one process" \
    cmp -s <(sort "$tmp/single") <(sort "$tmp/keep")
check "parallel --keep-order gives them in the same order" \
    cmp -s "$tmp/single" "$tmp/keep"
check "parallel --keep-order exits 1 (one chunk had the bad line)" \
    test "$keep_rc" -eq 1 || sed 's/^/#   /' "$tmp/keep.err" | head -n 5

pipe <"$tmp/in.jsonl" >"$tmp/any" 2>"$tmp/any.err"
any_rc=$?
check "parallel without --keep-order gives the same lines as one process" \
    cmp -s <(sort "$tmp/single") <(sort "$tmp/any")
check "parallel without --keep-order exits 1" test "$any_rc" -eq 1
check "the bad line is answered with an error field, id kept" \
    grep -q -E '^\{"id": ?"bad-1", ?"error": ?"' "$tmp/any"
check "stderr names the bad line in its chunk (-:50, line 100 of 547)" \
    grep -q -F 'spytag: -:50: ' "$tmp/any.err"

# The README's wrapper: parallel's status counts only the chunks whose
# lines were lost (spytag exit 2 or 3), not those with a bad line.
parallel --will-cite --tmpdir "$tmp" --pipe -N 50 -j 3 --keep-order \
    "sh -c '\"$spytag\" classify --jsonl -m \"$model\"; test \$? -le 1'" \
    <"$tmp/in.jsonl" >"$tmp/wrapped" 2>"$tmp/wrapped.err"
wrapped_rc=$?
check "the wrapper: every line answered, in order" cmp -s "$tmp/single" "$tmp/wrapped"
check "the wrapper: exit 0 despite the bad line" test "$wrapped_rc" -eq 0
parallel --will-cite --tmpdir "$tmp" --pipe -N 50 -j 3 --keep-order \
    "sh -c '\"$spytag\" classify --jsonl -m \"$tmp/no.model\"; test \$? -le 1'" \
    <"$tmp/in.jsonl" >"$tmp/lost" 2>/dev/null
lost_rc=$?
check "the wrapper: chunks that could not be tagged count ($lost_rc)" \
    test "$lost_rc" -ge 1 -a ! -s "$tmp/lost"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
