#!/bin/sh
test_description='scan finds leaked addresses in every form and changes nothing'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox
LEAK=petra.vos@example.com

test_expect_code 1 'findings exit 1' '"$LISTSCRUB" scan --address $LEAK "$BASIC"'
test_expect_code 0 'nothing found exits 0' '"$LISTSCRUB" scan --address nobody@example.org "$BASIC"'

test_expect_success 'the exact messages, with every form of the address' '
	"$LISTSCRUB" scan --address PETRA.VOS@EXAMPLE.COM --show-matches "$BASIC" >out || test $? = 1
	grep "^[^ #]" out | cut -d" " -f1,3 >got &&
	cat >want <<-\EOF_ &&
	'"$BASIC"':#1 <move-2@example.net>
	'"$BASIC"':#2 <move-3@example.org>
	'"$BASIC"':#5 <minutes@example.org>
	'"$BASIC"':#6 <b64@example.net>
	EOF_
	test_cmp want got &&
	grep -q "part 0 raw\[124,145) address $LEAK" out &&
	grep -q "part 1 raw\[435,456)" out &&
	grep -q "part 2 decoded\[21,42)" out &&
	grep -q "part 3 raw\[611,636)" out &&
	grep -q "part 3 raw\[661,684)" out &&
	grep -q "part 1 decoded\[9,30)" out
'

test_expect_success 'raw offsets point at the address in the file' '
	"$LISTSCRUB" scan --address $LEAK --format json "$BASIC" >out || test $? = 1
	off=$(json_items out | sed -n 1p | sed "s/.*\"offset\":\([0-9]*\).*\"start\":\([0-9]*\),\"end\":\([0-9]*\).*/\1 \2 \3/") &&
	set -- $off &&
	test "$(dd if="$BASIC" bs=1 skip=$(($1 + $2)) count=$(($3 - $2)) 2>/dev/null)" = "$LEAK"
'

test_expect_success 'a Message-ID that looks like the address is not a match' '
	"$LISTSCRUB" scan --address $LEAK "$BASIC" >out || test $? = 1
	! grep -q "list.mbox:#7 " out &&
	! grep -q "list.mbox:#8 " out
'

test_expect_success 'without --show-matches no address is printed anywhere' '
	"$LISTSCRUB" scan --address $LEAK "$BASIC" >out 2>err || test $? = 1
	"$LISTSCRUB" scan --address $LEAK --format json "$BASIC" >>out 2>>err || test $? = 1
	! grep -qi "petra" out && test ! -s err
'

test_expect_success 'an address in encoded words split in two is found' '
	printf "From: =?utf-8?q?petra.vos?= =?utf-8?q?=40example.com?=\n\nx\n" >ew.eml &&
	"$LISTSCRUB" scan --address $LEAK ew.eml >out || test $? = 1
	grep -q "^ew.eml:#0 .*reasons=address" out
'

test_expect_success 'an address in a UTF-16 part is found' '
	printf "Content-Type: text/plain; charset=utf-16le\nContent-Transfer-Encoding: base64\n\n%s\n" \
		"$(printf "p\000e\000t\000r\000a\000.\000v\000o\000s\000@\000e\000x\000a\000m\000p\000l\000e\000.\000c\000o\000m\000" | base64 -w0)" >u16.eml &&
	"$LISTSCRUB" scan --address $LEAK u16.eml >out || test $? = 1
	grep -q "^u16.eml:#0 .*reasons=address" out
'

test_expect_success '--list and --since/--until narrow the selection' '
	"$LISTSCRUB" scan --address $LEAK --list users "$BASIC" >out || test $? = 1
	grep -q "^# 9 messages read, 7 outside --since/--until/--list, 0 selected" out &&
	"$LISTSCRUB" scan --address $LEAK --since 2020-03-03 --until 2020-03-03T08:30 "$BASIC" >out || test $? = 1
	grep -q "<minutes@example.org>" out &&
	grep -q ", 1 selected" out
'

test_expect_success 'thread selection: subtree, whole, none' '
	"$LISTSCRUB" scan --message-id "<move-2@example.net>" "$BASIC" >out || test $? = 1
	grep -c "^[^#]" out >n && test $(cat n) = 3 &&
	grep -q "list.mbox:#1 .*reasons=message-id" out &&
	grep -q "list.mbox:#2 .*reasons=thread" out &&
	grep -q "list.mbox:#4 .*reasons=thread" out &&
	"$LISTSCRUB" scan --message-id move-2@example.net --thread=whole "$BASIC" >out || test $? = 1
	test $(grep -c "^[^#]" out) = 5 &&
	"$LISTSCRUB" scan --message-id move-2@example.net --thread none "$BASIC" >out || test $? = 1
	test $(grep -c "^[^#]" out) = 1
'

test_expect_success 'Message-IDs from a file, <> optional, comments skipped' '
	printf "# incident 7\nmove-4@example.net\n<b64@example.net>\n" >ids &&
	"$LISTSCRUB" scan --message-ids ids "$BASIC" >out || test $? = 1
	test $(grep -c "^[^#]" out) = 2
'

test_expect_success 'scan changes nothing under PATH' '
	cp -r "$FIXTURES/basic" tree &&
	gzip -n -c "$BASIC" >tree/old.mbox.gz &&
	tree_state tree >before &&
	"$LISTSCRUB" scan --address $LEAK --message-id move-1@example.org tree >/dev/null || test $? = 1
	tree_state tree >after &&
	test_cmp before after &&
	test $(find tree -newer before | wc -l) = 0
'

test_done
