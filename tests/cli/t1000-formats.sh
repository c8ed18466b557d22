#!/bin/sh
test_description='every archive format is read, its variant reported'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox
LEAK=petra.vos@example.com

# Split the fixture into one file per message (From_ lines dropped).
split_messages() {
	awk -v dir="$1" -v suffix="$2" '
		/^From [^ ]+ (Mon|Tue|Wed) Mar  [0-9] [0-9:]+ 2020$/ {
			if (out) close(out); n++
			out = sprintf("%s/%03d%s", dir, n, suffix); next
		}
		{ print > out }' "$BASIC"
}

test_expect_success 'mboxo: the fixture, with its unescaped From line' '
	"$LISTSCRUB" scan --address $LEAK "$BASIC" >out || test $? = 1
	grep -q "list.mbox: mboxo, 9 messages, 1 unescaped From line" out &&
	grep -q "^# 9 messages read, 4 selected" out
'

test_expect_success 'mboxrd: a >>From line is the evidence' '
	cp "$BASIC" rd.mbox &&
	printf "\nFrom x@example.org Thu Mar  5 10:00:00 2020\nMessage-ID: <rd@x>\n\n>>From a quote\n" >>rd.mbox &&
	"$LISTSCRUB" scan --message-id rd@x rd.mbox >out || test $? = 1
	grep -q "rd.mbox: mboxrd, 10 messages" out
'

test_expect_success 'mboxcl2: Content-Length frames an unescaped separator' '
	body="quoting an mbox:

From x@example.org Thu Mar  5 10:00:00 2020
Subject: not a message
"
	{
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nMessage-ID: <cl1@x>\nContent-Length: %s\n\n%s\n" \
			"$(printf "%s" "$body" | wc -c)" "$body"
		printf "From b@example.org Thu Mar  5 11:00:00 2020\nMessage-ID: <cl2@x>\nContent-Length: 6\n\nlast.\n"
	} >cl2.mbox &&
	"$LISTSCRUB" scan --message-id cl2@x cl2.mbox >out || test $? = 1
	grep -q "cl2.mbox: mboxcl2, 2 messages" out &&
	grep -q "cl2.mbox:#1 offset=" out
'

test_expect_success 'CRLF line ends are read and reported' '
	sed "s/\$/\r/" "$BASIC" >crlf.mbox &&
	"$LISTSCRUB" scan --address $LEAK crlf.mbox >out || test $? = 1
	grep -q "crlf.mbox: mboxo, 9 messages, CRLF" out &&
	grep -q "4 selected" out
'

test_expect_success 'a UTF-8 BOM before the first From_ line' '
	{ printf "\357\273\277"; cat "$BASIC"; } >bom.mbox &&
	"$LISTSCRUB" scan --address $LEAK bom.mbox >out || test $? = 1
	grep -q "bom.mbox: mboxo, 9 messages, 1 unescaped From line in bodies, BOM\|bom.mbox: mboxo, 9 messages, BOM" out &&
	grep -q "4 selected" out
'

test_expect_success 'gzip mbox' '
	gzip -n -c "$BASIC" >list.mbox.gz &&
	"$LISTSCRUB" scan --address $LEAK list.mbox.gz >out || test $? = 1
	grep -q "list.mbox.gz: mboxo.gz, 9 messages" out &&
	grep -q "4 selected" out
'

test_expect_success 'Maildir++ with a subfolder; tmp/ is not read' '
	mkdir -p md/cur md/new md/tmp md/.Archive/cur md/.Archive/new md/.Archive/tmp &&
	split_messages md/cur ":2,S" &&
	mv md/cur/009:2,S md/new/009 &&
	mv md/cur/006:2,S md/.Archive/cur/006:2,S &&
	echo "From: petra.vos@example.com" >md/tmp/partial &&
	"$LISTSCRUB" scan --address $LEAK md >out || test $? = 1
	grep -q "^# md: maildir, 8 messages" out &&
	grep -q "^# md/.Archive: maildir, 1 message" out &&
	grep -q "md/.Archive/cur/006:2,S:#0 " out &&
	grep -q "4 selected" out &&
	! grep -q partial out
'

test_expect_success 'a plain folder of single-message files, walked recursively' '
	mkdir -p plain/2020/03 &&
	split_messages plain/2020/03 .eml &&
	cp "$BASIC" plain/list.mbox &&
	ln -s 2020 plain/public &&
	"$LISTSCRUB" scan --address $LEAK plain >out || test $? = 1
	grep -q "^# 18 messages read, 8 selected" out &&
	! grep -q public out
'

test_expect_success 'a file named twice is read once' '
	"$LISTSCRUB" scan --address $LEAK plain plain/list.mbox ./plain/list.mbox >out || test $? = 1
	grep -q "^# 18 messages read, 8 selected" out
'

test_expect_success 'JSON Lines output has the fields of SPEC 2' '
	"$LISTSCRUB" scan --address $LEAK --format json "$BASIC" >out || test $? = 1
	json_items out >items &&
	test $(wc -l <items) = 4 &&
	for f in path index offset message_id reasons action matches rule part start end; do
		grep -q "\"$f\"" items || { echo "no $f"; exit 1; }
	done &&
	head -1 items | grep -q "\"index\":1,\"offset\":337,"
'

test_expect_success 'an unsplittable mbox is an error naming file and offset' '
	{
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nContent-Length: 48\n\n"
		printf "x\n\nFrom a@b Mon Jan  5 10:00:00 2015\nA: b\n\nend\n\n"
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nContent-Length: 900\n\nc\n\n"
		printf "From a@example.org Thu Mar  5 10:00:00 2020\nA: b\n\nd\n"
	} >bad.mbox &&
	! "$LISTSCRUB" scan --address $LEAK bad.mbox 2>err &&
	grep -q "bad.mbox.*cannot split safely.*offset" err
'

test_done
