#!/bin/sh
test_description='hostile trees and inputs: FIFOs, symbolic links, odd names, unknown charsets, huge and deep messages'
. "$(dirname "$0")/test-lib.sh"

# msg FILE ID ADDR -- a small message naming ADDR in its body
msg() {
	printf 'From: a@example.org\nTo: list@example.org\nSubject: s\nMessage-ID: <%s>\nDate: Mon, 4 Jan 2021 10:00:00 +0000\n\nwrite to %s\n' "$2" "$3" >"$1"
}

# maildir DIR -- an empty Maildir
maildir() {
	mkdir -p "$1/cur" "$1/new" "$1/tmp"
}

# state DIR -- every file under DIR with its type and bytes' digest
state() {
	find "$1" -path '*/.manifests' -prune -o ! -name out ! -name err \
		! -name 'st.*' -print | LC_ALL=C sort |
	while IFS= read -r f; do
		if test -L "$f"; then echo "L $f -> $(readlink "$f")"
		elif test -p "$f"; then echo "P $f"
		elif test -f "$f"; then echo "F $f $(sha256sum <"$f")"
		else echo "D $f"; fi
	done
}

test_expect_success 'a FIFO (and a link to it) in a Maildir: scan and purge do not wait on it, say so, and go on' '
	maildir fifo && msg fifo/cur/1:2,S one@x leak@victim.example &&
	mkfifo fifo/cur/2:2,S && ln -s 2:2,S fifo/cur/3:2,S && mkfifo fifo/new/4 &&
	expect_status 1 timeout 60 "$LISTSCRUB" scan --address leak@victim.example fifo >out 2>err &&
	test $(grep -c "not-a-regular-file: .fifo/cur/2:2,S" err) = 1 &&
	test $(grep -c "not-a-regular-file: .fifo/new/4" err) = 1 &&
	grep -q "symlink-not-followed: .fifo/cur/3:2,S" err &&
	grep -q "^fifo/cur/1:2,S:#0 " out &&
	timeout 60 "$LISTSCRUB" purge --action delete --address leak@victim.example $APPLY fifo >out 2>err &&
	test ! -e fifo/cur/1:2,S && test -p fifo/cur/2:2,S && test -p fifo/new/4 &&
	test -L fifo/cur/3:2,S
'

test_expect_success 'a symbolic link out of the PATH is not followed, for reading or writing; purge runs twice cleanly' '
	mkdir outside && msg outside/secret.eml out@x leak@victim.example &&
	cp outside/secret.eml outside/before &&
	maildir links && msg links/cur/1:2,S in@x leak@victim.example &&
	msg links/cur/2:2,S keep@x nobody@example.net &&
	ln -s ../../outside/secret.eml links/cur/3:2,S &&
	ln -s 2:2,S links/cur/4:2,S &&
	ln -s loop links/cur/loop && ln -s nowhere-at-all links/new/dangling &&
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example links >out 2>err &&
	test $(grep -c "victim\|^links" out) = 1 && grep -q "^links/cur/1:2,S:#0 " out &&
	grep -q "symlink-outside-path: .links/cur/3:2,S" err &&
	grep -q "symlink-not-followed: .links/cur/4:2,S" err &&
	grep -q "symlink-loop: .links/cur/loop" err &&
	grep -q "symlink-loop: .links/new/dangling" err &&
	state links >st.links &&
	"$LISTSCRUB" purge --address leak@victim.example $APPLY links >out 2>err &&
	! grep -q meanwhile err &&
	"$LISTSCRUB" purge --address leak@victim.example $APPLY links >out 2>err &&
	! grep -q meanwhile err &&
	test_cmp outside/before outside/secret.eml &&
	test -L links/cur/3:2,S && test -L links/cur/4:2,S &&
	python3 - <<-\EOF_
	import email
	m = email.message_from_binary_file(open("links/cur/1:2,S", "rb"))
	assert b"leak@victim.example" not in open("links/cur/1:2,S", "rb").read()
	assert b"nobody@example.net" in open("links/cur/2:2,S", "rb").read()
	EOF_
'

test_expect_success 'an encoded word in an unknown charset: its address is found, and a note says so' '
	w=$(printf "Bob <leak@victim.example>" | base64) &&
	printf "From: =?koi7-r?B?%s?=\nTo: list@example.org\nSubject: =?x-nosuch?Q?hello?=\nMessage-ID: <k@x>\n\nbody\n" "$w" >koi.eml &&
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example koi.eml >out 2>err &&
	grep -q "^koi.eml:#0 " out &&
	grep -q "header-unknown-charset" err
