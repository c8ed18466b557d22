#!/bin/sh
test_description='purge signs a manifest; verify checks it and the archive'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox
PUB=$KEYS/sign.pub
IKEY=$KEYS/incident.key

# status CHECK: the status verify's JSON report gives that check
status() {
	python3 -c '
import json, sys
checks = [json.loads(l) for l in open(sys.argv[1])][1:-1]
print([c["status"] for c in checks if c["check"] == sys.argv[2]][0])
' report.json "$1"
}

# A fresh archive purged of Petra's messages: run 0001 of T-1 in m/.
fresh_run() {
	rm -rf arch m bk && mkdir arch && cp "$BASIC" arch/list.mbox &&
	"$LISTSCRUB" purge --address petra.vos@example.com --action delete \
		--apply --incident T-1 --sign-key "$KEYS/sign.key" \
		--incident-key "$IKEY" --manifest-dir m --backup-dir bk arch >out
}

# verify the run in m/0001; the exit status is verify's
verify_run() {
	"$LISTSCRUB" verify --manifest m/0001 --pubkey "${VPUB:-$PUB}" \
		--incident-key "${VIKEY:-$IKEY}" --format json "$@" arch \
		>report.json
}

test_expect_success 'keygen writes a 0600 secret key and a public key' '
	"$LISTSCRUB" keygen --out k >out &&
	test "$(stat -c %a k.key)" = 600 &&
	test "$(head -c 39 k.pub)" = "untrusted comment: minisign public key " &&
	grep -q "^RW" k.pub && grep -q "NOT encrypted" out &&
	"$LISTSCRUB" keygen --incident-key i.key >/dev/null &&
	test "$(stat -c %a i.key)" = 600 &&
	grep -Eqx "[0-9a-f]{64}" i.key
'

test_expect_code 2 'keygen never overwrites a key' '
	"$LISTSCRUB" keygen --out k
'

test_expect_success 'an encrypted key signs with its password and not without' '
	echo "correct horse" >pw && echo "wrong horse" >bad &&
	"$LISTSCRUB" keygen --out enc --password-file pw --kdf interactive \
		>/dev/null &&
	mkdir ea && cp "$BASIC" ea/list.mbox &&
	! "$LISTSCRUB" purge --message-id move-4@example.net --apply \
		--incident E-1 --sign-key enc.key --password-file bad \
		--incident-key "$IKEY" --manifest-dir em ea 2>err &&
	grep -q "wrong password" err && cmp "$BASIC" ea/list.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net --apply \
		--incident E-1 --sign-key enc.key --password-file pw \
		--incident-key "$IKEY" --manifest-dir em ea >/dev/null &&
	"$LISTSCRUB" verify --manifest em/0001 --pubkey enc.pub \
		--incident-key "$IKEY" ea >/dev/null
'

test_expect_code 2 'purge --apply without keys is refused before reading' '
	"$LISTSCRUB" purge --message-id move-4@example.net --apply arch
'

test_expect_success 'purge --apply writes the eight files of a run' '
	fresh_run &&
	grep -q "^# manifest: .*/m/0001 (incident T-1, run 1)" out &&
	(cd m/0001 && ls) >files &&
	printf "%s\n" manifest.jsonl manifest.jsonl.minisig summary.json \
		summary.json.minisig tree-after.sha256 tree-after.sha256.minisig \
		tree-before.sha256 tree-before.sha256.minisig >expect &&
	test_cmp expect files &&
	test "$(grep -c "\"t\":\"act\"" m/0001/manifest.jsonl)" = 4 &&
	test "$(grep -c "\"t\":\"file\"" m/0001/manifest.jsonl)" = 1
'

test_expect_success 'the listings check with sha256sum from the archive root' '
	(cd arch && sha256sum -c --strict ../m/0001/tree-after.sha256) &&
	(cd bk 2>/dev/null || cd arch; true) &&
	! (cd arch && sha256sum -c --strict ../m/0001/tree-before.sha256 \
		2>/dev/null)
'

test_expect_success 'no file of the run holds the personal data it records' '
	for s in petra.vos petra Petra move-2@example.net move-3 minutes \
		b64@example.net "Server move"; do
		! grep -r -i -F "$s" m || { echo "found $s"; exit 1; }
	done
'

test_expect_success 'manifest lines are canonical JSON in the documented order' '
	python3 - m/0001/manifest.jsonl <<-\PY
	import json, sys
	raw = open(sys.argv[1], "rb").read()
	assert raw.endswith(b"\n") and b"\r" not in raw
	lines = raw.split(b"\n")[:-1]
	objs = [json.loads(l) for l in lines]
	for l, o in zip(lines, objs):
	    again = json.dumps(o, sort_keys=True, separators=(",", ":"),
	                       ensure_ascii=False).encode()
	    assert again == l, l
	assert objs[0]["t"] == "header" and objs[-1]["t"] == "footer"
	assert [o["t"] for o in objs[1:-1]] == ["file"] + ["act"] * 4
	assert [o["n"] for o in objs[2:-1]] == [1, 2, 3, 4]
	PY
