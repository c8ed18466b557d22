#!/bin/sh
test_description='end to end on mkcorpus archives against truth.json'
. "$(dirname "$0")/test-lib.sh"

test_need_mkcorpus

CHECK=$TEST_SRCDIR/tests/cli/lib/truth_check.py

test_expect_success 'make a synthetic archive (mbox and Maildir) with truth' '
	python3 "$MKCORPUS" --out corpus --messages 1500 --maildir --seed 7 >/dev/null &&
	test -f corpus/truth.json
'

test_expect_success 'mbox: purging each incident removes exactly its thread' '
	python3 "$CHECK" purge-threads "$LISTSCRUB" corpus mbox
'

test_expect_success 'Maildir: purging each incident removes exactly its thread' '
	python3 "$CHECK" purge-threads "$LISTSCRUB" corpus maildir
'

test_expect_success 'mbox: leaked addresses are found in every listed message' '
	python3 "$CHECK" addresses "$LISTSCRUB" corpus mbox
'

test_expect_success 'Maildir: leaked addresses are found in every listed message' '
	python3 "$CHECK" addresses "$LISTSCRUB" corpus maildir
'

test_done
