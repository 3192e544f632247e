#!/bin/bash
# The tests given to all() are strings it evaluates later:
# shellcheck disable=SC2016
# cli.sh - end-to-end tests of the spytag program: help and version, usage
# errors, train, classify (file, folder, stdin, .jsonl, JSON output, the
# --jsonl stream filter, bad input lines, missing files, corrupt models,
# threads, write errors), eval (cross-validation and a test set), info, the
# SPYTAG_MODEL override and the shipped default model.  Exit codes, stdout
# and stderr are checked.  Run by `make check` (which sets top_srcdir and
# top_builddir); prints "ok N - ..." / "not ok N - ..." and a summary.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
SPYTAG=${SPYTAG_PROGRAM:-$top_builddir/src/spytag}   # CI sets a valgrind wrapper
DATA=$top_srcdir/tests/data
SHIPPED=$top_srcdir/models/spytag.model
unset SPYTAG_MODEL

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spytag-cli.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/stdout
ERR=$TMP/stderr

n=0
passed=0
failed=0
rc=0

# run CMD ARGS...: runs a command, keeping its stdout, stderr and status.
run() {
    "$@" >"$OUT" 2>"$ERR"
    rc=$?
}

# run_in FILE CMD ARGS...: the same with FILE as standard input.
run_in() {
    local in=$1
    shift
    "$@" <"$in" >"$OUT" 2>"$ERR"
    rc=$?
}

# check DESCRIPTION TEST...: one numbered result.
check() {
    local desc=$1
    shift
    n=$((n + 1))
    if "$@"; then
        echo "ok $n - $desc"
        passed=$((passed + 1))
    else
        echo "not ok $n - $desc"
        echo "#   exit status: $rc"
        sed -n '1,5s/^/#   stdout: /p' "$OUT"
        sed -n '1,5s/^/#   stderr: /p' "$ERR"
        failed=$((failed + 1))
    fi
}

# Tests used with check.
status_is() { [ "$rc" -eq "$1" ]; }
out_has() { grep -q -e "$1" "$OUT"; }
err_has() { grep -q -e "$1" "$ERR"; }
out_has_fixed() { grep -q -F -e "$1" "$OUT"; }
err_has_fixed() { grep -q -F -e "$1" "$ERR"; }
out_empty() { [ ! -s "$OUT" ]; }
err_empty() { [ ! -s "$ERR" ]; }
out_lines() { [ "$(wc -l <"$OUT")" -eq "$1" ]; }
# field COL of stdout as one comma-separated line
tsv_col() { cut -f "$1" "$OUT" | paste -s -d ';' -; }
col_is() { [ "$(tsv_col "$1")" = "$2" ]; }
# python3 -c CODE < stdout: a JSON check
json_ok() {
    python3 -c "$1" <"$OUT" 2>"$TMP/python.err" && return 0
    tail -n 1 "$TMP/python.err" | sed 's/^/#   python: /'
    return 1
}
all() { local t; for t in "$@"; do eval "$t" || return 1; done; }
# every value in a list of "term=value" (--explain) or "  value  term"
# (info) on stdout is above 0, and there is at least one
positive_values() {
    awk '{ n++; if ($1 + 0 <= 0) bad = 1 } END { exit bad || n == 0 }'
}
explain_positive() {
    cut -f 4 "$OUT" | tr ' ,' '\n\n' | sed -n 's/.*=//p' | positive_values
}
info_positive() { grep '^  *-*[0-9]' "$OUT" | positive_values; }

if [ ! -x "$SPYTAG" ]; then
    echo "not ok 1 - $SPYTAG is not built"
    echo "0 passed, 1 failed"
    exit 1
fi

# ---- help, version, usage errors ------------------------------------------

run "$SPYTAG" --help
check "--help: usage on stdout, exit 0" \
    all 'status_is 0' 'out_has "^Usage: spytag COMMAND"' 'out_has "Exit status"' 'err_empty'
run "$SPYTAG" -h
check "-h is --help" all 'status_is 0' 'out_has "^Usage: spytag"'
for cmd in train classify eval info; do
    run "$SPYTAG" "$cmd" --help
    check "$cmd --help: usage on stdout, exit 0" \
        all 'status_is 0' "out_has '^Usage: spytag $cmd'" 'err_empty'
done
run "$SPYTAG" --version
check "--version prints 'spytag X.Y.Z'" \
    all 'status_is 0' 'out_has "^spytag [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*$"' 'out_lines 1' 'err_empty'
run "$SPYTAG" -V
check "-V is --version" all 'status_is 0' 'out_has "^spytag "'
run "$SPYTAG"
check "no command: usage on stderr, exit 2" \
    all 'status_is 2' 'out_empty' 'err_has "Usage: spytag"'
run "$SPYTAG" frobnicate
check "unknown command: exit 2, named on stderr" \
    all 'status_is 2' 'out_empty' "err_has \"'frobnicate' is not a spytag command\""

bad_usage() {   # bad_usage DESC STDERR-PATTERN ARGS...
    local desc=$1 pat=$2
    shift 2
    run "$SPYTAG" "$@"
    check "$desc: exit 2" all 'status_is 2' 'out_empty' "err_has_fixed \"$pat\""
}
bad_usage "classify -j 0" "invalid --jobs '0'" classify -j 0
bad_usage "classify -j abc" "invalid --jobs 'abc'" classify -j abc
bad_usage "classify -j 9999" "invalid --jobs" classify -j 9999
bad_usage "classify --format xml" "invalid --format 'xml'" classify --format xml
bad_usage "classify --min-score 1.5" "invalid --min-score" classify --min-score 1.5
bad_usage "classify --top 0" "invalid --top" classify --top 0
bad_usage "classify --bogus" "Try 'spytag classify --help'" classify --bogus
bad_usage "classify --jsonl with an input" "--jsonl reads standard input" \
    classify --jsonl "$DATA/classify.jsonl"
bad_usage "train --ngram 3" "invalid --ngram '3' (1 or 2)" train --ngram 3 "$DATA/corpus"
bad_usage "train --min-df -1" "invalid --min-df '-1'" train --min-df -1 "$DATA/corpus"
bad_usage "train --solver svmlight" "invalid --solver 'svmlight'" \
    train --solver svmlight "$DATA/corpus"
