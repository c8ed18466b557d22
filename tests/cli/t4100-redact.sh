#!/bin/sh
test_description='purge --action redact: spans out, every message kept, signed and verified'
. "$(dirname "$0")/test-lib.sh"

CHECK=$TEST_SRCDIR/tests/cli/lib/redact_check.py
RULES=$TEST_SRCDIR/rules

test_expect_success 'a redaction plan changes nothing' '
	cp "$TEST_SRCDIR/tests/fixtures/basic/list.mbox" plan.mbox &&
	cp plan.mbox plan.orig &&
	"$LISTSCRUB" purge --address petra.vos@example.com plan.mbox >out &&
	grep "action=redact" out &&
	cmp plan.mbox plan.orig
'

test_expect_success 'redacting an address keeps every message, signed and verified' '
	cp plan.orig list.mbox &&
	echo petra.vos@example.com >values &&
	"$LISTSCRUB" purge --address petra.vos@example.com $APPLY list.mbox >out &&
	python3 "$CHECK" plan.orig list.mbox values &&
	"$LISTSCRUB" verify --manifest "$MANIFESTS/0001" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" list.mbox
'

test_expect_success 'QP, base64, HTML, munged and RFC 2047 forms are redacted' '
	cat >forms.mbox <<-\EOM &&
	From x@y Thu Jan  1 00:00:00 2015
	From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@leak.de>
	To: list@lists.org, "Ann" <ann@other.org>, jurgen@leak.de
	Cc: jurgen@leak.de
	Subject: =?UTF-8?Q?write_to_jurgen=40leak.de?=
	Message-ID: <f1@y>
	MIME-Version: 1.0
	Content-Type: multipart/alternative; boundary="b"

	--b
	Content-Type: text/plain; charset=utf-8
	Content-Transfer-Encoding: quoted-printable

	Mail jurgen=40leak.de or jurgen at leak.de, caf=C3=A9.
	> quoted: jurgen@leak.de
	--b
	Content-Type: text/html
	Content-Transfer-Encoding: base64

	PGEgaHJlZj0ibWFpbHRvOmp1cmdlbiU0MGxlYWsuZGUiPmp1cmdlbiYjNjQ7bGVhay5kZTwvYT4K
	--b--

	From x@y Thu Jan  1 00:00:00 2015
	From: other@else.org
	Message-ID: <f2@y>

	untouched
	EOM
	cp forms.mbox forms.orig && echo jurgen@leak.de >v2 &&
	"$LISTSCRUB" purge --address jurgen@leak.de $APPLY forms.mbox >out &&
	python3 "$CHECK" forms.orig forms.mbox v2 >res && cat res &&
	grep "2 messages, 1 redacted, 0 problems" res &&
	grep "^To: list@lists.org" forms.mbox && ! grep "^Cc:" forms.mbox
'

test_expect_success 'messages matched only by flag rules are listed, never changed' '
	cat >flag.mbox <<-\EOM &&
	From x@y Thu Jan  1 00:00:00 2015
	From: a@lists.org
	Message-ID: <g1@y>

	Send it to
	Hauptstrasse 12
	10115 Berlin
	and pay DE89 3704 0044 0532 0130 00.

	From x@y Thu Jan  1 00:00:00 2015
	From: b@lists.org
	Message-ID: <g2@y>

	Our office:
	Lindenweg 4
	80331 Muenchen

	EOM
	cp flag.mbox flag.orig &&
	"$LISTSCRUB" purge --action delete flag.mbox >out &&
	grep "^flag.mbox:#0 .*action=delete state=planned" out &&
	grep "^flag.mbox:#1 .*action=flag state=flagged" out &&
	grep "would delete 1 message " out &&
	grep "1 more message matched only rules with action flag" out &&
	"$LISTSCRUB" purge --action delete --format json $APPLY flag.mbox >out.json &&
	python3 -c "
