#!/bin/sh
test_description='the same month exported by three archivers: every copy goes'
. "$(dirname "$0")/test-lib.sh"

test_need_corpus mbox-ponymail-asf

test_expect_success 'a Message-ID in six files of three archivers' '
	cp -r "$CORPORA/mbox-ponymail-asf" pony && cp -r pony orig &&
	python3 -c "
import re, glob, collections
c = collections.Counter()
for f in glob.glob(\"pony/maven-dev-2017-11-*.mbox\"):
    for m in set(re.findall(rb\"^Message-I[dD]:\\s*<([^>]+)>\", open(f, \"rb\").read(), re.M)):
        c[m] += 1
print(c.most_common(1)[0][0].decode())" >id &&
	"$LISTSCRUB" scan --message-ids id --thread none pony >out || test $? = 1
	test $(grep -c "reasons=message-id" out) = 6
'

test_expect_success 'purge removes every copy; every other message stays' '
	"$LISTSCRUB" purge --message-ids id --thread none $APPLY pony >out &&
	grep -q "deleted 6 messages in 6 mailboxes" out &&
	for f in orig/*.mbox; do
		python3 "$ORACLE" "$f" "pony/${f#orig/}" id >>checked || exit 1
	done &&
	test $(grep -c "1 removed" checked) = 6 &&
	! grep -q DIFFERENT checked
'

test_expect_success 'the signed run verifies on the real archive, and fails once it is restored' '
	run=$(ls -d "$MANIFESTS"/[0-9]* | tail -n 1) &&
	"$LISTSCRUB" verify --manifest "$run" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" pony >report &&
	grep -q "^# verified" report &&
	cp orig/*.mbox pony/ &&
	! "$LISTSCRUB" verify --manifest "$run" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" pony >report &&
	grep -q "^FAIL  *gone" report
'

test_done
