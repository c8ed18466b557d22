#!/bin/sh
test_description='threads prints the conversation around a Message-ID'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox

test_expect_success 'the tree, with the missing parent shown' '
	"$LISTSCRUB" threads --message-id move-3@example.org "$BASIC" >out &&
	cut -c1-40 out | sed "s/ *\$//" >got &&
	cat >want <<-\EOF_ &&
	<move-1@example.org> '"$BASIC"':#0
	  <move-2@example.net> '"$BASIC"':#1
	    <move-3@example.org> '"$BASIC"':#2
	      <move-5@example.org> '"$BASIC"':#4
	  (a message that is not in the archive)
	    <move-4@example.net> '"$BASIC"':#3
	EOF_
	sed "s/\(.*:#[0-9]\) .*/\1/" out | cut -c1-200 >got &&
	test_cmp want got &&
	! grep -q "Server move" out &&
	"$LISTSCRUB" threads --show-matches --message-id move-3@example.org "$BASIC" >out &&
	grep -q "Re: Server move this weekend" out
'

test_expect_success 'JSON: one object per message, with depth' '
	"$LISTSCRUB" threads --message-id move-1@example.org --format json "$BASIC" >out &&
	test $(wc -l <out) = 8 &&
	head -n 1 out | grep -q "^{\"listscrub\":{\"format\":1,\"command\":\"threads\"" &&
	tail -n 1 out | grep -q "^{\"summary\":{\"threads\":1,\"not_found\":0,\"messages\":5,\"missing\":1}}$" &&
	grep -q "\"depth\":3,\"message_id\":\"move-5@example.org\"" out &&
	grep -q "{\"depth\":1,\"missing\":true}" out
'

test_expect_success 'copies of one Message-ID in several files are shown together' '
	cp "$BASIC" a.mbox && cp "$BASIC" b.mbox &&
	"$LISTSCRUB" threads --message-id move-2@example.net a.mbox b.mbox >out &&
	test $(grep -c "<move-2@example.net>" out) = 2
'

test_expect_code 1 'an unknown Message-ID is reported' '
	"$LISTSCRUB" threads --message-id nosuch@example.org "$BASIC"
'

test_done