'

test_expect_success 'many unknown-charset headers: memory stays bounded' '
	python3 - <<-\EOF_ &&
	import base64
	w = base64.b64encode(b"Bob <leak@victim.example>").decode()
	with open("koi.mbox", "w") as f:
	    for i in range(20000):
	        f.write("From x@y Mon Jan  4 10:00:00 2021\nFrom: =?koi7-r?B?%s?=\nMessage-ID: <k%d@x>\n\nbody\n\n" % (w, i))
	EOF_
	expect_status 1 /usr/bin/time -f "%M" -o rss "$LISTSCRUB" scan --jobs 1 --address leak@victim.example koi.mbox >out 2>err &&
	test $(grep -c "^koi.mbox:" out) = 20000 &&
	test $(tail -n 1 rss) -lt 400000
'

test_expect_success 'threads: no Subject without --show-matches (it may hold personal data)' '
	printf "From: a@example.org\nSubject: call +41 79 123 45 67 or leak@victim.example\nMessage-ID: <t1@x>\n\nhi\n" >t.eml &&
	"$LISTSCRUB" threads --message-id t1@x t.eml >out &&
	grep -q "^<t1@x> t.eml:#0 " out &&
	! grep -q "victim\|123 45" out &&
	"$LISTSCRUB" threads --message-id t1@x --format json t.eml >out &&
	grep -q "\"subject\":null" out &&
	"$LISTSCRUB" threads --show-matches --message-id t1@x t.eml >out &&
	grep -q "leak@victim.example" out
'

test_expect_success 'file names with a newline, control characters or bytes that are not UTF-8 stay on one escaped line' '
	mkdir names &&
	msg "names/a
b.eml" n1@x leak@victim.example &&
	msg "$(printf "names/c\001\377d.eml")" n2@x leak@victim.example &&
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example names >out 2>err &&
	test $(wc -l <out) = 5 &&
	grep -q "^names/a\\\\nb.eml:#0 " out &&
	grep -q "^names/c\\\\x01\\\\xffd.eml:#0 " out &&
	expect_status 1 "$LISTSCRUB" scan --format json --address leak@victim.example names >out &&
	python3 -c "import json,sys; [json.loads(l) for l in open(\"out\")]" &&
	"$LISTSCRUB" purge --address leak@victim.example names >out 2>err &&
	grep -q "^names/a\\\\nb.eml:#0 " out &&
	"$LISTSCRUB" threads --message-id n1@x names >out &&
	test $(wc -l <out) = 1 && grep -q "names/a\\\\nb.eml:#0" out
'

# hostile DESC FILE -- scan FILE (made by the caller in hostile/), expect
# it read, the address at its end found, nothing written outside it
hostile_scan() {
	state . >st.before &&
	_st=0
	"$LISTSCRUB" scan --address leak@victim.example "$1" >out 2>err ||
		_st=$?
	state . >st.after &&
	test_cmp st.before st.after && test $_st = "$2"
}

test_expect_success 'a 0-byte file is read as nothing, without error' '
	: >empty.eml &&
	hostile_scan empty.eml 0
'

test_expect_success 'NUL bytes in a message: the address after them is found' '
	printf "From: a@example.org\nSubject: n\000ul\nMessage-ID: <nul@x>\n\nx\000\000y leak@victim.example\n" >nul.eml &&
	hostile_scan nul.eml 1 && grep -q "^nul.eml:#0 " out
'

test_expect_success '100,000 MIME parts: a diagnostic, and the rest searched raw' '
	python3 - <<-\EOF_ &&
	with open("parts.eml", "w") as f:
	    f.write("From: a@example.org\nMessage-ID: <parts@x>\nContent-Type: multipart/mixed; boundary=b\n\n")
	    for i in range(100000):
	        f.write("--b\nContent-Type: text/plain\n\npart %d\n" % i)
	    f.write("--b\nContent-Type: text/plain\n\nleak@victim.example\n--b--\n")
	EOF_
	hostile_scan parts.eml 1 && grep -q "^parts.eml:#0 " out &&
	grep -q "parts.eml:#0.*mime-too-many-parts" err
'

test_expect_success 'MIME nested 10,000 deep: a diagnostic, searched raw' '
	python3 - <<-\EOF_ &&
	n = 10000
	with open("deep.eml", "w") as f:
	    f.write("From: a@example.org\nMessage-ID: <deep@x>\n")
	    for i in range(n):
	        f.write("Content-Type: multipart/mixed; boundary=\"b%d=\"\n\n--b%d=\n" % (i, i))
	    f.write("Content-Type: text/plain\n\nleak@victim.example\n")
	    for i in reversed(range(n)):
	        f.write("--b%d=--\n" % i)
	EOF_
	hostile_scan deep.eml 1 && grep -q "^deep.eml:#0 " out &&
	grep -q "deep.eml:#0.*mime-too-deep" err
