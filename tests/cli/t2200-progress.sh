#!/bin/sh
test_description='a progress line on a terminal stderr only, never with --quiet, never on stdout'
. "$(dirname "$0")/test-lib.sh"

ON_TTY="python3 $TEST_SRCDIR/tests/cli/lib/on_tty.py"
CHECK="python3 $TEST_SRCDIR/tests/cli/lib/progress_check.py"
LEAK=leak@example.org
# the test hook: draw from the start, not after a second
LISTSCRUB_PROGRESS_DELAY_MS=0
export LISTSCRUB_PROGRESS_DELAY_MS

test_expect_success 'an mbox of 6000 messages, 25 of them with the address' '
	python3 - <<-\EOF_
	with open("big.mbox", "w") as f:
	    for i in range(6000):
	        body = "leak@example.org wrote\n" if i % 240 == 7 else "hello\n"
	        f.write("From a@example.net Thu Mar  5 10:00:00 2020\n"
	                "Message-ID: <m%d@example.net>\nSubject: s%d\n\n%s%s\n\n"
	                % (i, i, body, "x" * 400))
	EOF_
	python3 -c "import mailbox; print(len(mailbox.mbox(\"big.mbox\")))" >count &&
	test "$(cat count)" = 6000
'

test_expect_success 'scan: bytes, messages, rate and ETA on the terminal, erased at the end' '
	{ $ON_TTY tty out-tty "$LISTSCRUB" scan --address $LEAK big.mbox; test $? = 1; } &&
	$CHECK tty 6000
'

test_expect_success 'scan: stdout is the same with and without a terminal' '
	{ "$LISTSCRUB" scan --address $LEAK big.mbox >out-pipe 2>err; test $? = 1; } &&
	cmp out-pipe out-tty &&
	test "$(grep -c "^big.mbox:" out-pipe)" = 25
'

test_expect_success 'scan: nothing on stderr when it is a file' '
	test ! -s err
'

test_expect_success 'scan --quiet: nothing on the terminal' '
	{ $ON_TTY tty out-quiet "$LISTSCRUB" scan --quiet --address $LEAK big.mbox; test $? = 1; } &&
	test ! -s tty &&
	cmp out-pipe out-quiet
'

test_expect_success 'threads: the line, and --quiet silences it' '
	$ON_TTY tty out-tty "$LISTSCRUB" threads --message-id m7@example.net big.mbox &&
	$CHECK tty 6000 &&
	$ON_TTY tty out-quiet "$LISTSCRUB" threads --quiet --message-id m7@example.net big.mbox &&
	test ! -s tty &&
	"$LISTSCRUB" threads --message-id m7@example.net big.mbox >out-pipe 2>err &&
	test ! -s err &&
	cmp out-pipe out-tty && cmp out-pipe out-quiet
'

test_expect_success 'purge plan: the line; the plan printed is the same' '
	$ON_TTY tty out-tty "$LISTSCRUB" purge --address $LEAK big.mbox &&
	$CHECK tty 6000 &&
	"$LISTSCRUB" purge --address $LEAK big.mbox >out-pipe 2>err &&
	test ! -s err &&
	cmp out-pipe out-tty
'

test_expect_success 'purge --apply (redacts): the line, and the same file as without a terminal' '
	cp big.mbox a.mbox && cp big.mbox b.mbox &&
	$ON_TTY tty out-a "$LISTSCRUB" purge --address $LEAK $(own_run ma) a.mbox &&
	$CHECK tty 0 &&
	"$LISTSCRUB" purge --address $LEAK $(own_run mb) b.mbox >out-b 2>err &&
	test ! -s err &&
	cmp a.mbox b.mbox &&
	python3 -c "import mailbox; print(len(mailbox.mbox(\"a.mbox\")))" >count &&
	test "$(cat count)" = 6000 &&
	! grep -q $LEAK a.mbox
'

test_expect_success 'verify: the line on a terminal; --quiet and a file: none' '
	$ON_TTY tty out-tty "$LISTSCRUB" verify --manifest mb/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" b.mbox &&
	$CHECK tty 0 &&
	$ON_TTY tty out-quiet "$LISTSCRUB" verify --quiet --manifest mb/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" b.mbox &&
	test ! -s tty &&
	verify_own_run mb b.mbox >out-pipe 2>err &&
	test ! -s err &&
	cmp out-pipe out-tty && cmp out-pipe out-quiet
'

test_done