'

test_expect_success 'an independent Merkle root equals the footer and the comment' '
	python3 - m/0001 <<-\PY
	import hashlib, json, sys
	d = sys.argv[1]
	lines = open(d + "/manifest.jsonl", "rb").read().split(b"\n")[:-1]
	def mth(leaves):
	    if not leaves:
	        return hashlib.sha256(b"").digest()
	    if len(leaves) == 1:
	        return hashlib.sha256(b"\0" + leaves[0]).digest()
	    k = 1
	    while k * 2 < len(leaves):
	        k *= 2
	    return hashlib.sha256(b"\1" + mth(leaves[:k]) + mth(leaves[k:])).digest()
	root = mth(lines[:-1]).hex()
	footer = json.loads(lines[-1])
	assert footer["merkle_root"] == "sha256:" + root
	sig = open(d + "/manifest.jsonl.minisig").read().split("\n")
	assert " root=" + root + " " in sig[2], sig[2]
	PY
'

test_expect_success 'minisign accepts the signatures' '
	if command -v minisign >/dev/null; then
		minisign -V -H -q -p "$PUB" -m m/0001/manifest.jsonl &&
		minisign -V -H -q -p "$PUB" -m m/0001/summary.json &&
		minisign -V -Q -p "$PUB" -m m/0001/manifest.jsonl |
			grep -q "^lmr1 file=manifest.jsonl incident=T-1 seq=1 mode=apply "
	else
		echo "minisign is not installed: interoperability not checked"
	fi
'

test_expect_success 'minisign signs with a key listscrub made, and the other way round' '
	if command -v minisign >/dev/null; then
		echo data >blob &&
		minisign -S -s "$KEYS/sign.key" -m blob -t "made by minisign" \
			</dev/null >/dev/null &&
		minisign -V -p "$PUB" -m blob >/dev/null &&
		minisign -G -W -p mpub -s msec >/dev/null &&
		rm -rf ma && mkdir ma && cp "$BASIC" ma/list.mbox &&
		"$LISTSCRUB" purge --message-id move-4@example.net --apply \
			--incident M-1 --sign-key msec --incident-key "$IKEY" \
			--manifest-dir mm ma >/dev/null &&
		"$LISTSCRUB" verify --manifest mm/0001 --pubkey mpub \
			--incident-key "$IKEY" ma >/dev/null
	fi
'

test_expect_code 0 'verify passes every check with the incident key' '
	verify_run
'

test_expect_success 'the report names every check as OK' '
	for c in syntax signature completeness listings archive messages \
		chain gone; do
		test "$(status $c)" = OK || exit 1
	done
'

test_expect_code 3 'without the incident key, gone is NOT CHECKED: exit 3' '
	"$LISTSCRUB" verify --manifest m/0001 --pubkey "$PUB" arch >out;
'

test_expect_success 'the text report says NOT CHECKED, never OK, for gone' '
	grep -q "^NOT CHECKED  gone" out
'

test_expect_success 'verify takes the PATHs purge took, or their root' '
	rm -rf fa fm && mkdir fa && cp "$BASIC" fa/list.mbox &&
	cp "$BASIC" fa/other.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net --apply \
		--incident F-1 --sign-key "$KEYS/sign.key" \
		--incident-key "$IKEY" --manifest-dir fm fa/list.mbox >/dev/null &&
	grep -q "\"include\":\[\"list.mbox\"\]" fm/0001/manifest.jsonl &&
	"$LISTSCRUB" verify --manifest fm/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" fa/list.mbox >/dev/null &&
	"$LISTSCRUB" verify --manifest fm/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" fa >/dev/null &&
	! "$LISTSCRUB" verify --manifest fm/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" fa/other.mbox 2>err &&
	grep -q "do not cover the scope" err
'

# ---- every row of the failure table: verify must exit 1 ----

# tamper DESCRIPTION CHECK 'COMMANDS': on a fresh run, COMMANDS break
# something; verify must exit 1 and CHECK must be FAIL.
tamper() {
	test_expect_success "$1: $2 fails" "
		fresh_run &&
		{ $3 ; } &&
		{ verify_run; test \$? = 1; } &&
		test \"\$(status $2)\" = FAIL
	"
}

tamper 'no signature' signature 'rm m/0001/manifest.jsonl.minisig'
tamper 'a bad signature' signature \
	'sed -i "2s/^\(.\{20\}\)./\1A/" m/0001/manifest.jsonl.minisig &&
	 sed -i "2s/^\(.\{21\}\)./\1B/" m/0001/manifest.jsonl.minisig'
