#!/bin/sh
test_description='pipermail trees made as Mailman 2.1 writes them (mkpipermail.py): delete a thread across months, redact an address in every copy, tie pages to messages or refuse'
. "$(dirname "$0")/test-lib.sh"

MKPM=$TEST_SRCDIR/tests/cli/lib/mkpipermail.py
CHECK=$TEST_SRCDIR/tests/cli/lib/pipermail_check.py
RCHECK=$TEST_SRCDIR/tests/cli/lib/pipermail_redact_check.py
L=archives/private/demo-list
THREAD=FC1F7CD5-BB2E-35CB-F0F1-9C557067CBBE@example.org

# A fresh tree in DIR (seed 1: the thread THREAD starts in 2010-October
# and goes on in 2010-November), and a copy of it in DIR.before.
fresh() {
	rm -rf "$1" "$1.before" "$1.m" &&
	python3 "$MKPM" --out "$1" --seed 1 >"$1.json" &&
	cp -a "$1" "$1.before"
}

test_expect_success 'the tree is recognised: each message of a volume text names its page' '
	fresh t &&
	expect_status 1 "$LISTSCRUB" scan --message-id "$THREAD" --thread whole t/$L >out 2>err &&
	grep -q "<$THREAD> page=2010-October/000002.html " out &&
	grep -q "page=2010-November/000005.html " out &&
	grep -q "passed over: 3 links of pipermail volumes" out &&
	! grep -q "not-mail\|symlink-not-followed" err &&
	"$LISTSCRUB" threads --message-id "$THREAD" t/$L >out &&
	grep -q "^<$THREAD> t/$L/2010-October.txt:#2 page=2010-October/000002.html " out
'

test_expect_success 'the plan of a thread across months lists every page, index and database file, and changes nothing' '
	fresh t &&
	"$LISTSCRUB" purge --message-id "$THREAD" --thread whole t/$L >out &&
	grep -q "pipermail tombstone t/$L/2010-October/000002.html planned" out &&
	grep -q "pipermail tombstone t/$L/2010-November/000005.html planned" out &&
	grep -q "pipermail index t/$L/2010-November/thread.html planned entries=2" out &&
	grep -q "pipermail database t/$L/database/2010-October-article planned entries=2" out &&
	grep -q "^# pipermail: would change 25 files: 4 pages replaced by tombstones, 0 pages redacted, 2 neighbour pages, 8 index pages, 10 database files, 1 tables of contents" out &&
	diff -r t.before t
'

test_expect_success 'deleting it: tombstones, neighbours, indexes, database; checked by an independent reader and verify' '
	fresh t &&
	"$LISTSCRUB" purge --message-id "$THREAD" --thread whole $(own_run t.m) t/$L >out &&
	grep -q "^# pipermail: changed 25 files: 4 pages replaced by tombstones" out &&
	! test t/$L/2010-October.txt.gz -ot t/$L/2010-October.txt &&
	! test t/$L/2010-November.txt.gz -ot t/$L/2010-November.txt &&
	printf "%s\n" "$THREAD" 20101027172342.GA13572@laptop.example.org \
		AANLkTi6D1FB6DFBDB0AE0755-281220e0878@mail.gmail.com \
		B9255858-9EAF-F309-CAD6-8386D070C415@example.org >removed &&
	python3 "$CHECK" --before t.before/$L --after t/$L --removed-ids removed &&
	verify_own_run t.m t/$L >v && grep -q "^# verified: every check passed" v &&
	grep -q "^OK           gone" v
'

test_expect_success 'the JSON output gives each file with its role and state, and the manifest a file line with the role' '
	fresh t &&
	"$LISTSCRUB" purge --format json --message-id "$THREAD" --thread whole $(own_run t.m) t/$L >out &&
	grep -q "\"pipermail\":\"tombstone\",\"change\":\"rewrite\",\"state\":\"made\",\"path\":\"t/$L/2010-October/000002.html\"" out &&
	grep -q "\"page\":\"2010-October/000002.html\"" out &&
	grep "\"path\":\"2010-October/000002.html\"" t.m/0001/manifest.jsonl >line &&
	grep -q "\"role\":\"tombstone\"" line && grep -q "\"t\":\"file\"" line &&
	grep -q "\"message\":{\"file\":\"2010-October.txt\(.gz\)\?\",\"index\":2}" line &&
	grep "\"path\":\"database/2010-November-thread\"" t.m/0001/manifest.jsonl | grep -q "\"role\":\"database\""
'

test_expect_success 'a second purge in the same volume ties pages past the tombstones and relinks them' '
	fresh t &&
	"$LISTSCRUB" purge --message-id 20101027172342.GA13572@laptop.example.org --thread none $APPLY t/$L >out &&
	"$LISTSCRUB" purge --message-id 1C6B36D6-F3C9-F0AC-9056-A4AD683CBF72@example.org --thread none $APPLY t/$L >out2 &&
	grep -q "pipermail tombstone t/$L/2010-October/000001.html made" out2 &&
	printf "%s\n" 20101027172342.GA13572@laptop.example.org \
		1C6B36D6-F3C9-F0AC-9056-A4AD683CBF72@example.org >removed &&
	python3 "$CHECK" --before t.before/$L --after t/$L --removed-ids removed
