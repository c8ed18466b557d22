#!/bin/sh
test_description='detection quality on the labelled PII set: every target of issue 3'
. "$(dirname "$0")/test-lib.sh"

test_need_corpus pii/injected-mail-v1

# bench/eval-pii scores scan's JSON against labels.jsonl and messages.jsonl
# and the validators against the published vectors; it exits 1 when a
# target (recall per type, no checksum-invalid hit, precision on the
# negatives, mass-disclosure recall) is missed.
test_expect_success 'eval-pii: recall, precision and mass disclosure meet their targets' '
	python3 "$TEST_SRCDIR/bench/eval-pii" --listscrub "$LISTSCRUB" \
		--corpora "$CORPORA" --rules "$TEST_SRCDIR/rules" --out eval >report ||
		{ cat report; return 1; }
	grep -q "^eval-pii: every target met" report &&
	grep -q "^| IBAN | [0-9]* | [0-9]* | 1.000 |" report
'

test_done