'

test_expect_success '1,000,000 header lines: read, the address in the last found' '
	python3 - <<-\EOF_ &&
	with open("headers.eml", "w") as f:
	    f.write("From: a@example.org\nMessage-ID: <hdr@x>\n")
	    f.write("X-Filler: x\n" * 1000000)
	    f.write("X-Last: leak@victim.example\n\nbody\n")
	EOF_
	hostile_scan headers.eml 1 && grep -q "^headers.eml:#0 " out
'

test_expect_success 'a 300 MB single line: read, the address at its end found' '
	python3 - <<-\EOF_ &&
	with open("long.eml", "w") as f:
	    f.write("From: a@example.org\nMessage-ID: <long@x>\n\n")
	    chunk = "x" * (1 << 20)
	    for i in range(300):
	        f.write(chunk)
	    f.write(" leak@victim.example\n")
	EOF_
	if hostile_scan long.eml 1; then _st=0; else _st=1; fi
	rm -f long.eml
	test $_st = 0 && grep -q "^long.eml:#0 " out
'

# mime_nest FILE DEPTH -- a message nested DEPTH multiparts deep, its
# address in a base64 text part at the bottom
mime_nest() {
	python3 - "$1" "$2" <<-\EOF_
	import base64, sys
	n = int(sys.argv[2])
	with open(sys.argv[1], "w") as f:
	    f.write("From: a@example.org\nMessage-ID: <nest@x>\n")
	    for i in range(n):
	        f.write("Content-Type: multipart/mixed; boundary=\"b%d=\"\n\n--b%d=\n" % (i, i))
	    f.write("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n")
	    f.write(base64.b64encode(b"write to leak@victim.example\n").decode() + "\n")
	    for i in reversed(range(n)):
	        f.write("--b%d=--\n" % i)
	EOF_
}

test_expect_success 'the caps are documented settings: --help of scan, purge, threads and verify lists them with their defaults' '
	for c in scan purge threads verify; do
		"$LISTSCRUB" $c --help >out &&
		grep -q "max-mime-depth.*default 32" out &&
		grep -q "max-mime-parts.*default 4096" out &&
		grep -q "max-header-line.*default 1024" out &&
		grep -q "max-inflated-size.*default 4096" out &&
		grep -q "max-inflate-ratio.*default 100" out || return 1
	done &&
	expect_status 2 "$LISTSCRUB" scan --max-mime-depth 0 --address leak@victim.example empty.eml 2>err &&
	grep -q "usage:.*max-mime-depth" err
'

test_expect_success '--max-mime-depth: within it a base64 part deep down is decoded and found; past it a diagnostic, and the part searched raw (its base64 not decoded)' '
	mime_nest nest.eml 5 &&
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example nest.eml >out 2>err &&
	grep -q "^nest.eml:#0 " out && ! grep -q mime-too-deep err &&
	expect_status 0 "$LISTSCRUB" scan --max-mime-depth 3 --address leak@victim.example nest.eml >out 2>err &&
	grep -q "nest.eml:#0 (offset [0-9]*, part [0-9]*): mime-too-deep: .*max-mime-depth" err &&
	! grep -q "^nest.eml:#0" out
'

test_expect_success '--max-mime-parts: past it a diagnostic naming file, message and offset; the rest searched raw' '
	python3 - <<-\EOF_ &&
	with open("few.eml", "w") as f:
	    f.write("From: a@example.org\nMessage-ID: <few@x>\nContent-Type: multipart/mixed; boundary=b\n\n")
	    for i in range(10):
	        f.write("--b\nContent-Type: text/plain\n\npart %d\n" % i)
	    f.write("--b\nContent-Type: text/plain\n\nleak@victim.example\n--b--\n")
	EOF_
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example few.eml >out 2>err &&
	! grep -q mime-too-many-parts err &&
	expect_status 1 "$LISTSCRUB" scan --max-mime-parts 5 --address leak@victim.example few.eml >out 2>err &&
	grep -q "^few.eml:#0 " out &&
	grep -q "few.eml:#0 (offset [0-9]*, part [0-9]*): mime-too-many-parts" err
'

