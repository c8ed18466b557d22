#!/bin/sh
test_description='the real uboot-stm32 mbox: purge one long thread'
. "$(dirname "$0")/test-lib.sh"

test_need_corpus mbox-uboot-stm32/uboot-stm32.mbox.gz

SEED='<20190403103217.24497-1-patrick.delaunay@st.com>'

test_expect_success 'unpack the real archive' '
	gzip -dc "$CORPORA/mbox-uboot-stm32/uboot-stm32.mbox.gz" >uboot.mbox &&
	cp uboot.mbox orig.mbox
'

test_expect_success 'scan sees all 8536 messages as mboxrd' '
	"$LISTSCRUB" scan --message-id nosuch@x uboot.mbox >out &&
	grep -q "uboot.mbox: mboxrd, 8536 messages" out
'

test_expect_success 'pick the longest thread and purge it' '
	python3 - uboot.mbox >seed <<-\EOF_ &&
	import re, sys, collections
	data = open(sys.argv[1], "rb").read()
	parents = collections.Counter()
	for m in re.finditer(rb"^References:((?:.*\n[ \t].*)*.*)", data, re.M):
	    ids = re.findall(rb"<([^>]+)>", m.group(1))
	    if ids:
	        parents[ids[0]] += 1
	print(parents.most_common(1)[0][0].decode())
	EOF_
	"$LISTSCRUB" scan --message-ids seed --format json uboot.mbox >all || test $? = 1
	json_items all >sel &&
	test $(wc -l <sel) -ge 20 &&
	sed "s/.*\"message_id\":\"\([^\"]*\)\".*/\1/" sel | sort -u >ids &&
	"$LISTSCRUB" purge --message-ids seed $APPLY uboot.mbox >out &&
	grep -q "deleted $(wc -l <sel) messages" out &&
	python3 "$ORACLE" orig.mbox uboot.mbox ids
'

test_expect_success 'the signed run verifies on the real archive, and fails once it is restored' '
	run=$(ls -d "$MANIFESTS"/[0-9]* | tail -n 1) &&
	"$LISTSCRUB" verify --manifest "$run" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" uboot.mbox >report &&
	grep -q "^# verified" report &&
	cp orig.mbox uboot.mbox &&
	! "$LISTSCRUB" verify --manifest "$run" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" uboot.mbox >report &&
	grep -q "^FAIL  *gone" report
'

test_expect_success 'redact a real sender everywhere: every message stays, the address goes' '
	cp orig.mbox red.mbox &&
	echo patrick.delaunay@st.com >who &&
	"$LISTSCRUB" purge --addresses who --apply --incident U-2 --sign-key "$KEYS/sign.key" \
		--incident-key "$KEYS/incident.key" --manifest-dir red-manifests red.mbox >out &&
	grep -q "redacted" out &&
	python3 "$TEST_SRCDIR/tests/cli/lib/redact_check.py" orig.mbox red.mbox who >res &&
	cat res && grep -q "8536 messages, [1-9][0-9]* redacted, 0 problems" res &&
	"$LISTSCRUB" verify --manifest red-manifests/0001 \
		--pubkey "$KEYS/sign.pub" --incident-key "$KEYS/incident.key" red.mbox >v &&
	grep -q "gone .*OK\|OK .*gone" v
'

test_done