'

test_expect_success 'the tombstone text is the one asked for, HTML-escaped; a control character is refused' '
	fresh t &&
	"$LISTSCRUB" purge --message-id "$THREAD" --thread none --tombstone-text "Removed <at> the author'"'"'s request & ours" $APPLY t/$L >out &&
	grep -q "Removed &lt;at&gt; the author'"'"'s request &amp; ours" t/$L/2010-October/000002.html &&
	expect_status 2 "$LISTSCRUB" purge --message-id "$THREAD" --tombstone-text "$(printf "a\nb")" t/$L
'

test_expect_success 'a page that does not agree with its message stops the plan, naming both; nothing is written' '
	fresh t &&
	sed -i "s|<H1>.*</H1>|<H1>[Demo-list] Something else entirely</H1>|" t/$L/2010-October/000002.html &&
	rm -rf t.edited && cp -a t t.edited &&
	expect_status 2 "$LISTSCRUB" purge --message-id "$THREAD" --thread none $APPLY t/$L >out 2>err &&
	grep -q "2010-October.txt.*message #3 (offset [0-9]*) and its page 2010-October/000002.html do not agree" err &&
	diff -r t.edited t
'

test_expect_success 'a volume with a page more than its text holds messages is refused' '
	fresh t &&
	cp t/$L/2010-October/000003.html t/$L/2010-October/000099.html &&
	rm -rf t.edited && cp -a t t.edited &&
	expect_status 2 "$LISTSCRUB" purge --message-id "$THREAD" --thread none $APPLY t/$L >out 2>err &&
	grep -q "2010-October.txt.* holds 5 messages but 2010-October/ has 6 pages" err &&
	diff -r t.edited t
'

test_expect_success 'one text of a volume alone is refused: the other would keep the message' '
	fresh t &&
	expect_status 2 "$LISTSCRUB" purge --message-id "$THREAD" --thread none $APPLY t/$L/2010-October.txt >out 2>err &&
	grep -q "2010-October.txt.gz: not among the PATHs" err &&
	diff -r t.before t
'

test_expect_success 'redacting an address takes it out of every copy: texts, pages, neighbours, indexes, database' '
	fresh t &&
	"$LISTSCRUB" purge --address alice.moreau@example.org $(own_run t.m) t/$L >out &&
	grep -q "pipermail redacted t/$L/2010-October/000000.html made" out &&
	grep -q "pipermail database t/$L/database/2010-October-article made" out &&
	python3 "$RCHECK" --before t.before/$L --after t/$L \
		--manifest t.m/0001/manifest.jsonl --root t/$L \
		--token alice.moreau@example.org &&
	! grep -q "Alice Moreau" t/$L/2010-October/author.html &&
	verify_own_run t.m t/$L >v && grep -q "^# verified: every check passed" v
'

test_expect_success 'attachments that hold the address: a text one is redacted (any message'"'"'s), a binary one held and named (verify fails) or removed with --attachments remove' '
	fresh t &&
	att=$(ls t/$L/attachments/20101216/*/attachment.bin) &&
	printf "\0\0contact: alice.moreau@example.org\n" >>"$att" &&
	txt=$(dirname $(ls t/$L/attachments/20101119/*/attachment.bin))/attachment.txt &&
	printf "write to alice.moreau at example.org\n" >"$txt" &&
	cp -a t t.before2 &&
	"$LISTSCRUB" purge --address alice.moreau@example.org $(own_run t.m) t/$L >out &&
	grep -q "pipermail held $att held" out &&
	grep -q "pipermail redacted $txt made" out &&
	grep -q "^# pipermail: 1 binary attachments still hold" out &&
	test -f "$att" && test "$(cat "$txt")" = "write to [redacted]" &&
	expect_status 1 verify_own_run t.m t/$L >v &&
	grep -q "FAIL         gone" v && grep -q "attachment.bin: 1 occurrence" v &&
	rm -rf t t.m && cp -a t.before2 t &&
	"$LISTSCRUB" purge --address alice.moreau@example.org --attachments remove $(own_run t.m) t/$L >out &&
	grep -q "pipermail attachment $att made" out &&
	test ! -e "$att" &&
	verify_own_run t.m t/$L >v && grep -q "^# verified: every check passed" v
'

test_expect_success 'a leaked token put back into a page after the run fails verify (gone, archive)' '
	fresh t &&
	"$LISTSCRUB" purge --address alice.moreau@example.org $(own_run t.m) t/$L >out &&
	sed -i "s|<b>Messages:</b>|alice.moreau%40example.org <b>Messages:</b>|" t/$L/2010-October/date.html &&
	expect_status 1 verify_own_run t.m t/$L >v &&
	grep -q "FAIL         archive" v &&
	grep -q "2010-October/date.html: 1 occurrence(s) of a leaked token" v
