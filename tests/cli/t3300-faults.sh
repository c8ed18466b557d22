#!/bin/sh
test_description='a run stopped at a write: nothing lost, nothing reported that was not done, deliveries kept'
. "$(dirname "$0")/test-lib.sh"

CHECK=$TEST_SRCDIR/tests/cli/lib/trust_check.py
DELIVER=$TEST_SRCDIR/tests/cli/lib/deliver.py
BASIC=$FIXTURES/basic/list.mbox

[ -f "${FAULT_LIB:-}" ] ||
	test_skip_all "the fault injector (tests/fault/libfault.so) is not built: run make check"

verify_json() {  # RUN PATH... (the report in report.json)
	_run=$1; shift
	"$LISTSCRUB" verify --manifest "$_run" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" --format json "$@" >report.json
}
status() {  # CHECK: its status in report.json
	python3 -c '
import json, sys
checks = [json.loads(l) for l in open("report.json")][1:-1]
print([c["status"] for c in checks if c["check"] == sys.argv[1]][0])
' "$1"
}
no_temps() {
	! ls -a "$@" | grep -q "listscrub-"
}

# The basic list twice, each ending with an empty line (deliveries append).
two_boxes() {
	rm -rf two m && mkdir two &&
	{ cat "$BASIC"; echo; } >two/a.mbox &&
	cp two/a.mbox two/b.mbox &&
	cp two/a.mbox a.orig && cp two/b.mbox b.orig
}

test_expect_success 'a failed write of the second mailbox changes nothing: not the first, no manifest' '
	two_boxes &&
	expect_status 2 with_fault write:.b.mbox.listscrub-:1 \
		"$LISTSCRUB" purge --message-id move-4@example.net $(own_run m) two >out 2>err &&
	grep -q "stopped before changing anything" err &&
	cmp a.orig two/a.mbox && cmp b.orig two/b.mbox &&
	no_temps two && ! test -e m/0001
'

test_expect_success 'a redaction in the second mailbox that fails changes nothing in the first' '
	two_boxes &&
	expect_status 2 with_fault write:.b.mbox.listscrub-:2 \
		"$LISTSCRUB" purge --address petra.vos@example.com $(own_run m) two >out 2>err &&
	cmp a.orig two/a.mbox && cmp b.orig two/b.mbox &&
	no_temps two && ! test -e m/0001
'

test_expect_success 'a new copy that reads back wrong is never committed' '
	two_boxes &&
	expect_status 2 with_fault write:.a.mbox.listscrub-:1:flip=100 \
		"$LISTSCRUB" purge --message-id move-4@example.net $(own_run m) two >out 2>err &&
	grep -q "message [0-9]* of the new copy of .two/a.mbox. is not the one expected" err &&
	expect_status 2 with_fault write:.a.mbox.listscrub-:1:flip \
		"$LISTSCRUB" purge --message-id move-4@example.net $(own_run m) two >out 2>err &&
	grep -q "the new copy of .two/a.mbox. is not an mbox" err &&
	cmp a.orig two/a.mbox && cmp b.orig two/b.mbox &&
	no_temps two && ! test -e m/0001
'

test_expect_success 'a .gz whose new copy reads back wrong is never committed' '
	rm -rf gz && mkdir gz && gzip -c "$BASIC" >gz/list.mbox.gz && cp gz/list.mbox.gz gz.orig &&
	expect_status 2 with_fault write:.list.mbox.gz.listscrub-:1:flip \
		"$LISTSCRUB" purge --message-id move-4@example.net $(own_run m) gz >out 2>err &&
	cmp gz.orig gz/list.mbox.gz && no_temps gz
'

# The new copy is hashed as it is written, not read and split again; the
# read-back must still see a bit flipped in any write: a redacted
# message's new bytes, or a later piece of a long run of kept messages.
test_expect_success 'a bit flipped in a redacted message or a later write is never committed' '
	two_boxes &&
	for n in 1 2 3; do
		expect_status 2 with_fault write:.a.mbox.listscrub-:$n:flip=40 \
			"$LISTSCRUB" purge --address petra.vos@example.com $(own_run m) two >out 2>err &&
		grep -q "the new copy of .two/a.mbox. .*nothing was changed" err || exit 1
	done &&
	cmp a.orig two/a.mbox && cmp b.orig two/b.mbox && no_temps two && ! test -e m/0001 &&
	rm -rf big && mkdir big && python3 -c "