test_expect_success '--max-header-line: a longer header line is a diagnostic with its offset; the message is searched raw, its address found' '
	python3 - <<-\EOF_ &&
	with open("wide.mbox", "w") as f:
	    f.write("From x@y Mon Jan  4 10:00:00 2021\nFrom: a@example.org\nMessage-ID: <w0@x>\n\nfirst\n\n")
	    f.write("From x@y Mon Jan  4 10:00:00 2021\nFrom: a@example.org\nMessage-ID: <w1@x>\n")
	    f.write("X-Wide: " + "x" * 3000 + "\nTo: leak@victim.example\n\nbody\n")
	EOF_
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example wide.mbox >out 2>err &&
	! grep -q header-line-too-long err &&
	expect_status 1 "$LISTSCRUB" scan --max-header-line 2 --address leak@victim.example wide.mbox >out 2>err &&
	grep -q "^wide.mbox:#1 " out &&
	grep -q "wide.mbox:#1 (offset [0-9]*, part 0): header-line-too-long: .*max-header-line" err &&
	test $(grep -c "header-line-too-long" err) = 1
'

test_expect_success 'purge of a message past a cap: never redacted as if whole; the run stops, nothing written; delete still works' '
	mime_nest nest5.eml 5 &&
	{ printf "To: leak@victim.example\n" && cat nest5.eml; } >capped.eml &&
	cp capped.eml capped.before &&
	msg other.eml o@x leak@victim.example && cp other.eml other.before &&
	mkdir -p capped && mv capped.eml other.eml capped/ &&
	state capped >st.before &&
	expect_status 2 "$LISTSCRUB" purge --max-mime-depth 2 --address leak@victim.example $APPLY capped >out 2>err &&
	grep -q "capped/capped.eml:#0.*mime-too-deep.*cannot be checked whole" err &&
	state capped >st.after && test_cmp st.before st.after &&
	test_cmp capped.before capped/capped.eml && test_cmp other.before capped/other.eml &&
	"$LISTSCRUB" purge --max-mime-depth 2 --action delete --address leak@victim.example $APPLY capped >out 2>err &&
	test ! -e capped/capped.eml
'

test_expect_success 'the unknown-charset note is one counted line per mailbox, not one per message' '
	expect_status 1 "$LISTSCRUB" scan --address leak@victim.example koi.mbox >out 2>err &&
	test $(grep -c "header-unknown-charset" err) = 1 &&
	grep -q "koi.mbox: header-unknown-charset: 20000 message(s) .*(the first: #0 at offset 0)" err
'

test_expect_success 'a gzip bomb (1 GB of zeros in about 1 MB) stops at the default cap: a clear error, nothing written, bounded memory' '
	python3 - <<-\EOF_ &&
	import gzip
	import os; os.makedirs("bomb")
	with gzip.open("bomb/a.mbox.gz", "wb", compresslevel=9) as f:
	    f.write(b"From x@y Mon Jan  4 10:00:00 2021\nMessage-ID: <b@x>\n\nleak@victim.example\n")
	    z = bytes(1 << 20)
	    for i in range(1024):
	        f.write(z)
	EOF_
	test $(stat -c %s bomb/a.mbox.gz) -lt 2000000 &&
	state bomb >st.before &&
	expect_status 2 /usr/bin/time -f "%M" -o rss "$LISTSCRUB" purge --address leak@victim.example $APPLY bomb >out 2>err &&
	grep -q "bomb/a.mbox.gz: mailbox-unreadable: .*inflates to more than --max-inflate-ratio" err &&
	state bomb >st.after && test_cmp st.before st.after &&
	# never the 1 GB inflated: about 110 MB, 400 MB under ASan (its
	# quarantine keeps what was freed)
	test $(tail -n 1 rss) -lt 600000 &&
	expect_status 2 "$LISTSCRUB" scan --max-inflated-size 16 --max-inflate-ratio 100000 --address leak@victim.example bomb >out 2>err &&
	grep -q "inflates to more than --max-inflated-size" err
'

test_expect_success 'a .gz cut short: a clear error, nothing written' '
	mkdir cut &&
	python3 - <<-\EOF_ &&
	import gzip
	data = gzip.compress(b"From x@y Mon Jan  4 10:00:00 2021\nMessage-ID: <c@x>\n\nleak@victim.example\n" * 50)
	open("cut/a.mbox.gz", "wb").write(data[: len(data) // 2])
	EOF_
	state cut >st.before &&
	expect_status 2 "$LISTSCRUB" purge --address leak@victim.example $APPLY cut >out 2>err &&
	grep -q "cut/a.mbox.gz: mailbox-unreadable: .*not a complete gzip file" err &&
	state cut >st.after && test_cmp st.before st.after
'

test_done
