#!/bin/bash
# plot.sh - spytag eval --plot FILE: the evaluation is printed as without
# --plot, and gnuplot draws an SVG or PNG that appears only when complete;
# without gnuplot on PATH, or when gnuplot fails, the evaluation is still
# printed, stderr says why and the exit status is 1.  The drawing checks
# are skipped when gnuplot is missing (apt-get install gnuplot-nox).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
spytag=$top_builddir/src/spytag
data=$top_srcdir/tests/data
unset SPYTAG_MODEL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spytag-plot.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp/scripts      # where eval writes its gnuplot script
mkdir "$TMPDIR" "$tmp/out" "$tmp/bin"
pass=0 fail=0 skipped=0
check() {   # description, command...
    local d=$1; shift
    if "$@"; then pass=$((pass + 1)); echo "ok - $d"; return 0; fi
    fail=$((fail + 1)); echo "not ok - $d"; return 1
}
skip() { skipped=$((skipped + 1)); echo "ok - $1 # SKIP gnuplot not found"; }
# nothing left behind: no gnuplot script, no partial picture
clean() {
    test -z "$(ls -A "$TMPDIR")" &&
    test -z "$(find "$tmp/out" -name '*.tmp.*')"
}

"$spytag" train -q -o "$tmp/tiny.model" "$data/corpus" ||
    { echo "not ok - training the fixture corpus"; exit 1; }
"$spytag" eval -q -m "$tmp/tiny.model" "$data/testset" >"$tmp/plain"

# gnuplot missing: PATH without it.
PATH=$tmp/bin "$spytag" eval -q -m "$tmp/tiny.model" \
    --plot "$tmp/out/none.svg" "$data/testset" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
check "without gnuplot: exit status 1" test "$rc" -eq 1
check "without gnuplot: the evaluation is printed all the same" \
    cmp -s "$tmp/plain" "$tmp/stdout"
check "without gnuplot: stderr says gnuplot is not found" \
    grep -q "cannot run gnuplot: .*not on PATH" "$tmp/stderr"
none_left() { test ! -e "$tmp/out/none.svg" && clean; }
check "without gnuplot: no picture and nothing left behind" none_left

# gnuplot failing: an old picture stays as it was.
printf '#!/bin/sh\necho "gnuplot: broken" >&2\nexit 1\n' >"$tmp/bin/gnuplot"
chmod +x "$tmp/bin/gnuplot"
echo old >"$tmp/out/old.svg"
PATH=$tmp/bin:$PATH "$spytag" eval -q -m "$tmp/tiny.model" \
    --plot "$tmp/out/old.svg" "$data/testset" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
rm -f "$tmp/bin/gnuplot"
check "gnuplot failing: exit status 1 and a message" \
    sh -c "test $rc -eq 1 && grep -q 'gnuplot failed (exit status 1)' '$tmp/stderr'"
old_kept() { test "$(cat "$tmp/out/old.svg")" = old && clean; }
check "gnuplot failing: the old picture is untouched" old_kept

# Usage errors.
"$spytag" eval --plot "$tmp/out/e.pdf" "$data/corpus" >/dev/null 2>"$tmp/stderr"
rc=$?
check "--plot with another extension is a usage error" \
    sh -c "test $rc -eq 2 && grep -q 'invalid --plot' '$tmp/stderr'"

if ! command -v gnuplot >/dev/null; then
    for d in "SVG with -m" "PNG with -m" "SVG of a cross-validation"; do
        skip "$d"
    done
    echo "$pass passed, $fail failed, $skipped skipped"
    test "$fail" -eq 0
    exit
fi

"$spytag" eval -q -m "$tmp/tiny.model" --plot "$tmp/out/e.svg" \
    "$data/testset" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
check "SVG with -m: exit status 0, stderr empty" \
    sh -c "test $rc -eq 0 && test ! -s '$tmp/stderr'"
check "SVG with -m: the evaluation is printed as without --plot" \
    cmp -s "$tmp/plain" "$tmp/stdout"
check "SVG with -m: an SVG with both panels" \
    sh -c "grep -q '<svg' '$tmp/out/e.svg' &&
           grep -q 'Precision and recall per topic' '$tmp/out/e.svg' &&
           grep -q 'score threshold' '$tmp/out/e.svg'"
check "SVG with -m: nothing left behind" clean

"$spytag" eval -q -m "$tmp/tiny.model" --plot "$tmp/out/e.png" \
    "$data/testset" >/dev/null 2>&1
rc=$?
check "PNG with -m: a PNG file" \
    sh -c "test $rc -eq 0 && head -c 4 '$tmp/out/e.png' | grep -q PNG"

"$spytag" eval -q -k 2 --plot "$tmp/out/cv.svg" "$data/corpus" \
    >/dev/null 2>&1
rc=$?
check "SVG of a cross-validation: one panel" \
    sh -c "test $rc -eq 0 && grep -q '2-fold cross-validation' '$tmp/out/cv.svg' &&
           ! grep -q 'score threshold' '$tmp/out/cv.svg'"

echo "$pass passed, $fail failed, $skipped skipped"
test "$fail" -eq 0