tamper 'another key' signature \
	'rm -f other.key other.pub &&
	 "$LISTSCRUB" keygen --out other >/dev/null && VPUB=other.pub'
tamper 'an edited trusted comment' signature \
	'sed -i "3s/seq=1/seq=2/" m/0001/manifest.jsonl.minisig'
tamper 'a truncated manifest' syntax \
	'sed -i "\$d" m/0001/manifest.jsonl'
tamper 'reordered lines' syntax \
	'python3 -c "
import sys
p = \"m/0001/manifest.jsonl\"
l = open(p).readlines()
l[2], l[3] = l[3], l[2]
open(p, \"w\").writelines(l)"'
tamper 'a CRLF-converted manifest' syntax \
	'sed -i "s/\$/\r/" m/0001/manifest.jsonl'
tamper 'a line appended' syntax \
	'tail -n 2 m/0001/manifest.jsonl | head -n 1 >>m/0001/manifest.jsonl'
tamper 'an act line edited' signature \
	'sed -i "3s/\"index\":1,/\"index\":0,/" m/0001/manifest.jsonl'
tamper 'a listing edited' listings \
	'sed -i "1s/^./0/" m/0001/tree-after.sha256'
tamper 'a file edited after the run' archive \
	'echo >>arch/list.mbox'
tamper 'a file added after the run' archive \
	'cp "$BASIC" arch/new.mbox'
tamper 'a removed message put back' gone \
	'cp bk/arch/list.mbox arch/list.mbox'
tamper 'a leaked address restored in a quoted reply' gone \
	'sed -i "s/^Not leaked either:.*/> petra.vos@EXAMPLE.com wrote:/" arch/list.mbox &&
	 grep -q "^> petra.vos@EXAMPLE.com wrote:" arch/list.mbox'
tamper 'a message deleted for an address back under its Message-ID, with the address' gone \
	'printf "\nFrom x@y Mon Mar  2 10:15:00 2020\nMessage-ID: <move-2@example.net>\n\nto petra.vos@example.com\n\n" >>arch/list.mbox'

test_expect_success 'a message deleted for an address has a namesake without it: noted, not failed' '
	fresh_run &&
	printf "\nFrom x@y Mon Mar  2 10:15:00 2020\nMessage-ID: <move-2@example.net>\n\nnew text\n\n" >>arch/list.mbox &&
	(cd arch && sha256sum list.mbox) >/dev/null &&
	{ verify_run; test $? = 1; } &&
	test "$(status gone)" = OK && test "$(status archive)" = FAIL &&
	grep -q "has the Message-ID of a message deleted for what it held" report.json
'

test_expect_success 'a deleted message back under its Message-ID: gone fails' '
	rm -rf arch m && mkdir arch && cp "$BASIC" arch/list.mbox &&
	"$LISTSCRUB" purge --message-id move-2@example.net --thread=none \
		--apply --incident T-1 --sign-key "$KEYS/sign.key" \
		--incident-key "$IKEY" --manifest-dir m arch >out &&
	printf "\nFrom x@y Mon Mar  2 10:15:00 2020\nMessage-ID: <move-2@example.net>\n\nnew text\n\n" >>arch/list.mbox &&
	{ verify_run; test $? = 1; } &&
	test "$(status gone)" = FAIL
'
tamper 'a wrong incident key' gone \
	'rm -f other-incident.key &&
	 "$LISTSCRUB" keygen --incident-key other-incident.key >/dev/null &&
	 VIKEY=other-incident.key'

test_expect_success 'an edited untrusted comment is not a failure' '
	fresh_run &&
	sed -i "1s/.*/untrusted comment: anything at all/" \
		m/0001/manifest.jsonl.minisig &&
	verify_run
'

# ---- sequences ----

test_expect_success 'a second run of the incident is run 2, chained to run 1' '
	fresh_run &&
	"$LISTSCRUB" purge --message-id ida-1@example.org --apply --incident T-1 \
		--sign-key "$KEYS/sign.key" --incident-key "$IKEY" \
		--manifest-dir m arch >out &&
	grep -q "(incident T-1, run 2)" out &&
	grep -q "\"prev\":\"sha256:$(sha256sum <m/0001/manifest.jsonl | cut -c1-64)\"" \
		m/0002/manifest.jsonl &&
	grep -q " seq=2 " m/0002/manifest.jsonl.minisig
'

test_expect_code 3 'without --prev the chain of run 2 is NOT CHECKED' '
	"$LISTSCRUB" verify --manifest m/0002 --pubkey "$PUB" \
		--incident-key "$IKEY" arch >out
'

test_expect_code 0 'with --prev the chain verifies' '
	"$LISTSCRUB" verify --manifest m/0002 --prev m/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" arch >out
'

test_expect_code 1 'a wrong --prev (a missing run, or a fork) fails' '
	"$LISTSCRUB" verify --manifest m/0002 --prev m/0002 --pubkey "$PUB" \
		--incident-key "$IKEY" arch >out
'

test_expect_code 1 'the signature of another run of the incident fails' '
	cp m/0002/manifest.jsonl.minisig m/0001/ &&
	"$LISTSCRUB" verify --manifest m/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" arch >out
'

test_expect_code 2 'a manifest dir of another incident is refused' '
	"$LISTSCRUB" purge --message-id ida-1@example.org --apply --incident T-2 \
		--sign-key "$KEYS/sign.key" --incident-key "$IKEY" \
		--manifest-dir m arch
'

# ---- plans, Maildir, .gz ----

test_expect_success 'a plan with --manifest-dir is recorded as mode plan and verifies' '
	rm -rf pa pm && mkdir pa && cp "$BASIC" pa/list.mbox &&
	"$LISTSCRUB" purge --message-id move-2@example.net --incident P-1 \
		--sign-key "$KEYS/sign.key" --incident-key "$IKEY" \
		--manifest-dir pm pa >out &&
	cmp "$BASIC" pa/list.mbox &&
	grep -q "\"mode\":\"plan\"" pm/0001/manifest.jsonl &&
	cmp pm/0001/tree-before.sha256 pm/0001/tree-after.sha256 &&
	"$LISTSCRUB" verify --manifest pm/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" pa >out &&
	grep -q "^NOT CHECKED  gone  *a plan removes nothing" out
'

test_expect_success 'Maildir and .gz runs verify, and fail when the file is back' '
	rm -rf ma2 mm2 && mkdir -p ma2/md/cur ma2/md/new ma2/md/tmp &&
	i=0 && for id in move-1@example.org move-2@example.net move-4@example.net; do
		i=$((i + 1)) &&
		printf "From: a@b\nMessage-ID: <%s>\n\nbody %s\n" "$id" "$i" \
			>ma2/md/cur/$i.host:2,S || exit 1
	done &&
	cp "$BASIC" ma2/list.mbox && gzip ma2/list.mbox &&
	cp ma2/md/cur/2.host:2,S two &&
	"$LISTSCRUB" purge --message-id move-2@example.net --thread none \
		--apply --incident G-1 --sign-key "$KEYS/sign.key" \
		--incident-key "$IKEY" --manifest-dir mm2 ma2 >/dev/null &&
	test ! -e ma2/md/cur/2.host:2,S &&
	"$LISTSCRUB" verify --manifest mm2/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" ma2 >out &&
	cp two ma2/md/cur/2.host:2,S &&
	! "$LISTSCRUB" verify --manifest mm2/0001 --pubkey "$PUB" \
		--incident-key "$IKEY" ma2 >out &&
	grep -q "added after the run: md/cur/2.host:2,S" out &&
	grep -q "^FAIL *gone" out
'

test_expect_success 'a run killed at any moment leaves whole runs only' '
	rm -rf ka km && mkdir ka &&
	awk -v n=3000 "{ line[NR] = \$0 }
		END { for (i = 1; i <= n; i++) {
			for (j = 1; j <= NR; j++) {
				l = line[j]; gsub(/move-/, \"m\" i \"-\", l); print l
			}
			print \"\"
		} }" "$BASIC" >ka/big.mbox &&
	cat "$BASIC" >>ka/big.mbox &&
	for delay in 0.005 0.01 0.02 0.03 0.05; do
		"$LISTSCRUB" purge --message-id move-4@example.net --apply \
			--incident K-1 --sign-key "$KEYS/sign.key" \
			--incident-key "$IKEY" --manifest-dir km ka \
			>/dev/null 2>&1 & pid=$!
		sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		for d in km/[0-9]*; do
			test -e "$d" || continue
			test -f "$d/manifest.jsonl.minisig" || exit 1
		done
	done &&
	"$LISTSCRUB" purge --message-id move-4@example.net --apply \
		--incident K-1 --sign-key "$KEYS/sign.key" \
		--incident-key "$IKEY" --manifest-dir km ka >/dev/null &&
	prev= && set -- km/[0-9]* && last=$(eval echo "\${$#}") &&
	if [ $# -gt 1 ]; then
		shift $(($# - 2)) && prev="--prev $1"
	fi &&
	"$LISTSCRUB" verify --manifest "$last" $prev --pubkey "$PUB" \
		--incident-key "$IKEY" ka >out &&
	! grep -q "move-4@example.net" ka/big.mbox
'

test_done