bad_usage "train --tune-folds 1" "invalid --tune-folds '1'" train --tune-folds 1 "$DATA/corpus"
bad_usage "train --tune-method cv" "invalid --tune-method 'cv'" train --tune-method cv "$DATA/corpus"
bad_usage "train -C 1e9" "invalid --cost '1e9'" train -C 1e9 "$DATA/corpus"
# FIXED BUG: numbers were read with strtol/strtod after turning away only
# a leading space or TAB, so '+2', a newline before the digits, hex
# ('0x1p-1') and the like were taken.
bad_usage "regression: classify -j +2" "invalid --jobs '+2'" classify -j +2
bad_usage "regression: classify -j with a leading newline" "invalid --jobs" classify -j "$(printf '\n2')"
bad_usage "regression: classify --min-score 0x1p-1" "invalid --min-score '0x1p-1'" \
    classify --min-score 0x1p-1
bad_usage "regression: classify --top with a leading tab" "invalid --top" classify --top "$(printf '\t1')"
bad_usage "regression: train -C 0x1p0" "invalid --cost '0x1p0'" train -C 0x1p0 "$DATA/corpus"
bad_usage "regression: train --seed +7" "invalid --seed '+7'" train --seed +7 "$DATA/corpus"
# FIXED BUG: options that cannot go together were taken without a word
# (--nb with another solver; -k with -m), or refused late with exit 3 and
# no reason (--tune-method loo with another solver); an empty path was
# only found out after training, in a message that named no file.
bad_usage "regression: train --solver libsvm --nb" "--nb needs --solver dcd" \
    train --solver libsvm --nb "$DATA/corpus"
bad_usage "regression: eval -m MODEL -k 3" "--folds does not apply to -m MODEL" \
    eval -m "$SHIPPED" -k 3 "$DATA/testset"
bad_usage "regression: train -o ''" "empty --output" train -o '' "$DATA/corpus"
bad_usage "regression: classify -m ''" "empty --model" classify -m '' "$DATA/corpus"
bad_usage "regression: eval -m ''" "empty --model" eval -m '' "$DATA/testset"
bad_usage "regression: info ''" "empty MODEL" info ''
bad_usage "train without a corpus" "expected one CORPUS" train
# FIXED BUG: a missing value or an unknown option gave getopt's own line
# ("eval: option requires an argument -- 'm'") and then "spytag: unknown
# option", which was wrong for a missing value and named nothing
for args in "eval -m|option '-m' needs a value" \
            "train --cost|option '--cost' needs a value" \
            "info -x|unknown option '-x'" \
            "classify -qz|unknown option '-z'" \
            "classify --bogus=3|unknown option '--bogus'" \
            "classify --jsonl=3|option '--jsonl' takes no value" \
            "classify --m|ambiguous option '--m'" \
            "classify --mo|option '--model' needs a value" \
            "classify --jsonl -zq|unknown option '-z'"; do
    # shellcheck disable=SC2086
    run "$SPYTAG" ${args%%|*}
    check "regression: ${args%%|*}: one message naming the option, exit 2" \
        all 'status_is 2' 'out_empty' "err_has_fixed \"spytag: ${args#*|}\"" \
            '[ "$(wc -l <"$ERR")" -eq 2 ]'
done
bad_usage "eval -k 1" "invalid --folds '1'" eval -k 1 "$DATA/corpus"
bad_usage "eval --format xml" "invalid --format 'xml'" eval --format xml "$DATA/corpus"
bad_usage "eval -m with training settings" "do not apply" \
    eval -m "$SHIPPED" --stem "$DATA/testset"
bad_usage "info -n 0" "invalid --terms '0'" info -n 0
bad_usage "info with two models" "at most one MODEL" info a b

# ---- train ------------------------------------------------------------------

M=$TMP/fixture.model
run "$SPYTAG" train -o "$M" "$DATA/corpus"
check "train: exit 0, summary on stdout" \
    all 'status_is 0' 'err_empty' \
    'out_has "^trained .*tests/data/corpus: 22 documents, 3 topics (multi-label), [0-9]* terms, .* -> "' \
    "out_has_fixed \"-> $M\""
check "train: the model file exists" test -s "$M"
run "$SPYTAG" train -q -o "$TMP/again.model" "$DATA/corpus"
check "train -q: nothing on stdout or stderr" all 'status_is 0' 'out_empty' 'err_empty'
check "train twice: byte-identical models" cmp -s "$M" "$TMP/again.model"
# -q wins over --progress in either order; --progress alone shows progress
# on a stderr that is not a terminal.  (A mutation test found that
# --progress winning passed every test.)
run "$SPYTAG" train -q --progress -o "$TMP/x.model" "$DATA/corpus"
check "train -q --progress: nothing on stderr" all 'status_is 0' 'err_empty'
run "$SPYTAG" train --progress -q -o "$TMP/x.model" "$DATA/corpus"
check "train --progress -q: nothing on stderr" all 'status_is 0' 'err_empty'
run "$SPYTAG" train --progress -o "$TMP/x.model" "$DATA/corpus"
check "train --progress: progress on stderr, a file here" \
    all 'status_is 0' 'err_has "training"'
rm -f "$TMP/x.model"
# info reports --stem and --no-stopwords as trained (a mutation test found
# that printing stem= from the stop-word setting passed every test)
run "$SPYTAG" info "$M"
check "info after train with the defaults: stem=no stopwords=yes" \
    all 'status_is 0' 'out_has " stem=no stopwords=yes$"'
run "$SPYTAG" train -q --stem --no-stopwords -o "$TMP/stem.model" "$DATA/corpus"
run "$SPYTAG" info "$TMP/stem.model"
check "info after train --stem --no-stopwords: stem=yes stopwords=no" \
    all 'status_is 0' 'out_has " stem=yes stopwords=no$"'
run "$SPYTAG" train -q -j 1 -o "$TMP/j1.model" "$DATA/corpus"
run "$SPYTAG" train -q -j 3 -o "$TMP/j3.model" "$DATA/corpus"
check "train -j 1 and -j 3: byte-identical models" \
    all 'status_is 0' 'cmp -s "$TMP/j1.model" "$TMP/j3.model"' 'cmp -s "$M" "$TMP/j3.model"'
