#!/bin/sh
test_description='locks, unsafe input and crashes never lose a message'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox

test_expect_success 'a held dotlock makes purge wait, then fail; nothing changes' '
	cp "$BASIC" list.mbox
	sleep 30 & holder=$!
	echo $holder >list.mbox.lock
	start=$(date +%s) &&
	! "$LISTSCRUB" purge --message-id move-4@example.net $APPLY --lock-timeout 2 list.mbox >out 2>err &&
	kill $holder &&
	test $(($(date +%s) - start)) -ge 1 &&
	grep -q "list.mbox.*is locked by another process" err &&
	grep -q "stop the list" err &&
	cmp "$BASIC" list.mbox &&
	test -f list.mbox.lock
'

test_expect_success 'a stale dotlock (dead process) is taken over' '
	cp "$BASIC" list.mbox
	sh -c "exit 0" & dead=$!
	wait $dead
	echo $dead >list.mbox.lock &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY --lock-timeout 2 list.mbox >/dev/null &&
	! grep -q move-4@example.net list.mbox &&
	test ! -e list.mbox.lock
'

test_expect_success 'a kernel lock held by another process is respected' '
	cp "$BASIC" list.mbox
	python3 -c "
import fcntl, sys, time
f = open(\"list.mbox\", \"r+\")
fcntl.lockf(f, fcntl.LOCK_EX)
open(\"locked\", \"w\").close()
time.sleep(20)
" & holder=$!
	while [ ! -e locked ]; do sleep 0.1; done &&
	! "$LISTSCRUB" purge --message-id move-4@example.net $APPLY --lock-timeout 1 list.mbox 2>err &&
	kill $holder &&
	grep -q "fcntl lock" err &&
	cmp "$BASIC" list.mbox
'

test_expect_success 'an unsplittable mailbox stops the run before anything is written' '
	mkdir -p arch &&
	cp "$BASIC" arch/a.mbox &&
	{
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nContent-Length: 48\n\n"
		printf "x\n\nFrom a@b Mon Jan  5 10:00:00 2015\nA: b\n\nend\n\n"
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nContent-Length: 900\n\nc\n\n"
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nA: b\n\nd\n"
	} >arch/b.mbox &&
	tree_state arch >before &&
	! "$LISTSCRUB" purge --message-id move-1@example.org $APPLY arch >out 2>err &&
	grep -q "b.mbox.*cannot split safely" err &&
	grep -q "stopped before writing anything" err &&
	tree_state arch >after &&
	test_cmp before after
'

test_expect_success 'mail appended while purge waits for the lock is read again and kept' '
	cp "$BASIC" list.mbox
	sleep 30 & holder=$!
	echo $holder >list.mbox.lock
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY --lock-timeout 10 list.mbox >out 2>err & purge=$!
	# Once purge has the file mapped it has read it; it then waits for
	# the lock while an archiver that ignores locks appends a message.
	i=0
	while ! grep -q "list.mbox" /proc/$purge/maps 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	printf "\nFrom z@example.org Thu Mar  5 10:00:00 2020\nMessage-ID: <new@x>\n\nnew\n" >>list.mbox
	rm list.mbox.lock; kill $holder
	rc=0; wait $purge || rc=$?
	test $rc = 0 &&
	grep -q "list.mbox: mailbox-reread:" err &&
	grep -q "new@x" list.mbox && ! grep -q move-4@example.net list.mbox &&
	test "$(grep -c "^From " list.mbox)" = 10
'

# (In these tests a line that starts a job with & must not continue an
# && list: the whole list would go to the background.)

# Kill purge --apply at many moments: the archive is the old file or the
# new one, byte for byte, or (killed inside the in-place rewrite) a mix
# with its journal beside it; the next run finishes the job either way.
test_expect_success 'killed at any moment: old or new file, or a journal the next run finishes' '
	i=0 && : >big.mbox &&
	while [ $i -lt 400 ]; do cat "$BASIC" >>big.mbox; printf "\n" >>big.mbox; i=$((i + 1)); done &&
	"$LISTSCRUB" scan --message-id move-4@example.net --format json big.mbox >sel || test $? = 1
	test $(json_items sel | wc -l) = 400 &&
	cp big.mbox orig.mbox &&
	cp big.mbox expect.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY expect.mbox >/dev/null &&
	for delay in 0 0.001 0.002 0.004 0.006 0.008 0.01 0.015 0.02 0.03 0.05 0.08 0.12; do
		cp orig.mbox big.mbox
		"$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >/dev/null 2>&1 & pid=$!
		sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		if cmp -s big.mbox orig.mbox; then state=old
		elif cmp -s big.mbox expect.mbox; then state=new
		elif test -f .big.mbox.listscrub-journal; then state=journal
		else echo "killed after $delay s: a mix without a journal"; exit 1; fi
		echo "killed after $delay s: $state" &&
		rm -f big.mbox.lock &&
		"$LISTSCRUB" purge --message-id move-4@example.net $APPLY big.mbox >/dev/null &&
		cmp big.mbox expect.mbox || exit 1
	done
'

test_done
