#!/bin/sh
test_description='src/ is layered: no include upwards, libraries kept behind their folders'
. "$(dirname "$0")/test-lib.sh"

LAYERS="python3 $TEST_SRCDIR/tests/cli/lib/layers.py"

test_expect_success 'the source tree keeps its layers' '
	$LAYERS "$TEST_SRCDIR/src"
'

# The check must catch what it is for: a copy of src/ with one bad line.
bad_tree() {
	rm -rf src && cp -r "$TEST_SRCDIR/src" src && chmod -R u+w src
}

test_expect_success 'an include from a higher layer is refused, naming file and line' '
	bad_tree &&
	sed -i "0,/#include \"lib\/xalloc.h\"/s//#include \"lib\/xalloc.h\"\n#include \"act\/plan.h\"/" src/mail/mbox.c &&
	! $LAYERS src >out &&
	grep -q "^mail/mbox.c:[0-9]*: mail/ may not include \"act/plan.h\"" out
'

test_expect_success 'another folder'"'"'s private header is refused' '
	bad_tree &&
	sed -i "s|#include \"select/select.h\"|#include \"select/select.h\"\n#include \"detect/rules-private.h\"|" src/audit/record-lines.c &&
	! $LAYERS src >out &&
	grep -q "record-lines.c:[0-9]*: \"detect/rules-private.h\" is private to detect/" out
'

test_expect_success 'Mailutils, PCRE2, jansson, libarchive and OpenSSL stay in their folders' '
	bad_tree &&
	printf "#include <mailutils/mailutils.h>\n" >>src/select/scope.c &&
	printf "#include <pcre2.h>\n" >>src/mail/mbox.c &&
	printf "#include <jansson.h>\n" >>src/act/plan.c &&
	printf "#include <archive.h>\n" >>src/audit/tree.c &&
	printf "#include <mailutils/locker.h>\n" >>src/act/writer.c &&
	printf "#include <openssl/sha.h>\n" >>src/act/pipermail.c &&
	! $LAYERS src >out &&
	grep -q "select/scope.c:.*<mailutils/mailutils.h>" out &&
	grep -q "mail/mbox.c:.*<pcre2.h>" out &&
	grep -q "act/plan.c:.*<jansson.h>" out &&
	grep -q "audit/tree.c:.*<archive.h>" out &&
	grep -q "act/writer.c:.*<mailutils/locker.h>" out &&
	grep -q "act/pipermail.c:.*<openssl/sha.h>" out &&
	test "$(wc -l <out)" = 6
'

test_expect_success 'a folder without a README, and a file too long, are refused' '
	bad_tree &&
	rm src/detect/README &&
	seq 700 | sed "s/.*/\/\/ &/" >>src/select/scope.c &&
	! $LAYERS src >out &&
	grep -q "^detect/: no README" out &&
	grep -q "^select/scope.c: [0-9]* lines" out
'

test_done