bad_usage "train -j 0" "invalid --jobs '0'" train -j 0 "$DATA/corpus"
run "$SPYTAG" train -q --solver liblinear -o "$TMP/ll.model" "$DATA/corpus"
check "train --solver liblinear" all 'status_is 0' 'test -s "$TMP/ll.model"'
run "$SPYTAG" train -q --solver liblinear --tune-method loo -o "$TMP/x.model" "$DATA/corpus"
check "train --tune-method loo with liblinear: a usage error that says why" \
    all 'status_is 2' 'err_has_fixed "--tune-method loo needs --solver dcd"' '! test -e "$TMP/x.model"'
run "$SPYTAG" train -q --solver libsvm --nb --no-nb -o "$TMP/x.model" "$DATA/corpus"
check "train --solver libsvm --nb --no-nb: the last one counts" \
    all 'status_is 0' 'test -s "$TMP/x.model"'
rm -f "$TMP/x.model"
run "$SPYTAG" train -q --tune-method loo -o "$TMP/loo.model" "$DATA/corpus"
check "train --tune-method loo: a model, other than the folds one" \
    all 'status_is 0' 'test -s "$TMP/loo.model"' '! cmp -s "$M" "$TMP/loo.model"'
run "$SPYTAG" info "$TMP/loo.model"
check "info names the tuning method" all 'status_is 0' 'out_has "tune-method=loo"'
# (--min-df 1: in these four documents no word is in two of them)
run "$SPYTAG" train -q --min-df 1 -o "$TMP/j.model" "$DATA/labelled.jsonl"
check "train on a .jsonl corpus" all 'status_is 0' 'test -s "$TMP/j.model"'
run "$SPYTAG" train -o "$TMP/x.model" "$TMP/no-such-corpus"
check "train on a missing corpus: exit 3, path on stderr" \
    all 'status_is 3' 'out_empty' "err_has_fixed \"$TMP/no-such-corpus\"" '! test -e "$TMP/x.model"'
mkdir -p "$TMP/broken/docs"
echo "some words" >"$TMP/broken/docs/a.txt"
printf 'docs/a.txt\tgood\ndocs/a.txt bad line without tab\n' >"$TMP/broken/labels.tsv"
run "$SPYTAG" train -o "$TMP/x.model" "$TMP/broken"
check "train on a malformed labels.tsv: exit 3, FILE:LINE on stderr" \
    all 'status_is 3' "err_has_fixed \"$TMP/broken/labels.tsv:2:\""
run "$SPYTAG" train -o "$TMP/no/such/dir/m.model" "$DATA/corpus"
check "train -o into a missing folder: exit 3, path on stderr" \
    all 'status_is 3' "err_has_fixed \"$TMP/no/such/dir/m.model\""

# ---- classify ----------------------------------------------------------------

T=$DATA/testset/docs
run "$SPYTAG" classify -m "$M" "$T/t1.txt"
check "classify a file: name, tags, scores of every topic" \
    all 'status_is 0' 'err_empty' 'out_lines 1' \
    "col_is 1 '$T/t1.txt'" 'col_is 2 astronomy' \
    'out_has "	astronomy=0\.[0-9]\{4\} [a-z]*=0\.[0-9]\{4\} [a-z]*=0\.[0-9]\{4\}$"'
run "$SPYTAG" classify -m "$M" "$T"
check "classify a folder: every file in sorted order, exact tags" \
    all 'status_is 0' 'err_empty' \
    "col_is 1 '$T/t1.txt;$T/t2.txt;$T/t3.txt;$T/t4.txt;$T/t5.txt;$T/t6.txt'" \
    "col_is 2 'astronomy;baking;sailing;;astronomy,sailing;baking'"
mkdir -p "$TMP/tree/b" "$TMP/tree/.hid"
echo "The yacht crew trimmed the sails." >"$TMP/tree/c.txt"
echo "Bread dough in the oven." >"$TMP/tree/b/1.txt"
echo "The telescope at the observatory." >"$TMP/tree/a.txt"
run "$SPYTAG" classify -m "$M" --no-scores "$TMP/tree"
check "classify walks folders recursively in sorted order" \
    all 'status_is 0' 'err_empty' "col_is 1 '$TMP/tree/a.txt;$TMP/tree/b/1.txt;$TMP/tree/c.txt'" \
    "col_is 2 'astronomy;baking;sailing'" 'col_is 3 ";;"'
echo "The crew raised the sails and the yacht left the harbour." >"$TMP/stdin.txt"
run_in "$TMP/stdin.txt" "$SPYTAG" classify -m "$M"
check "classify standard input (no INPUT)" \
    all 'status_is 0' 'col_is 1 -' 'col_is 2 sailing'
run_in "$TMP/stdin.txt" "$SPYTAG" classify -m "$M" - "$T/t2.txt"
check "classify '-' among files, in order" \
    all 'status_is 0' "col_is 1 '-;$T/t2.txt'" "col_is 2 'sailing;baking'"
run "$SPYTAG" classify -m "$M" "$DATA/classify.jsonl"
check "classify a .jsonl file: ids, blank line skipped" \
    all 'status_is 0' 'err_empty' "col_is 1 'j1;j2;j3'" "col_is 2 'astronomy;baking;sailing'"
run "$SPYTAG" classify -m "$M" "$DATA/tricky-utf8.txt"
check "classify a file with invalid UTF-8" \
    all 'status_is 0' 'err_empty' 'col_is 2 astronomy'
run "$SPYTAG" classify -m "$M" --top 1 "$T/t5.txt"
check "classify --top 1 keeps the best tag" all 'status_is 0' 'col_is 2 astronomy'
run "$SPYTAG" classify -m "$M" --min-score 0.999 "$T/t5.txt"
check "classify --min-score 0.999 drops the tags" all 'status_is 0' 'col_is 2 ""'
# (a mutation test found that --explain=0 taken as valid passed every test)
bad_usage "classify --explain=0" "invalid --explain '0'" classify --explain=0
# --min-score 0 is a score every topic reaches: all are assigned (a
# mutation test found that taking 0 for "not given" passed every test)
run "$SPYTAG" classify -m "$M" --min-score 0 --no-scores "$T/t5.txt"
check "classify --min-score 0 assigns every topic" all 'status_is 0' \
    '[ "$(cut -f 2 "$OUT" | tr , "\\n" | sort | paste -s -d , -)" = astronomy,baking,sailing ]'
run "$SPYTAG" classify -m "$M" --explain=2 "$T/t1.txt"
check "classify --explain: a column of topic:term=weight" \
    all 'status_is 0' 'out_has "	astronomy:[a-z_]*=[0-9.]*,[a-z_]*=[0-9.]*$"'
