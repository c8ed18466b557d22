#!/bin/sh
test_description='the README first tour runs as pasted, with a build that is not installed'
. "$(dirname "$0")/test-lib.sh"

command -v bash >/dev/null || test_skip_all "bash is not installed (the tour is written for it)"

# The tour is the first sh block after "## A first tour"; listscrub on the
# PATH is this build, run without LISTSCRUB_RULES_DIR as from a fresh
# checkout: it must find its source tree's rules/ by itself.
awk '/^## A first tour/ { t = 1 } t && /^```sh$/ { c = 1; next }
     c && /^```$/ { exit } c' "$TEST_SRCDIR/README.md" >tour.sh
awk '/^cat >archive\/dev.mbox <</ { c = 1; next } c && /^EOF$/ { exit } c' \
	tour.sh >orig.mbox
mkdir -p bin tmp
ln -s "$LISTSCRUB" bin/listscrub

test_expect_success 'the README has a tour with an mbox and every command' '
	test -s orig.mbox &&
	for c in scan threads keygen "purge archive" "purge --apply" verify; do
		grep -q "^listscrub $c" tour.sh || { echo "no listscrub $c"; exit 1; }
	done
'

test_expect_success 'the tour runs in an empty directory and ends clean' '
	env -u LISTSCRUB_RULES_DIR PATH="$TRASH/bin:$PATH" TMPDIR="$TRASH/tmp" \
		bash tour.sh >tour.out 2>&1 ||
		{ cat tour.out; exit 1; }
	! grep -q "cannot read rules\|command not found\|usage:" tour.out
'

test_expect_success 'keygen made keys/ with mode 0700 and the secret key 0600' '
	d=$(ls -d tmp/tmp.*) &&
	test "$(stat -c %a "$d/keys")" = 700 &&
	test "$(stat -c %a "$d/keys/lists.key")" = 600 &&
	test "$(stat -c %a "$d/keys/INC-1.key")" = 600
'

test_expect_success 'the leaked data is gone, every other byte as it was (python mailbox)' '
	d=$(ls -d tmp/tmp.*) &&
	python3 - orig.mbox "$d/archive/dev.mbox" <<-\PY
	import mailbox, sys
	before = mailbox.mbox(sys.argv[1], create=False)
	after = mailbox.mbox(sys.argv[2], create=False)
	b, a = [before.get_bytes(k) for k in before.keys()], [after.get_bytes(k) for k in after.keys()]
	assert len(b) == len(a) == 3, (len(b), len(a))
	assert b[1:] == a[1:], "a message not selected changed"
	for leak in (b"DE89", b"3704 0044", b"901820"):
	    assert leak in b[0] and leak not in a[0], leak
	assert a[0].count(b"[redacted]") == 2
	head_b, head_a = b[0].split(b"\n\n", 1)[0], a[0].split(b"\n\n", 1)[0]
	assert head_b == head_a, "the header changed"
	PY
'

test_expect_success 'the run the tour signed verifies again' '
	d=$(ls -d tmp/tmp.*) &&
	(cd "$d" && "$LISTSCRUB" verify --manifest listscrub-manifests/INC-1/0001 \
		--pubkey keys/lists.pub --incident-key keys/INC-1.key archive/ >/dev/null)
'

test_done
