#!/bin/sh
test_description='a redaction purge keeps redacted messages in a spool beside the mailbox: the result is whole, and a spool that lies never reaches the archive'
. "$(dirname "$0")/test-lib.sh"

CHECK=$TEST_SRCDIR/tests/cli/lib/redact_check.py

no_temps() {
	! ls -a "$@" | grep -q "listscrub-"
}

# 600 messages, two in three with the leak (in To, the body, and for
# some a base64 text part), and one of 1.5 MB with it at its end: more
# redacted bytes than one spool write, and a message larger than one.
test_expect_success 'a redaction purge of many messages: every one checked by Python' '
	mkdir box && python3 -c "
import base64, sys
out = sys.stdout
for i in range(600):
    leak = i % 3 != 0
    to = \"leak.person@spool.example\" if leak else \"other@else.example\"
    body = (\"line %d of the text of message %d\n\" % (i, i)) * 40
    if leak:
        body += \"write to leak.person@spool.example for more\n\"
    if i == 301:
        body = (\"padding line of a long message number %d\n\" % i) * 50000 + body
    head = (\"From sender%d@example.org Mon Mar  2 09:00:00 2020\n\"
            \"From: sender%d@example.org\nTo: %s\nMessage-ID: <spool-%d@example.org>\n\"
            \"Subject: message %d\nMIME-Version: 1.0\n\" % (i, i, to, i, i))
    if leak and i % 5 == 0:
        b64 = base64.encodebytes(body.encode()).decode()
        out.write(head + \"Content-Type: multipart/mixed; boundary=\\\"bb\\\"\n\n\"
                  \"--bb\nContent-Type: text/plain\n\nplain part\n\"
                  \"--bb\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n\"
                  + b64 + \"--bb--\n\n\")
    else:
        out.write(head + \"Content-Type: text/plain\n\n\" + body + \"\n\")
" >box/l.mbox && cp box/l.mbox l.orig &&
	test $(wc -c <box/l.mbox) -gt 3000000 &&
	echo leak.person@spool.example >values &&
	"$LISTSCRUB" purge --address leak.person@spool.example --action redact \
		$(own_run m) box >out &&
	python3 "$CHECK" l.orig box/l.mbox values >res && cat res &&
	grep "600 messages, 400 redacted, 0 problems" res &&
	no_temps box && verify_own_run m box
'

# The spool is the only file written with its name already removed.
test_expect_success 'a bit flipped in any write of the spool is never committed' '
	cp l.orig box/l.mbox && rm -rf m &&
	spool=$(fault_points write "listscrub-.*(deleted)" \
		"$LISTSCRUB" purge --address leak.person@spool.example \
		--action redact $(own_run m) box) &&
	test "$spool" -ge 3 &&
	for n in 1 2 $spool; do
		rm -rf m && cp l.orig box/l.mbox &&
		expect_status 2 with_fault write:deleted:$n:flip=600 \
			"$LISTSCRUB" purge --address leak.person@spool.example \
			--action redact $(own_run m) box >out 2>err &&
		grep -q "the new copy of .box/l.mbox. .*nothing was changed" err &&
		cmp l.orig box/l.mbox && no_temps box && ! test -e m/0001 || exit 1
	done
'

test_expect_success 'killed at a spool write: nothing changed, nothing left, the rerun does it' '
	rm -rf m && cp l.orig box/l.mbox &&
	expect_status 137 with_fault write:deleted:2:kill \
		"$LISTSCRUB" purge --address leak.person@spool.example \
		--action redact $(own_run m) box >out 2>err;
	cmp l.orig box/l.mbox && no_temps box &&
	rm -rf m &&
	"$LISTSCRUB" purge --address leak.person@spool.example --action redact \
		$(own_run m) box >out &&
	python3 "$CHECK" l.orig box/l.mbox values >res &&
	grep "600 messages, 400 redacted, 0 problems" res && verify_own_run m box
'

test_expect_success 'Maildir: a spool that gives back other bytes stops the run before any change' '
	mkdir -p md/cur md/new md/tmp &&
	for i in 1 2 3; do
		printf "From: a%s@example.org\nTo: leak.person@spool.example\nMessage-ID: <md-%s@example.org>\nSubject: s\n\nwrite to leak.person@spool.example\n" $i $i >md/cur/$i:2,S || exit 1
	done &&
	cp -r md md.orig && rm -rf m &&
	expect_status 2 with_fault write:deleted:1:flip=60 \
		"$LISTSCRUB" purge --address leak.person@spool.example \
		--action redact $(own_run m) md >out 2>err &&
	grep -q "spool did not give back" err &&
	diff -r md.orig md && ! test -e m/0001 &&
	"$LISTSCRUB" purge --address leak.person@spool.example --action redact \
		$(own_run m) md >out &&
	! grep -r leak.person md && verify_own_run m md
'

test_done