import json,sys
rows=[json.loads(l) for l in open(\"out.json\")][1:-1]
got=sorted((r[\"message_id\"],r[\"action\"],r[\"state\"]) for r in rows)
assert got==[(\"g1@y\",\"delete\",\"deleted\"),(\"g2@y\",\"flag\",\"flagged\")], got" &&
	sed -n "/Message-ID: <g2@y>/,\$p" flag.orig >kept.want &&
	sed -n "/Message-ID: <g2@y>/,\$p" flag.mbox >kept.got &&
	cmp kept.want kept.got && ! grep -q "g1@y" flag.mbox
'

test_expect_success '--marker sets the replacement; one that would break a header is refused' '
	cp plan.orig mark.mbox &&
	"$LISTSCRUB" purge --address petra.vos@example.com --marker "[removed]" \
		$APPLY mark.mbox >out &&
	grep -q "\[removed\]" mark.mbox && ! grep -q "\[redacted\]" mark.mbox &&
	for bad in "" "a\"b" "<x>" "caf$(printf "\303\251")"; do
		expect_status 2 "$LISTSCRUB" purge --address petra.vos@example.com \
			--marker "$bad" plan.orig || return 1
	done
'

# The shared mkcorpus generator may be absent (a release tarball, make
# distcheck): then these three are skipped one by one.
if test_have_mkcorpus; then

test_expect_success 'mkcorpus: every leaked address of every incident goes, in every form' '
	python3 "$MKCORPUS" --out corpus --messages 600 --seed 11 >/dev/null &&
	python3 -c "import json;t=json.load(open(\"corpus/truth.json\"));a=sorted({x for i in t[\"incidents\"] for x in i[\"leaked_addresses\"]});print(\"\n\".join(a))" >leaked &&
	mkdir before && cp corpus/*.mbox before/ &&
	"$LISTSCRUB" purge --addresses leaked $APPLY corpus/*.mbox >out &&
	for f in before/*.mbox; do
		python3 "$CHECK" "$f" "corpus/${f#before/}" leaked || return 1
	done
'

test_expect_success 'mkcorpus: planted IBANs and cards are redacted, decoys left alone' '
	rm -rf corpus && python3 "$MKCORPUS" --out corpus --messages 600 --seed 12 >/dev/null &&
	python3 -c "
import json;t=json.load(open(\"corpus/truth.json\"))
open(\"pii\",\"w\").write(\"\n\".join(p[\"value\"] for i in t[\"incidents\"] for p in i[\"pii\"] if p[\"type\"] in (\"iban\",\"card\",\"phone\"))+\"\n\")
open(\"decoys\",\"w\").write(\"\n\".join(d[\"value\"] for d in t[\"decoys\"])+\"\n\")" &&
	rm -rf before && mkdir before && cp corpus/*.mbox before/ &&
	"$LISTSCRUB" purge $APPLY corpus/*.mbox >out &&
	for f in before/*.mbox; do
		python3 "$CHECK" "$f" "corpus/${f#before/}" pii >res || { cat res; return 1; }
	done &&
	while read -r d; do
		grep -q -F "$d" corpus/*.mbox || { echo "decoy gone: $d"; return 1; }
	done <decoys
'

test_expect_success 'mkcorpus: --detect selects exactly the mass disclosures and redacts them' '
	rm -rf corpus && python3 "$MKCORPUS" --out corpus --messages 600 --seed 11 >/dev/null &&
	python3 "$TEST_SRCDIR/tests/cli/lib/mass_truth.py" corpus/truth.json \
		mass.ids mass.values corpus/*.mbox &&
	detect="--no-default-rules --detect mass-recipients --detect address-lists" &&
	expect_status 1 "$LISTSCRUB" scan $detect --format json corpus/*.mbox >mass.json &&
	python3 -c "
import json
got=sorted(\"<\"+json.loads(l)[\"message_id\"]+\">\" for l in open(\"mass.json\").readlines()[1:-1])
want=sorted(l.strip() for l in open(\"mass.ids\"))
assert got==want, (got, want)" &&
	rm -rf before && mkdir before && cp corpus/*.mbox before/ &&
	"$LISTSCRUB" purge $detect $APPLY corpus/*.mbox >out &&
	for f in before/*.mbox; do
		python3 "$CHECK" "$f" "corpus/${f#before/}" mass.values mass.ids >res ||
			{ cat res; return 1; }
	done &&
	run=$(ls -d "$MANIFESTS"/0* | tail -1) &&
	"$LISTSCRUB" verify --manifest "$run" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" --prev "$(ls -d "$MANIFESTS"/0* | tail -2 | head -1)" \
		corpus/*.mbox >v && grep -q "^# verified" v
'
else
	for t in "every leaked address of every incident" "planted IBANs and cards" "--detect mass disclosures"; do
		test_skip "mkcorpus: $t" "../shared/tools/mkcorpus (and python3) are not here"
	done
fi

test_done
