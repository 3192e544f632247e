#!/bin/bash
# nightly.sh - the README's nightly script ("Nightly, with cron or a
# systemd timer"), taken from README.md as it is written there, with its
# folder and PATH pointed at a temporary folder and this build: a good run
# publishes the answers; a run with a bad line publishes them and exits 1;
# a missing input and a missing model exit 3 and keep yesterday's file; a
# job stopped by SIGTERM exits 3, keeps yesterday's file and leaves no
# temporary file.  Run by `make check` (which sets top_srcdir and
# top_builddir).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spytag-nightly.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {   # description, command...
    local d=$1; shift
    if "$@"; then pass=$((pass + 1)); echo "ok - $d"; return 0; fi
    fail=$((fail + 1)); echo "not ok - $d"; return 1
}

news=$tmp/news
mkdir -p "$news"
awk '/^# \/usr\/local\/bin\/spytag-nightly/ { f = 1; print "#!/bin/sh" }
     f { print } f && /^exit "\$rc"/ { exit }' "$top_srcdir/README.md" |
    sed -e "s|^dir=/srv/news\$|dir=$news|" \
        -e "s|^PATH=.*|PATH=$top_builddir/src:/usr/bin:/bin|" >"$tmp/nightly"
check "the README holds the script, and its folder and PATH were replaced" \
    grep -q -x -F "dir=$news" "$tmp/nightly"
tail -n 1 "$tmp/nightly" | grep -q -x 'exit "$rc"' ||
    check "the script ends with its exit line" false

cp "$top_srcdir/models/spytag.model" "$news/spytag.model"
data=$top_srcdir/tests/data
nonblank() { grep -c -v -e '^[[:space:]]*$' "$1"; }
list() { (cd "$news" && ls -A); }

sh "$tmp/nightly" 2>"$tmp/err"
check "no input: exit 3, says so, publishes nothing" \
    test $? -eq 3 -a "$(list)" = spytag.model
grep -q 'cannot read' "$tmp/err" || check "no input: the message" false

cp "$data/classify.jsonl" "$news/incoming.jsonl"
sh "$tmp/nightly" 2>"$tmp/err"
check "a good run: exit 0, one answer per line" \
    test $? -eq 0 -a "$(wc -l <"$news/tagged.jsonl")" -eq "$(nonblank "$news/incoming.jsonl")"
cp "$news/tagged.jsonl" "$tmp/yesterday"

cp "$data/bad.jsonl" "$news/incoming.jsonl"
sh "$tmp/nightly" 2>"$tmp/err"
check "a bad line: exit 1, published with an error answer in its place" \
    test $? -eq 1 -a "$(wc -l <"$news/tagged.jsonl")" -eq "$(nonblank "$news/incoming.jsonl")"
grep -q '"error"' "$news/tagged.jsonl" || check "a bad line: the error answer" false
cp "$news/tagged.jsonl" "$tmp/yesterday"

mv "$news/spytag.model" "$tmp/model"
sh "$tmp/nightly" 2>"$tmp/err"
check "no model: exit 3, yesterday's file kept, no temporary file" \
    test $? -eq 3 -a "$(list)" = "incoming.jsonl
tagged.jsonl"
cmp -s "$tmp/yesterday" "$news/tagged.jsonl" || check "no model: kept byte for byte" false
mv "$tmp/model" "$news/spytag.model"

# a long input, and SIGTERM while spytag runs
for i in $(seq 8); do cat "$data/classify.jsonl"; done >"$tmp/8"
for i in $(seq 15); do cat "$tmp/8" "$tmp/8" "$tmp/8" "$tmp/8"; done >"$tmp/480"
for i in $(seq 1000); do cat "$tmp/480"; done >"$news/incoming.jsonl"
# (in a process group of its own, stopped as systemd stops a unit: every
# process of it gets the signal)
setsid sh "$tmp/nightly" 2>"$tmp/err" &
pid=$!
sleep 0.3
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
wait "$pid"
rc=$?
sleep 0.5
check "stopped by SIGTERM: exit 3, yesterday's file kept, no temporary file ($rc)" \
    test $rc -eq 3 -a "$(list)" = "incoming.jsonl
spytag.model
tagged.jsonl"
cmp -s "$tmp/yesterday" "$news/tagged.jsonl" || check "stopped: kept byte for byte" false

echo "$pass passed, $fail failed"
test "$fail" -eq 0
