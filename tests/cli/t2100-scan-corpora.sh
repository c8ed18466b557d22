#!/bin/sh
test_description='scan survives the malformed and real corpora, read-only'
. "$(dirname "$0")/test-lib.sh"

test_need_corpus malformed-mime

for corpus in malformed-mime eml-sisimai-bounces maildir-notmuch mbox-ponymail-asf; do
	if [ ! -e "$CORPORA/$corpus" ]; then
		test_skip "$corpus" "../shared/corpora/$corpus is not here"
		continue
	fi
	test_expect_success "$corpus: no crash, diagnostics name file, message and offset, or a note on the file" "
		\"\$LISTSCRUB\" scan --address someone@example.com --message-id x@y \
			\"\$CORPORA/$corpus\" >out 2>err
		rc=\$?
		test \$rc -le 1 &&
		grep -q '^# [0-9]* messages read' out &&
		if test -s err; then
			! grep -Ev '^listscrub: .*:#[0-9]* \\(offset [0-9]*, part [0-9]*\\): (mime-[a-z-]*|header-bad-encoded-words): |^listscrub: [^:]*: (not-mail|separator-without-blank-line|symlink-not-followed): |^listscrub: message-id-not-found: ' err
		fi
	"
done

test_expect_success 'malformed-mime: every message is read and none changes' '
	tree_state "$CORPORA/malformed-mime" >before &&
	"$LISTSCRUB" scan --address someone@example.com "$CORPORA/malformed-mime" >out 2>/dev/null || test $? = 1
	tree_state "$CORPORA/malformed-mime" >after &&
	test_cmp before after &&
	test "$(sed -n "s/^# \([0-9]*\) messages read.*/\1/p" out)" -gt 400
'

test_done