import sys
out = sys.stdout
for i in range(1500):
    out.write(\"From f%d@example.org Mon Mar  2 09:00:00 2020\nFrom: f%d@example.org\n\"
              \"Message-ID: <fill-%d@example.org>\nSubject: filler %d\n\n%s\n\n\"
              % (i, i, i, i, (\"line of filler text %d\n\" % i) * 60))
" >big/l.mbox && cp big/l.mbox big.orig &&
	test $(wc -c <big/l.mbox) -gt 2100000 &&
	for n in 2 3; do
		expect_status 2 with_fault write:.l.mbox.listscrub-:$n:flip=4000 \
			"$LISTSCRUB" purge --message-id fill-40@example.org $(own_run mb) big >out 2>err &&
		grep -q "the new copy of .big/l.mbox. .*nothing was changed" err || exit 1
	done &&
	cmp big.orig big/l.mbox && no_temps big && ! test -e mb/0001 &&
	"$LISTSCRUB" purge --message-id fill-40@example.org $(own_run mb) big >out &&
	python3 -c "
import mailbox
ids = [m[\"Message-ID\"] for m in mailbox.mbox(\"big/l.mbox\")]
want = [\"<fill-%d@example.org>\" % i for i in range(1500) if i != 40]
assert ids == want, len(ids)
"
'

test_expect_success 'stopped after the first mailbox: partial, printed and recorded as made; verify fails the run' '
	two_boxes &&
	expect_status 2 with_fault rename:.b.mbox.listscrub-journal:1 \
		"$LISTSCRUB" purge --message-id move-4@example.net $(own_run m) two >out 2>err &&
	grep -q "purge-partial:" err &&
	grep -q "^two/a.mbox:#3 .*state=deleted" out &&
	grep -q "^two/b.mbox:#3 .*state=not-made" out &&
	grep -q "^# 18 messages read; deleted 1 message in 1 mailbox" out &&
	python3 "$CHECK" deleted a.orig two/a.mbox move-4@example.net &&
	cmp b.orig two/b.mbox && no_temps two &&
	grep -q "\"mode\":\"partial\"" m/0001/manifest.jsonl &&
	test "$(grep -c "\"t\":\"act\"" m/0001/manifest.jsonl)" = 1 &&
	expect_status 1 verify_json m/0001 two &&
	test "$(status run)" = FAIL && test "$(status archive)" = OK &&
	test "$(status messages)" = OK && test "$(status gone)" = FAIL
'

test_expect_success 'the same purge again finishes the job, and that run verifies' '
	"$LISTSCRUB" purge --message-id move-4@example.net $(own_run m) two >out &&
	grep -q "^# 17 messages read; deleted 1 message in 1 mailbox" out &&
	python3 "$CHECK" deleted b.orig two/b.mbox move-4@example.net &&
	verify_json m/0002 --prev m/0001 two
'

md_of_basic() {  # DIR: the basic list as a Maildir, one file per message
	rm -rf "$1" && mkdir -p "$1/cur" "$1/new" "$1/tmp" &&
	awk -v d="$1" "/^From [^ ]+ (Mon|Tue|Wed) Mar  [0-9] [0-9:]+ 2020\$/ { if (out) close(out); n++; out = sprintf(\"%s/cur/%03d:2,S\", d, n); next } { print > out }" "$BASIC"
}

test_expect_success 'Maildir: an unlink that fails half-way records exactly what was deleted' '
	md_of_basic md && rm -rf md.orig mm && cp -r md md.orig &&
	expect_status 2 with_fault unlink:md/cur/:3 \
		"$LISTSCRUB" purge --message-id move-1@example.org --thread=whole $(own_run mm) md >out 2>err &&
	test "$(grep -c "state=deleted" out)" = 2 &&
	test "$(grep -c "state=not-made" out)" = 3 &&
	test "$(ls md/cur | wc -l)" = 7 &&
	test "$(grep -c "\"t\":\"act\"" mm/0001/manifest.jsonl)" = 2 &&
	for f in $(ls md/cur); do cmp "md.orig/cur/$f" "md/cur/$f" || exit 1; done &&
	expect_status 1 verify_json mm/0001 md &&
	test "$(status run)" = FAIL && test "$(status archive)" = OK &&
	test "$(status listings)" = OK
'

# A removal whose folder fsync then fails is made: recorded as made, with
# an error that says it may not be durable; the rerun does the rest.
test_expect_success 'Maildir: cur/ fails its fsync after the 2nd removal: 2 made and recorded, the rerun does the rest' '
	md_of_basic md && rm -rf md.orig mm && cp -r md md.orig &&
	sel="--message-id move-1@example.org --message-id move-2@example.net --message-id move-3@example.org" &&
	expect_status 2 with_fault fsync:md/cur:2 \
		"$LISTSCRUB" purge $sel $(own_run mm) md >out 2>err &&
	grep -q "was removed, but .*may not survive a crash" err &&
	test "$(grep -c "state=deleted" out)" = 2 &&
	left=$(grep -c "state=not-made" out) && test $left -gt 0 &&
	test "$(ls md/cur | wc -l)" = $(($(ls md.orig/cur | wc -l) - 2)) &&
	test "$(grep -c "\"t\":\"act\"" mm/0001/manifest.jsonl)" = 2 &&
	"$LISTSCRUB" purge $sel $(own_run mm) md >out 2>err &&
	test "$(grep -c "\"t\":\"act\"" mm/0002/manifest.jsonl)" = $left &&
	test "$(ls md/cur | wc -l)" = $(($(ls md.orig/cur | wc -l) - 2 - left)) &&
	for f in $(ls md/cur); do cmp "md.orig/cur/$f" "md/cur/$f" || exit 1; done &&
	python3 -c "
import mailbox, sys
ids = {m[\"Message-ID\"] for m in mailbox.Maildir(\"md\", create=False)}
sys.exit(1 if ids & {\"<move-%d@example.%s>\" % (i, \"org\" if i % 2 else \"net\") for i in (1, 2, 3)} else 0)
" &&
	"$LISTSCRUB" verify --manifest mm/0002 --prev mm/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" md >/dev/null
'

test_expect_success 'Maildir: a backup in the way stops the run before the first unlink' '
	md_of_basic md && rm -rf md.orig bk mm && cp -r md md.orig &&
	mkdir -p bk/md/cur && echo "another file" >"bk/md/cur/003:2,S" &&
	expect_status 2 "$LISTSCRUB" purge --message-id move-1@example.org --thread=whole \
		--backup-dir bk $(own_run mm) md >out 2>err &&
	grep -q "stopped before changing anything" err &&
	diff -r md.orig md && ! test -e mm/0001
'

# ---- the in-place rewrite: killed at each of its writes ----------------------

big_box() {
	: >big.orig && i=0 &&
	while [ $i -lt 200 ]; do cat "$BASIC" >>big.orig; printf "\n" >>big.orig; i=$((i + 1)); done &&
	cp big.orig expect.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY expect.mbox >/dev/null
}

test_expect_success 'killed at each write of the in-place rewrite: old, new, or a journal the next run finishes' '
	big_box && tried=0 &&
	for op in write:/big.mbox write:.big.mbox.listscrub- ftruncate:big.mbox fsync:big.mbox rename:.big.mbox.listscrub-journal unlink:.big.mbox.listscrub-; do
		cp big.orig big.mbox &&
		n=$(fault_points ${op%%:*} ${op#*:} "$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox) &&
		test "$n" -ge 1 || { echo "no $op point"; exit 1; }
		k=1
		while [ $k -le $n ] && [ $k -le 12 ]; do
			cp big.orig big.mbox && rm -f big.mbox.lock .big.mbox.listscrub-*
			with_fault $op:$k:kill "$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >/dev/null 2>&1
			if cmp -s big.mbox big.orig; then state=old
			elif cmp -s big.mbox expect.mbox; then state=new
			elif test -f .big.mbox.listscrub-journal; then state=journal
			else echo "$op:$k: a mix without a journal"; exit 1; fi
			echo "$op:$k: $state"
			# killed between creating its dotlock and writing its PID
			# in it: a lock nobody can tell stale before it expires
			test -s big.mbox.lock || rm -f big.mbox.lock
			"$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >out 2>err || { cat err; exit 1; }
			if [ $state = journal ]; then grep -q "big.mbox: rewrite-finished:" err || exit 1; fi
			cmp big.mbox expect.mbox || { echo "$op:$k: not finished"; exit 1; }
			no_temps . || { echo "$op:$k: temp left"; exit 1; }
			tried=$((tried + 1)); k=$((k + 1))
		done
	done &&
	echo "$tried kill points" && test $tried -ge 6
'

test_expect_success 'a journal whose file grew since is left alone with a message' '
	cp big.orig big.mbox && rm -f big.mbox.lock &&
	with_fault ftruncate:big.mbox:1:kill "$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >/dev/null 2>&1
	test -f .big.mbox.listscrub-journal &&
	rm -f big.mbox.lock && printf "From x@example.org Sun Nov 29 12:00:00 2026\nMessage-ID: <late@x>\n\nlate\n\n" >>big.mbox &&
	cp big.mbox grown.mbox &&
	expect_status 2 "$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >out 2>err &&
	grep -q "journal" err && cmp big.mbox grown.mbox &&
	rm -f .big.mbox.listscrub-* big.mbox.lock
'

# The journal of a killed rewrite, made to look as version 1 wrote it: a
# whole new copy from byte 0, and no temp_start.  It checks on the way that
# this version's temp holds the new copy from the first change on only.
cat >v1journal.py <<'PY'
f = {}
for line in open(".big.mbox.listscrub-journal").read().splitlines()[1:]:
    k, v = line.split(" ", 1)
    f[k] = v
start = int(f["temp_start"])
tail = open(f["temp"], "rb").read()
assert start > 0 and start == int(f["first"]), f
assert len(tail) == int(f["new_size"]) - start, (len(tail), f)
open(f["temp"], "wb").write(open("big.orig", "rb").read()[:start] + tail)
keys = ("pid", "old_size", "new_size", "first", "new_file", "temp")
open(".big.mbox.listscrub-journal", "w").write(
    "\n".join(["listscrub-journal 1"] + ["%s %s" % (k, f[k]) for k in keys]) + "\n")
PY

test_expect_success 'the temp holds the new copy from the first change on; a version 1 journal (a whole copy) is still finished' '
	cp big.orig big.mbox && rm -f big.mbox.lock .big.mbox.listscrub-* &&
	with_fault ftruncate:big.mbox:1:kill "$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >/dev/null 2>&1
	test -f .big.mbox.listscrub-journal &&
	rm -f big.mbox.lock && python3 v1journal.py &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >out 2>err &&
	grep -q "big.mbox: rewrite-finished:" err &&
	cmp big.mbox expect.mbox && no_temps .
'

# ---- deliveries during a purge -----------------------------------------------

# purge --apply, paused (with its locks held) just before it writes the
# new copy; run "$@" then, and let it go on.
purge_paused() {
	rm -f pause && LISTSCRUB_FAULT_PAUSE=$TRASH/pause; export LISTSCRUB_FAULT_PAUSE
	with_fault open:.big.mbox.listscrub-:1:pause \
		"$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >out 2>err & purge=$!
	i=0; while ! test -f pause && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	test -f pause || { echo "purge never paused"; cat err; return 1; }
	"$@"
	sleep 1     # the deliveries are waiting on the locks now
	rm -f pause
	rc=0; wait $purge || rc=$?
	unset LISTSCRUB_FAULT_PAUSE
	test $rc = 0 || { echo "purge: exit $rc"; cat err; return 1; }
}

postfix_deliveries() {
	for n in 1 2 3 4 5; do python3 "$DELIVER" big.mbox postfix-$n@example.org & done
}

test_expect_success 'deliveries that opened the mbox before its locks (Postfix local order) are all kept' '
	cp big.orig big.mbox &&
	purge_paused postfix_deliveries &&
	wait &&
	python3 "$CHECK" delivered expect.mbox big.mbox \
		postfix-1@example.org postfix-2@example.org postfix-3@example.org \
		postfix-4@example.org postfix-5@example.org
'

procmail_deliveries() {
	printf "LOCKSLEEP=1\n:0:\n%s/big.mbox\n" "$TRASH" >rc && chmod 644 rc &&
	for n in 1 2 3; do
		printf "From procmail-%s@example.org Sun Nov 29 12:00:00 2026\nFrom: p@example.org\nMessage-ID: <procmail-%s@example.org>\n\nhello\n\n" $n $n |
			procmail -m rc &
	done
}

if command -v procmail >/dev/null; then
	test_expect_success 'procmail delivering during a purge: every message kept' '
		cp big.orig big.mbox &&
		purge_paused procmail_deliveries &&
		wait &&
		python3 "$CHECK" delivered expect.mbox big.mbox \
			procmail-1@example.org procmail-2@example.org procmail-3@example.org
	'
else
	test_skip 'procmail delivering during a purge: every message kept' \
		'procmail is not installed (contrib/setup-debian installs it for the tests)'
fi

test_done
