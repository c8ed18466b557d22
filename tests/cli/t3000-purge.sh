#!/bin/sh
test_description='purge plans by default and deletes exactly the selected messages'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox

test_expect_success 'the plan changes nothing' '
	cp "$BASIC" list.mbox &&
	"$LISTSCRUB" purge --message-id move-2@example.net list.mbox >out &&
	cmp "$BASIC" list.mbox &&
	grep -q "state=planned" out &&
	grep -q "would delete 3 messages in 1 mailbox; nothing was changed" out
'

test_expect_success '--apply deletes the subtree; every other byte stays' '
	cp "$BASIC" list.mbox &&
	"$LISTSCRUB" purge --message-id move-2@example.net $APPLY list.mbox >out &&
	grep -q "deleted 3 messages in 1 mailbox" out &&
	printf "move-2@example.net\nmove-3@example.org\nmove-5@example.org\n" >ids &&
	python3 "$ORACLE" "$BASIC" list.mbox ids &&
	grep -q "^From the operations team" list.mbox &&
	grep -q "^>From now on" list.mbox
'

test_expect_success 'the file keeps its mode and the directory has no leftovers' '
	cp "$BASIC" list.mbox && chmod 640 list.mbox &&
	"$LISTSCRUB" purge --message-id move-1@example.org $APPLY list.mbox >/dev/null &&
	test "$(stat -c %a list.mbox)" = 640 &&
	test "$(ls -A | grep -c listscrub)" = 0
'

test_expect_success 'purging everything leaves an empty file' '
	printf "From a@example.org Thu Mar  5 10:00:00 2020\nMessage-ID: <only@x>\n\nx\n" >one.mbox &&
	"$LISTSCRUB" purge --message-id only@x $APPLY one.mbox >/dev/null &&
	test -f one.mbox && test ! -s one.mbox
'

test_expect_success '--limit applies the first N and defers the rest' '
	cp "$BASIC" list.mbox &&
	"$LISTSCRUB" purge --message-id move-1@example.org --limit 2 $APPLY list.mbox >out &&
	test $(grep -c "state=deleted" out) = 2 &&
	test $(grep -c "state=deferred-by-limit" out) = 3 &&
	printf "move-1@example.org\nmove-2@example.net\n" >ids &&
	python3 "$ORACLE" "$BASIC" list.mbox ids &&
	"$LISTSCRUB" purge --message-id move-3@example.org $APPLY list.mbox >out &&
	printf "move-1@example.org\nmove-2@example.net\nmove-3@example.org\nmove-5@example.org\n" >ids &&
	python3 "$ORACLE" "$BASIC" list.mbox ids
'

test_expect_success '--backup-dir keeps the original' '
	mkdir -p a && cp "$BASIC" a/list.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY --backup-dir bk a/list.mbox >/dev/null &&
	cmp "$BASIC" bk/a/list.mbox &&
	! grep -q move-4@example.net a/list.mbox
'

test_expect_success 'a .gz mbox is written back gzipped' '
	gzip -n -c "$BASIC" >list.mbox.gz &&
	"$LISTSCRUB" purge --message-id b64@example.net $APPLY list.mbox.gz >/dev/null &&
	gzip -t list.mbox.gz &&
	gzip -dc list.mbox.gz >after.mbox &&
	echo b64@example.net >ids &&
	python3 "$ORACLE" "$BASIC" after.mbox ids
'

test_expect_success 'CRLF and mboxrd files keep their bytes' '
	sed "s/\$/\r/" "$BASIC" >crlf.mbox && cp crlf.mbox crlf.orig &&
	"$LISTSCRUB" purge --message-id move-3@example.org $APPLY crlf.mbox >/dev/null &&
	printf "move-3@example.org\nmove-5@example.org\n" >ids &&
	python3 "$ORACLE" crlf.orig crlf.mbox ids
'

test_expect_success 'Maildir: the files are unlinked, the others untouched' '
	mkdir -p md/cur md/new md/tmp &&
	awk "/^From [^ ]+ (Mon|Tue|Wed) Mar  [0-9] [0-9:]+ 2020\$/ { if (out) close(out); n++; out = sprintf(\"md/cur/%03d:2,S\", n); next } { print > out }" "$BASIC" &&
	tree_state md >before &&
	"$LISTSCRUB" purge --message-id move-1@example.org --thread=whole $APPLY md >out &&
	grep -q "deleted 5 messages" out &&
	tree_state md >after &&
	ls md/cur >left &&
	printf "006:2,S\n007:2,S\n008:2,S\n009:2,S\n" >want &&
	test_cmp want left &&
	grep -v "/00[1-5]:" before >kept &&
	test_cmp kept after
'

test_expect_success 'a thread over several files is purged in all of them' '
	mkdir -p multi &&
	sed -n "1,/^From carl/p" "$BASIC" | sed "\$d" >multi/a.mbox &&
	sed -n "/^From carl/,\$p" "$BASIC" >multi/b.mbox &&
	cp multi/a.mbox a.orig && cp multi/b.mbox b.orig &&
	"$LISTSCRUB" purge --message-id move-1@example.org $APPLY multi >out &&
	grep -q "deleted 5 messages in 2 mailboxes" out &&
	printf "move-1@example.org\nmove-2@example.net\nmove-3@example.org\nmove-4@example.net\nmove-5@example.org\n" >ids &&
	python3 "$ORACLE" a.orig multi/a.mbox ids &&
	python3 "$ORACLE" b.orig multi/b.mbox ids
'

test_expect_success 'address selection redacts by default' '
	cp "$BASIC" list.mbox &&
	"$LISTSCRUB" purge --address petra.vos@example.com list.mbox >out &&
	grep -q "action=redact" out && ! grep -q "action=delete" out &&
	cmp "$BASIC" list.mbox
'

test_expect_success 'address selection deletes with --action delete' '
	cp "$BASIC" list.mbox &&
	"$LISTSCRUB" purge --address petra.vos@example.com --action delete $APPLY list.mbox >out &&
	printf "move-2@example.net\nmove-3@example.org\nminutes@example.org\nb64@example.net\n" >ids &&
	python3 "$ORACLE" "$BASIC" list.mbox ids
'

test_expect_success 'purge --apply twice is a no-op the second time' '
	cp "$BASIC" list.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY list.mbox >/dev/null &&
	cp list.mbox once &&
	"$LISTSCRUB" purge --message-id move-4@example.net $APPLY list.mbox >out &&
	cmp once list.mbox &&
	grep -q "deleted 0 messages in 0 mailboxes" out
'

test_done