'

test_expect_success 'a run that fails while writing the pages changes nothing and writes no manifest' '
	fresh t &&
	expect_status 2 with_fault "write:000002.html:1" "$LISTSCRUB" purge --message-id "$THREAD" --thread whole $(own_run t.m) t/$L >out 2>err &&
	grep -q "stopped before changing anything" err &&
	diff -r t.before t && test ! -e t.m/0001
'

# Mailman's LockFile: a claim file holding its own path, linked to
# LIST.lock, its mtime the time its holder expects to be done.
mailman_lock() {        # HOME LIST SECONDS-FROM-NOW
	mkdir -p "$1/locks" &&
	claim=$1/locks/$2.lock.otherhost.4242.0 &&
	printf %s "$claim" >"$claim" &&
	ln "$claim" "$1/locks/$2.lock" &&
	touch -d "@$(( $(date +%s) + $3 ))" "$claim"
}

test_expect_success 'Mailman'"'"'s list lock held by another: the run waits, then refuses and changes nothing' '
	fresh t && rm -rf mm &&
	mailman_lock mm demo-list 300 &&
	expect_status 2 "$LISTSCRUB" purge --message-id "$THREAD" --mailman-home mm \
		--lock-timeout 1 $APPLY t/$L >out 2>err &&
	grep -q "lock-unavailable: purge: Mailman.s list lock .mm/locks/demo-list.lock. is held by mm/locks/demo-list.lock.otherhost.4242.0" err &&
	diff -r t.before t &&
	test "$(stat -c %h mm/locks/demo-list.lock)" = 2
'

test_expect_success 'a lock whose holder is past its time is broken as Mailman breaks it; the run takes, holds and releases its own' '
	fresh t && rm -rf mm &&
	mailman_lock mm demo-list -60 &&
	rm -f pause && LISTSCRUB_FAULT_PAUSE=$TRASH/pause && export LISTSCRUB_FAULT_PAUSE &&
	{ with_fault "open:000002.html.listscrub-:1:pause" "$LISTSCRUB" purge \
		--message-id "$THREAD" --mailman-home mm $APPLY t/$L >out 2>err & } &&
	i=0; while ! test -f pause && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done &&
	test -f pause &&
	test "$(stat -c %h mm/locks/demo-list.lock)" = 2 &&
	holder=$(cat mm/locks/demo-list.lock) &&
	test -f "$holder" && case "$holder" in mm/locks/demo-list.lock.*.[0-9]*.[0-9]*) ;; *) false;; esac &&
	! test -e mm/locks/demo-list.lock.otherhost.4242.0 &&
	test "$(stat -c %Y "$holder")" -gt "$(date +%s)" &&
	rm -f pause && wait &&
	grep -q "pipermail tombstone t/$L/2010-October/000002.html made" out &&
	test -z "$(ls mm/locks)"
'

# The kill points: every rename and fsync, and every unlink of a journal
# or a new copy (those of the mbox locks are #13's: a dotlock a killed
# run leaves is held until it expires).
test_expect_success 'killed at any rename, fsync or journal unlink, the next run ends in the same tree as one run' '
	fresh ref &&
	"$LISTSCRUB" purge --message-id "$THREAD" --thread whole $(own_run ref.m) ref/$L >/dev/null &&
	fresh t &&
	total=0 &&
	for point in rename:/ fsync:/ unlink:listscrub; do
		op=${point%%:*} match=${point#*:} &&
		fresh t &&
		n=$(fault_points $op "$match" "$LISTSCRUB" purge --message-id "$THREAD" \
			--thread whole $(own_run t.m) t/$L) &&
		echo "$op $match: $n points" &&
		test "$n" -gt 0 &&
		total=$((total + n)) &&
		k=1 &&
		while [ $k -le $n ]; do
			fresh t &&
			{ with_fault "$op:$match:$k:kill" "$LISTSCRUB" purge \
				--message-id "$THREAD" --thread whole $(own_run t.m) \
				t/$L >/dev/null 2>&1 || :; } &&
			rm -rf t.m &&
			"$LISTSCRUB" purge --message-id "$THREAD" --thread whole \
				$(own_run t.m) t/$L >out 2>err ||
				{ echo "$op $k: the rerun failed"; cat err; exit 1; } &&
			diff -r ref/$L t/$L >/dev/null ||
				{ echo "$op $k: not the tree of one run"; diff -r ref/$L t/$L | head; exit 1; } &&
			test -z "$(find t -name ".*listscrub*")" ||
				{ echo "$op $k: left"; find t -name ".*listscrub*"; exit 1; } &&
			k=$((k + 1))
		done
	done &&
	echo "$total kill points" && test $total -gt 100
'

test_done
