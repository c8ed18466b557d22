#!/bin/sh
test_description='random purges, checked by an independent reader (tests/oracle/oracle.py)'
. "$(dirname "$0")/test-lib.sh"

# A few rounds here; make check-long runs many more over every corpus.
ORACLE_PY=$TEST_SRCDIR/tests/oracle/oracle.py
oracle() {  # ARCHIVE SEEDS
	python3 "$ORACLE_PY" --listscrub "$LISTSCRUB" --archive "$1" \
		--work "$TRASH/w" --seeds "$2" >oracle.out 2>&1
	_rc=$?
	cat oracle.out
	tail -1 oracle.out | grep -q " 0 failed$" && test $_rc = 0
}

if [ -x "$MKCORPUS" ]; then
	test_expect_success 'mkcorpus mboxes, seeds 1-2: delete and redact by Message-ID, address and rules' '
		"$MKCORPUS" --out mk --messages 300 --seed 11 >/dev/null && rm mk/truth.json &&
		oracle mk 1-2
	'
	test_expect_success 'a mkcorpus Maildir, seed 3' '
		"$MKCORPUS" --out mkd --messages 200 --maildir --seed 12 >/dev/null &&
		rm -f mkd/truth.json mkd/*.mbox && oracle mkd 3
	'
else
	test_skip 'mkcorpus archives' '../shared/tools/mkcorpus is not here'
fi

for c in malformed-mime eml-sisimai-bounces maildir-notmuch; do
	if [ -d "$CORPORA/$c" ]; then
		test_expect_success "corpus $c, seed 1" "oracle '$CORPORA/$c' 1"
	else
		test_skip "corpus $c, seed 1" "../shared/corpora/$c is not here"
	fi
done

test_done