# FIXED BUG: a word pair was written "trade secrets" in the TSV explain
# column, whose topics are separated by spaces, so the column could not
# be split; pairs are now "trade_secrets".
if true; then   # regression test (fixed)
    printf 'The telecom operator said trade secrets were stolen by a competitor over the 5G network of Huawei.\n' >"$TMP/pairs.txt"
    run "$SPYTAG" classify -m "$SHIPPED" --explain=4 "$TMP/pairs.txt"
    check "regression: --explain TSV: space-separated topic groups, pairs joined by _" \
        all 'status_is 0' 'out_has "_"' \
        '[ -z "$(cut -f 4 "$OUT" | tr " " "\n" | grep -v -E "^[a-z0-9-]+:[a-z0-9_]+=[0-9.]+(,[a-z0-9_]+=[0-9.]+)*$")" ]' \
        '[ "$(cut -f 2 "$OUT" | tr , "\n" | sort)" = "$(cut -f 4 "$OUT" | tr " " "\n" | cut -d: -f1 | sort)" ]'
fi
# FIXED BUG: --min-score on a multi-class model only filtered its one best
# topic, while the help says it assigns every topic scoring at least X.
if true; then   # regression test (fixed)
    run "$SPYTAG" train -q --multi-class -o "$TMP/mc.model" "$DATA/corpus"
    run "$SPYTAG" classify -m "$TMP/mc.model" "$T/t5.txt"
    check "a multi-class model assigns its best topic" all 'status_is 0' 'col_is 2 astronomy'
    run "$SPYTAG" classify -m "$TMP/mc.model" --min-score 0.5 "$T/t5.txt"
    check "regression: --min-score on a multi-class model assigns every topic reaching it" \
        all 'status_is 0' 'col_is 2 astronomy,sailing'
    run "$SPYTAG" classify -m "$TMP/mc.model" --min-score 0.5 --top 1 "$T/t5.txt"
    check "--min-score with --top 1 on a multi-class model: the best topic" \
        all 'status_is 0' 'col_is 2 astronomy'
fi

run "$SPYTAG" classify -m "$M" --format json "$T"
check "classify --format json: id, labels, scores for each file" \
    all 'status_is 0' 'out_lines 6' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r[\"id\"].rsplit(\"/\", 1)[1] for r in rows] == [\"t%d.txt\" % i for i in range(1, 7)]
assert [r[\"labels\"] for r in rows] == [[\"astronomy\"], [\"baking\"], [\"sailing\"], [], [\"astronomy\", \"sailing\"], [\"baking\"]]
for r in rows:
    assert sorted(r[\"scores\"]) == [\"astronomy\", \"baking\", \"sailing\"]
    assert all(0 <= v <= 1 for v in r[\"scores\"].values())
    assert all(r[\"scores\"][t] > 0.5 for t in r[\"labels\"])
'"
run_in "$DATA/classify.jsonl" "$SPYTAG" classify -m "$M" --jsonl
check "--jsonl: a stream filter keeping other fields, dropping text" \
    all 'status_is 0' 'err_empty' 'out_lines 3' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r[\"id\"] for r in rows] == [\"j1\", \"j2\", \"j3\"]
assert [r[\"url\"] for r in rows] == [\"https://example.org/sky\", \"https://example.org/bread\", \"https://example.org/boat\"]
assert [r[\"labels\"] for r in rows] == [[\"astronomy\"], [\"baking\"], [\"sailing\"]]
assert all(\"text\" not in r and len(r[\"scores\"]) == 3 for r in rows)
'"
# --jsonl is a filter: each answer is out before the next line comes in,
# with one thread and with a pool (a FIFO stands for a slow pipe).
wait_lines() {          # wait_lines N: up to 60 s for N lines on stdout
    local i
    for i in $(seq 600); do
        [ "$(wc -l <"$OUT")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# (a line, then a blank line; the next line in two parts, the first
# ending mid-line: no answer may wait for what has not come)
for j in 1 2 3; do
    fifo=$TMP/in.fifo
    rm -f "$fifo"
    mkfifo "$fifo"
    "$SPYTAG" classify -m "$M" -j "$j" --jsonl <"$fifo" >"$OUT" 2>"$ERR" &
    pid=$!
    exec 3>"$fifo"
    printf '%s\n\n' '{"id": "s1", "text": "telescope and comet"}' >&3
    wait_lines 1
    first=$?
    printf '%s\n%s' '{"id": "s2", "text": "oven and dough"}' '{"id": "s3", "te' >&3
    wait_lines 2
    second=$?
    printf '%s\n' 'xt": "sails and wind"}' >&3
    wait_lines 3
    third=$?
    exec 3>&-
    wait "$pid"
    rc=$?
    check "--jsonl -j $j: each answer is written before the next line comes" \
        all 'status_is 0' '[ "$first" -eq 0 ]' '[ "$second" -eq 0 ]' \
        '[ "$third" -eq 0 ]' 'out_lines 3' 'out_has "\"id\": \"s3\""'
done
run "$SPYTAG" classify -m "$M" "$DATA/bad.jsonl"
check "a bad JSON line: FILE:LINE on stderr, exit 1, the others tagged" \
    all 'status_is 1' "err_has_fixed \"$DATA/bad.jsonl:2:\"" 'err_has "1 input failed"' \
    "col_is 1 'g1;g3'" "col_is 2 'astronomy;sailing'"
run_in "$DATA/bad.jsonl" "$SPYTAG" classify -m "$M" --jsonl
check "--jsonl with a bad line: an error line in its place, exit 1" \
    all 'status_is 1' 'out_lines 3' 'err_has_fixed "-:2:"' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r.get(\"id\") for r in rows][::2] == [\"g1\", \"g3\"]
assert rows[1].get(\"id\") in (\"g2\", \"-:2\")
assert \"error\" in rows[1] and \"labels\" not in rows[1]
assert rows[0][\"labels\"] == [\"astronomy\"] and rows[2][\"labels\"] == [\"sailing\"]
assert rows[0][\"url\"] == \"u1\" and \"error\" not in rows[0]
'"
# tests/data/tricky.jsonl: escapes, surrogate pairs, nested members, an
# integer id, blanks around the object, and 16 malformed lines (lone
# surrogate, duplicate key, trailing characters, not an object, no text,
# text null, cut short, trailing comma, single quotes, bad escape, raw TAB,
# duplicate id, bad numbers and literals)
run_in "$DATA/tricky.jsonl" "$SPYTAG" classify -m "$M" --jsonl
check "--jsonl on tricky JSON: one valid output line per input line" \
    all 'status_is 1' 'out_lines 23' 'err_has "^spytag: -:3: "' \
    'err_has "16 inputs failed; 7 documents tagged"' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
good = {0: \"astronomy\", 1: \"astronomy\", 6: \"baking\", 7: \"sailing\", 8: \"astronomy\", 11: \"baking\", 22: \"baking\"}
for i, r in enumerate(rows):
    if i in good:
        assert r[\"labels\"] == [good[i]] and \"error\" not in r, i
    else:
        assert \"error\" in r and \"labels\" not in r, i
    assert \"text\" not in r, i
assert rows[6][\"meta\"] == {\"a\": [1, 2, {\"b\": None}], \"s\": \"x\\ty\"}
assert rows[6][\"n\"] == -1500 and rows[6][\"t\"] is True
assert rows[7][\"id\"] in (8, \"8\") and rows[11][\"id\"] == \"a\\\"b\\\\c\\u00e9\"
assert rows[22][\"x\"] == [] and rows[22][\"y\"] == {}
'"
run "$SPYTAG" classify -m "$M" "$DATA/tricky.jsonl"
check "tricky JSON as a .jsonl file: the good lines, ids escaped for TSV" \
    all 'status_is 1' "col_is 1 'e1;e2;e7;8;e10;a\"b\\\\cé;e24'" \
    "col_is 2 'astronomy;astronomy;baking;sailing;astronomy;baking;baking'"
# '\/' is a JSON escape of '/' (some encoders write every slash so), and
# a backslash inside an answer's string is written '\\'.  (A mutation test
# found that the reader could refuse '\/', and the writer pass a backslash
# that follows other characters as it is, with every test passing.)
printf '{"id":"s\\/1","text":"bread\\/dough in the oven"}\n' >"$TMP/slash.jsonl"
run_in "$TMP/slash.jsonl" "$SPYTAG" classify -m "$M" --jsonl
check "--jsonl: '\\/' is read as a slash" all 'status_is 0' 'err_empty' "json_ok '
import json, sys
r = json.loads(sys.stdin.read())
assert r[\"id\"] == \"s/1\" and r[\"labels\"] == [\"baking\"], r
'"
# input members named as the answer's fields are dropped, each of them, so
# that no key is written twice (a mutation test found that passing
# "explain" through passed every test)
printf '{"id":"r","text":"telescope galaxy planet stars","labels":"in","scores":"in","explain":"in","error":"in","src":1}\n' >"$TMP/reserved.jsonl"
run_in "$TMP/reserved.jsonl" "$SPYTAG" classify -m "$M" --jsonl --explain=1
check "--jsonl: labels, scores, explain and error in the input are dropped" \
    all 'status_is 0' "json_ok '
import json, sys
def once(pairs):
    keys = [k for k, v in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)
r = json.loads(sys.stdin.read(), object_pairs_hook=once)
assert r[\"src\"] == 1 and r[\"labels\"] == [\"astronomy\"], r
assert \"error\" not in r and \"in\" not in r.values(), r
assert set(r[\"explain\"]) == {\"astronomy\"}, r
'"
# a surrogate pair in a JSON string is the one character it encodes (a
# mutation test found that decoding it as U+F600 passed every test)
printf '{"id":"x\\ud83d\\ude00","text":"telescope galaxy"}\n' >"$TMP/astral.jsonl"
run_in "$TMP/astral.jsonl" "$SPYTAG" classify -m "$M" --jsonl -f tsv --no-scores
check "--jsonl: a surrogate pair is decoded (U+1F600)" \
    all 'status_is 0' "col_is 1 'x😀'"
mkdir "$TMP/backslash"
printf 'Knead the dough and bake the bread.\n' >"$TMP/backslash/a\\b\\q.txt"
export BS_DIR="$TMP/backslash"
run "$SPYTAG" classify -m "$M" -f json "$BS_DIR"
check "-f json: backslashes inside a name are escaped" all 'status_is 0' \
    'out_lines 1' "json_ok '
import json, os, sys
r = json.loads(sys.stdin.read())
d = os.environ[\"BS_DIR\"]
assert r[\"id\"] == os.path.join(d, os.listdir(d)[0]), r[\"id\"]
assert r[\"labels\"] == [\"baking\"], r
'"
# FIXED BUG: the program's JSON reader (src/jsonline.c, jl_key_is and the
# duplicate check) compares member names as raw bytes, so "t\u0065xt" is
# not taken for "text" (RFC 8259: it is the same name; the library's
# jansson-based corpus loader agrees): the line fails with 'missing
# "text"' and the text is passed through.
if true; then   # regression test (fixed)
    printf '{"id": "k1", "t\\u0065xt": "telescope observatory astronomers"}\n' >"$TMP/esc.jsonl"
    run_in "$TMP/esc.jsonl" "$SPYTAG" classify -m "$M" --jsonl
    check "regression: --jsonl, an escaped member name \"t\\u0065xt\" is \"text\"" \
        all 'status_is 0' "json_ok '
import json, sys
r = json.loads(sys.stdin.read())
assert r[\"labels\"] == [\"astronomy\"] and \"text\" not in r
'"
fi
# FIXED BUG: the duplicate check compared member names as raw bytes, so
# a second "te\u0078t" silently replaced "text" (and a second "i\u0064"
# put two ids in the answer); the library's corpus loader refused both.
if true; then   # regression test (fixed)
    printf '%s\n' '{"id": "d1", "text": "telescope", "te\u0078t": "bread oven"}' \
        '{"id": "d2", "i\u0064": "d3", "text": "telescope"}' >"$TMP/dupesc.jsonl"
    run_in "$TMP/dupesc.jsonl" "$SPYTAG" classify -m "$M" --jsonl
    check "regression: --jsonl, a key repeated with an escape is a duplicate key" \
        all 'status_is 1' 'out_lines 2' 'err_has_fixed "-:1: invalid JSON at column 60: duplicate key"' \
        'err_has_fixed "-:2: invalid JSON at column 29: duplicate key"' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r[\"id\"] for r in rows] == [\"d1\", \"d2\"], rows
assert all(\"duplicate key\" in r[\"error\"] and \"labels\" not in r for r in rows)
'"
fi
# FIXED BUG: a "text" key whose first letter was escaped ("\u0074ext")
# was not taken for the text (the reader looked at the raw first byte):
# 'must be a string'; and a NUL in a key ("k\u0000") was taken, which the
# library's loader (jansson) refuses.
if true; then   # regression test (fixed)
    printf '%s\n' '{"id":"e1","\u0074ext":"telescope observatory astronomers"}' \
        '{"id":"e2","text":"telescope","k\u0000":1}' >"$TMP/esckey.jsonl"
    run_in "$TMP/esckey.jsonl" "$SPYTAG" classify -m "$M" --jsonl
    check "regression: --jsonl, \"\\u0074ext\" is the text; a NUL in a key is refused" \
        all 'status_is 1' 'out_lines 2' 'err_has_fixed "-:2: invalid JSON at column 40: NUL byte in object key not supported"' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows[0][\"labels\"] == [\"astronomy\"] and \"error\" not in rows[0], rows
assert rows[1][\"id\"] == \"e2\" and \"labels\" not in rows[1], rows
'"
fi
# FIXED BUG: a member whose value was cut short by the error ("id":12x,
# "id":007) passed through to the error answer as a whole one, so the
# answer named record 12 or 0 instead of the line.
if true; then   # regression test (fixed)
    printf '%s\n' '{"id":12x,"text":"x"}' '{"id":007,"text":"x"}' \
        '{"url":"u","n":0x1,"id":"k","text":"x"}' >"$TMP/halfnum.jsonl"
    run_in "$TMP/halfnum.jsonl" "$SPYTAG" classify -m "$M" --jsonl
    check "regression: --jsonl, a value cut short by an error does not pass through" \
        all 'status_is 1' 'out_lines 3' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r[\"id\"] for r in rows] == [\"-:1\", \"-:2\", \"-:3\"], rows
assert rows[2][\"url\"] == \"u\" and \"n\" not in rows[2], rows
'"
fi
printf '{"id": "s1", "url": "u", "labels": ["x"]}\n' >"$TMP/notext.jsonl"
run_in "$TMP/notext.jsonl" "$SPYTAG" classify -m "$M" --jsonl
check "--jsonl: a line without text keeps its fields and gets an error" \
    all 'status_is 1' "json_ok '
import json, sys
r = json.loads(sys.stdin.read())
assert r[\"id\"] == \"s1\" and r[\"url\"] == \"u\" and \"text\" in r[\"error\"]
assert \"labels\" not in r
'"
# FIXED BUG: cmd_classify.c read_line() reads with fgets() and measures
# with strlen(), so a line holding a raw NUL byte looks unfinished and the
# next line is appended to it: that next record is lost (no output line,
# so --jsonl output has fewer lines than the input) and later line numbers
# shift.  Expected: line 1 is an error, "b" and "c" are tagged.  Run only
#
if true; then   # regression test (fixed)
    printf '{"id": "a", "text": "x\000y"}\n{"id": "b", "text": "the telescope"}\n{"id": "c", "text": "the oven"}\n' >"$TMP/nul.jsonl"
    run_in "$TMP/nul.jsonl" "$SPYTAG" classify -m "$M" --jsonl
    check "regression: --jsonl, a NUL byte in a line does not swallow the next" \
        all 'status_is 1' 'out_lines 3' 'err_has_fixed "-:1:"' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert \"error\" in rows[0]
assert rows[1][\"id\"] == \"b\" and rows[1][\"labels\"] == [\"astronomy\"]
assert rows[2][\"id\"] == \"c\" and rows[2][\"labels\"] == [\"baking\"]
'"
fi

run "$SPYTAG" classify -m "$M" "$T/t1.txt" "$TMP/missing.txt" "$T/t2.txt"
check "a missing input among good ones: exit 1, the others tagged" \
    all 'status_is 1' "col_is 1 '$T/t1.txt;$T/t2.txt'" \
    "err_has_fixed \"cannot open '$TMP/missing.txt'\"" 'err_has "1 input failed; 2 documents tagged"'
# FIXED BUG: an input missing when the inputs were listed (a missing file,
# a broken link in a folder) was reported at once, before the answers and
# out of input order, and with -f json it got no answer line, while a
# file too large to read got both in its place.
if true; then   # regression test (fixed)
    truncate -s 300M "$TMP/huge.txt"
    mkdir -p "$TMP/linkdir"
    ln -sf "$TMP/no-such-file" "$TMP/linkdir/gone.txt"
    cp "$T/t1.txt" "$TMP/linkdir/z.txt"
    for j in 1 3; do
        run "$SPYTAG" classify -m "$M" -f json -j $j "$TMP/huge.txt" "$TMP/missing.txt" \
            "$T/t1.txt" "$TMP/linkdir"
        cp "$OUT" "$TMP/failed-json.$j"
        cp "$ERR" "$TMP/failed-err.$j"
        check "regression: -f json -j $j, failed inputs answered and reported in input order" \
            all 'status_is 1' 'out_lines 5' "json_ok '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
ids = [r[\"id\"].rsplit(\"/\", 1)[-1] for r in rows]
assert ids == [\"huge.txt\", \"missing.txt\", \"t1.txt\", \"gone.txt\", \"z.txt\"], ids
assert [\"error\" in r for r in rows] == [True, True, False, True, False], rows
assert rows[3][\"error\"].endswith(\"(broken link)\"), rows[3]
'" "[ \"\$(sed -n 's/^spytag: .*\\(huge.txt\\|missing.txt\\|gone.txt\\).*/\\1/p' \"\$ERR\" | paste -s -d ' ' -)\" = 'huge.txt missing.txt gone.txt' ]" \
            'err_has "3 inputs failed; 2 documents tagged"'
    done
    check "regression: failed inputs, -j 1 and -j 3 give the same bytes" \
        all 'cmp -s "$TMP/failed-json.1" "$TMP/failed-json.3"' 'cmp -s "$TMP/failed-err.1" "$TMP/failed-err.3"'
    rm -f "$TMP/huge.txt"
fi

# corrupt models: a flipped byte, an empty file, a missing file
cp "$M" "$TMP/corrupt.model"
printf '\377' | dd of="$TMP/corrupt.model" bs=1 seek=100 conv=notrunc 2>/dev/null
run "$SPYTAG" classify -m "$TMP/corrupt.model" "$T/t1.txt"
check "classify with a corrupt model: exit 3, model named on stderr" \
    all 'status_is 3' 'out_empty' "err_has_fixed \"$TMP/corrupt.model\"" 'err_has checksum'
: >"$TMP/empty.model"
run "$SPYTAG" classify -m "$TMP/empty.model" "$T/t1.txt"
check "classify with an empty model file: exit 3" \
    all 'status_is 3' "err_has_fixed \"$TMP/empty.model\""
run "$SPYTAG" classify -m "$TMP/absent.model" "$T/t1.txt"
check "classify with a missing model: exit 3" \
    all 'status_is 3' "err_has_fixed \"$TMP/absent.model\""
run "$SPYTAG" info "$TMP/corrupt.model"
check "info on a corrupt model: exit 3" all 'status_is 3' 'out_empty'
run "$SPYTAG" eval -m "$TMP/corrupt.model" "$DATA/testset"
check "eval -m with a corrupt model: exit 3" \
    all 'status_is 3' "err_has_fixed \"$TMP/corrupt.model\""

# threads: -j 2 writes the same bytes as -j 1
mkdir -p "$TMP/many"
sentences=(
    "The telescope tracked a comet over the observatory."
    "Knead the dough and bake the bread in the oven."
    "The yacht crew trimmed the sails in the wind."
    "The council will repair the bridge."
    "Sailors steered the boat by the stars in the night sky."
)
for i in $(seq -w 0 49); do
    echo "${sentences[$((10#$i % 5))]} Note $i." >"$TMP/many/doc-$i.txt"
done
"$SPYTAG" classify -m "$M" "$TMP/many" >"$TMP/j1.out" 2>"$TMP/j1.err"
rc=$?
run "$SPYTAG" classify -m "$M" -j 2 "$TMP/many"
check "-j 2 gives the same bytes as -j 1 on 50 files" \
    all 'status_is 0' 'out_lines 50' 'cmp -s "$OUT" "$TMP/j1.out"'
"$SPYTAG" classify -m "$M" --format json "$TMP/many" >"$TMP/j1.json" 2>/dev/null
run "$SPYTAG" classify -m "$M" --format json -j 8 "$TMP/many"
check "-j 8 --format json gives the same bytes as -j 1" \
    all 'status_is 0' 'out_lines 50' 'cmp -s "$OUT" "$TMP/j1.json"'
# failed inputs among the tagged ones: their answers and messages keep
# their places whatever -j
mixed=("$TMP/many" "$TMP/no-such-file" "$DATA/bad.jsonl" "$TMP/many/doc-07.txt")
"$SPYTAG" classify -m "$M" --format json "${mixed[@]}" >"$TMP/mixed1.out" \
    2>"$TMP/mixed1.err"
for j in 2 3; do
    run "$SPYTAG" classify -m "$M" --format json -j "$j" "${mixed[@]}"
    check "-j $j with a missing file and a bad line: the stdout and stderr of -j 1, exit 1" \
        all 'status_is 1' 'out_lines 55' 'cmp -s "$OUT" "$TMP/mixed1.out"' \
        'cmp -s "$ERR" "$TMP/mixed1.err"'
done

# write errors
if [ -w /dev/full ]; then
    "$SPYTAG" classify -m "$M" "$T" >/dev/full 2>"$ERR"
    rc=$?
    check "classify > /dev/full: non-zero exit and a message" \
        all '[ "$rc" -ne 0 ]' 'err_has "error writing"'
    "$SPYTAG" classify -m "$M" -j 2 "$TMP/many" >/dev/full 2>"$ERR"
    rc=$?
    check "classify -j 2 > /dev/full: exit 3 and one message" \
        all '[ "$rc" -eq 3 ]' 'err_has "error writing"' \
        '[ "$(grep -c "error writing" "$ERR")" -eq 1 ]'
    "$SPYTAG" --help >/dev/full 2>"$ERR"
    rc=$?
    check "--help > /dev/full: non-zero exit and a message" \
        all '[ "$rc" -ne 0 ]' 'err_has "error writing"'
    "$SPYTAG" info "$M" >/dev/full 2>"$ERR"
    rc=$?
    check "info > /dev/full: non-zero exit" all '[ "$rc" -ne 0 ]' 'err_has "error writing"'
fi

# ---- eval -------------------------------------------------------------------

run "$SPYTAG" eval -k 3 "$DATA/corpus"
check "eval -k 3: cross-validation report" \
    all 'status_is 0' 'err_empty' 'out_has "^3-fold cross-validation on .*, 22 documents$"' \
    'out_has "^astronomy  *[0-9.]*  *[0-9.]*  *[0-9.]*  *7$"' \
    'out_has "^baking  *[0-9.]*  *[0-9.]*  *[0-9.]*  *6$"' \
    'out_has "^micro-F1 [0-9.]*  macro-F1 [0-9.]*  false positives [0-9]*  false negatives [0-9]*$"'
run "$SPYTAG" eval -k 3 --format json "$DATA/corpus"
check "eval -k 3 --format json: counts add up" \
    all 'status_is 0' "json_ok '
import json, sys
r = json.loads(sys.stdin.read())
assert r[\"mode\"] == \"cross-validation\" and r[\"documents\"] == 22
assert [t[\"topic\"] for t in r[\"topics\"]] == [\"astronomy\", \"baking\", \"sailing\"]
assert [t[\"support\"] for t in r[\"topics\"]] == [7, 6, 7]
assert all(t[\"tp\"] + t[\"fn\"] == t[\"support\"] for t in r[\"topics\"])
assert r[\"micro_f1\"] >= 0.8
'"
# a topic of the test set that the model does not know is a row of its
# own, missed every time, and counted in the figures (a mutation test found
# that leaving it out passed every test)
printf '%s\n' '{"text":"telescope galaxy planet stars","labels":["astronomy"]}' \
    '{"text":"knead dough bread oven","labels":["baking","sports"]}' \
    '{"text":"the match ended in a draw","labels":["sports"]}' \
    >"$TMP/unknown-topic.jsonl"
run "$SPYTAG" eval -m "$M" "$TMP/unknown-topic.jsonl"
check "eval -m: a test-set topic unknown to the model is a row, missed, counted" \
    all 'status_is 0' \
    "err_has_fixed \"topic 'sports' of the test set is unknown to the model\"" \
    'out_has "^sports  *0\.000  *0\.000  *0\.000  *2$"' \
    'out_has "^micro-F1 0\.6667  macro-F1 0\.5000  false positives 0  false negatives 2$"'
run "$SPYTAG" eval -m "$M" "$DATA/testset"
check "eval -m on a test set: text report" \
    all 'status_is 0' "out_has_fixed \"model $M on $DATA/testset, 6 documents\"" \
    'out_has "^sailing  *[0-9.]*  *[0-9.]*  *[0-9.]*  *2$"' 'out_has "^micro-F1 1.0000  macro-F1 1.0000"'
run "$SPYTAG" eval -m "$M" --format json "$DATA/testset"
check "eval -m --format json" \
    all 'status_is 0' "json_ok '
import json, sys
r = json.loads(sys.stdin.read())
assert r[\"mode\"] == \"test\" and r[\"documents\"] == 6
assert [(t[\"topic\"], t[\"support\"], t[\"tp\"], t[\"fp\"]) for t in r[\"topics\"]] == [(\"astronomy\", 2, 2, 0), (\"baking\", 2, 2, 0), (\"sailing\", 2, 2, 0)]
assert r[\"micro_f1\"] == 1.0 and r[\"false_negatives\"] == 0
'"
run "$SPYTAG" eval -k 30 "$DATA/corpus"
check "eval with more folds than documents: exit 3" \
    all 'status_is 3' 'err_has "cannot fill 30 folds"'
# FIXED BUG: a plain file named as the corpus (its labels.tsv) only got
# "invalid JSON at column N", which did not say what a corpus is
run "$SPYTAG" eval -m "$M" "$DATA/corpus/labels.tsv"
check "regression: eval on a labels.tsv file: says what a corpus is" \
    all 'status_is 3' 'out_empty' 'err_has_fixed "labels.tsv:1: invalid JSON"' \
    'err_has_fixed "(a corpus is a folder, or a JSON Lines file"'
run "$SPYTAG" eval -m "$M" -f json "$DATA/testset"
check "eval -f json: the short form of --format" \
    all 'status_is 0' 'out_has "^{\"mode\": \"test\""'
# FIXED BUG: an empty test set printed figures of 0 and exited 0
: >"$TMP/empty-test.jsonl"
run "$SPYTAG" eval -m "$M" "$TMP/empty-test.jsonl"
check "regression: eval -m on an empty test set: exit 3, named" \
    all 'status_is 3' 'out_empty' \
    "err_has_fixed \"$TMP/empty-test.jsonl: no documents to evaluate\""

# ---- info, SPYTAG_MODEL, the shipped model ---------------------------------

run "$SPYTAG" info -n 3 "$M"
check "info: path, corpus, topics and terms" \
    all 'status_is 0' "out_has_fixed \"model:       $M\"" \
    'out_has "^corpus: .*tests/data/corpus (22 documents)$"' 'out_has "^topics:      3$"' \
    'out_has "^astronomy (7 training documents, threshold -*[0-9.]* on the decision value, score 0\.[0-9]*)$"' \
    'out_has "^kind:        multi-label"' 'out_has "tune-method=folds"'
check "info -n 3: three terms per topic" \
    [ "$(grep -c '^  *[0-9.-][0-9.-]*  [a-z ]*$' "$OUT")" -eq 9 ]
# info and --explain list the terms that speak for a topic: positive
# weights and contributions only, even when more are asked for than there
# are.  (A mutation test found that listing negative ones passed every test.)
run "$SPYTAG" info -n 100 "$M"
check "info -n 100: positive weights only" all 'status_is 0' 'info_positive'
printf 'The telescope crew baked bread on the yacht at night under the stars\n' >"$TMP/mix.txt"
run "$SPYTAG" classify -m "$M" --explain=50 "$TMP/mix.txt"
check "classify --explain=50: positive contributions only" \
    all 'status_is 0' 'col_is 2 astronomy,sailing' 'explain_positive'
# FIXED BUG: info showed an unused threshold of 0.000 for each topic of a
# multi-class model, tune-method=folds where no tuning was done, and C as
# %g (0.123457 for 0.123456789)
printf '{"text":"oven bread flour crust","labels":["baking"]}\n{"text":"keel mast harbour sails","labels":["sailing"]}\n' >"$TMP/mc.jsonl"
"$SPYTAG" train -q --min-df 1 -C 0.123456789 --tune-folds 0 -o "$TMP/mc.model" "$TMP/mc.jsonl"
run "$SPYTAG" info -n 1 "$TMP/mc.model"
check "regression: info on a multi-class model: no threshold; tune-method=none; C exact" \
    all 'status_is 0' 'out_has "^baking (1 training document)$"' \
    'out_has " C=0.123456789 "' 'out_has "tune-folds=0 tune-method=none "' \
    '! out_has threshold'
SPYTAG_MODEL=$M run "$SPYTAG" info
check "SPYTAG_MODEL chooses the model of info" \
    all 'status_is 0' "out_has_fixed \"model:       $M\""
SPYTAG_MODEL=$M run "$SPYTAG" classify "$T/t3.txt"
check "SPYTAG_MODEL chooses the model of classify" all 'status_is 0' 'col_is 2 sailing'
SPYTAG_MODEL=$TMP/absent.model run "$SPYTAG" classify "$T/t3.txt"
check "a missing SPYTAG_MODEL: exit 3, named on stderr" \
    all 'status_is 3' "err_has_fixed \"$TMP/absent.model\""
SPYTAG_MODEL=$TMP/absent.model run "$SPYTAG" classify -m "$M" "$T/t3.txt"
check "-m wins over SPYTAG_MODEL" all 'status_is 0' 'col_is 2 sailing'
run "$SPYTAG" info
check "without -m: the shipped model of the source tree" \
    all 'status_is 0' '[ "$(sed -n "s/^model:  *//p" "$OUT")" -ef "$SHIPPED" ]'
"$SPYTAG" classify -m "$SHIPPED" "$T/t1.txt" >"$TMP/shipped.out" 2>/dev/null
run "$SPYTAG" classify "$T/t1.txt"
check "classify without -m tags with the shipped model" \
    all 'status_is 0' 'cmp -s "$OUT" "$TMP/shipped.out"' "col_is 1 '$T/t1.txt'" \
    '! out_has "astronomy="'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
