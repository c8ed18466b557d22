#!/bin/sh
test_description='trust: nothing removed that was not selected, no leak left and called gone, no work reported that was not done'
. "$(dirname "$0")/test-lib.sh"

CHECK=$TEST_SRCDIR/tests/cli/lib/trust_check.py

# ---- A. nothing removed or damaged that was not asked ------------------------

test_expect_success 'a CR-only message is redacted in its own line ends, nothing else changed' '
	printf "From: Bob <bob@example.org>\rTo: ann@example.org, carl@example.org\rSubject: hello\rMessage-ID: <cr@x>\r\rDear Ann (ann@example.org),\rsee you.\r" >cr.eml &&
	cp cr.eml orig.eml &&
	"$LISTSCRUB" purge --address ann@example.org $APPLY cr.eml >out &&
	python3 "$CHECK" cr-only orig.eml cr.eml ann@example.org
'

test_expect_success 'a To with 1,500 entries keeps the 1,499 not leaked' '
	python3 "$CHECK" mass-cc 1500 750 >cc.mbox &&
	cp cc.mbox orig.mbox &&
	"$LISTSCRUB" purge --address leak-750@example.org $APPLY cc.mbox >out &&
	python3 "$CHECK" recipients orig.mbox cc.mbox leak-750@example.org
'

test_expect_success 'a separator after a line that is not empty splits; deleting one message deletes only it' '
	python3 "$CHECK" noblank >nb.mbox &&
	cp nb.mbox orig.mbox &&
	expect_status 1 "$LISTSCRUB" scan --message-id m2@example.org --thread=none nb.mbox >out 2>err &&
	grep -q "^# 4 messages read, 1 selected" out &&
	grep -q "separator-without-blank-line: 2 separators without an empty line" err &&
	"$LISTSCRUB" purge --message-id m2@example.org --thread=none $APPLY nb.mbox >out &&
	python3 "$CHECK" deleted orig.mbox nb.mbox m2@example.org
'

test_expect_success 'a body line "From what I see, ..." is not a separator' '
	python3 "$CHECK" noblank >nb.mbox &&
	expect_status 1 "$LISTSCRUB" scan --message-id m3@example.org --thread=none nb.mbox >out &&
	grep -q "^# 4 messages read" out &&
	expect_status 1 "$LISTSCRUB" scan --address from-line-body@example.org nb.mbox >out &&
	grep -q "<m3@example.org>" out
'

test_expect_success 'old envelope lines with an RFC 822 date split (pre-2.0 pipermail)' '
	python3 "$CHECK" rfc822-envelopes >old.txt &&
	"$LISTSCRUB" scan --address nobody@example.invalid old.txt >out &&
	grep -q "^# 3 messages read" out
'

P=$CORPORA/pipermail-twisted/archives/private
if [ -d "$P" ]; then
	test_expect_success 'pipermail .txt months: twisted-web 5374 (.txt and .txt.gz), reality 231' '
		"$LISTSCRUB" scan --address nobody@example.invalid "$P"/twisted-web/*.txt >out 2>/dev/null &&
		grep -q "^# 5374 messages read" out &&
		"$LISTSCRUB" scan --address nobody@example.invalid "$P"/twisted-web/*.txt.gz >out 2>/dev/null &&
		grep -q "^# 5374 messages read" out &&
		"$LISTSCRUB" scan --address nobody@example.invalid "$P"/reality/*.txt.gz >out 2>/dev/null &&
		grep -q "^# 231 messages read" out
	'
	test_expect_success 'pipermail .txt: purge of one Message-ID removes exactly that message' '
		cp "$P/twisted-web/2005-August.txt" month.txt && chmod u+w month.txt &&
		cp month.txt orig.txt &&
		id=$(python3 "$CHECK" id-before-noblank orig.txt) &&
		"$LISTSCRUB" purge --message-id "$id" --thread=none $APPLY month.txt >out &&
		grep -q "deleted 1 message " out &&
		python3 "$CHECK" deleted orig.txt month.txt "$id"
	'
else
	test_skip 'pipermail .txt months' '../shared/corpora/pipermail-twisted is not here'
	test_skip 'pipermail .txt purge' '../shared/corpora/pipermail-twisted is not here'
fi

test_expect_success 'files that are not mail are searched, listed, and never changed' '
	mkdir -p tree/database && cp "$FIXTURES/basic/list.mbox" tree/list.mbox &&
	printf "<!DOCTYPE HTML>\n<p>mail <a href=\"mailto:petra%%40example.org\">petra@example.org</a></p>\n" >tree/000001.html &&
	printf "{\000\000\000s\007petra@example.org\000" >tree/database/2005-May-article &&
	cp -r tree before &&
	"$LISTSCRUB" purge --address petra@example.org $APPLY tree >out 2>err &&
	cmp before/000001.html tree/000001.html &&
	cmp before/database/2005-May-article tree/database/2005-May-article &&
	grep -q "000001.html: not-mail:" err &&
	grep -q "action=keep state=not-mail" out &&
	grep -q "passed over: 2 files that are not mail" out
'

test_expect_success 'a single-message .gz is written back gzip, redacted' '
	printf "From: Ann <ann@example.org>\nMessage-ID: <gz1@x>\nSubject: hi\n\nann@example.org wrote this.\n" | gzip -c >one.eml.gz &&
	"$LISTSCRUB" purge --address ann@example.org $APPLY one.eml.gz >out &&
	grep -q "state=redacted" out &&
	python3 -c "
import gzip, email, sys
raw = gzip.open(\"one.eml.gz\").read()
msg = email.message_from_bytes(raw)
assert b\"ann@example.org\" not in raw, raw
assert msg[\"Message-ID\"] == \"<gz1@x>\"
assert b\"[redacted] wrote this\" in raw
"
'

# ---- B. no leak left that verify calls gone --------------------------------------

FORMS=$TEST_SRCDIR/tests/cli/lib/forms.py

test_expect_success 'the From_ line is searched, redacted (sender only, date kept) and verified' '
	printf "From ann@example.org Tue Jun  2 10:00:00 2015\nFrom: Bob <bob@example.org>\nMessage-ID: <1@x>\n\nhello\n\nFrom ann at example.org  Tue Jun  2 11:00:00 2015\nFrom: x@example.net\nMessage-ID: <2@x>\n\nbye\n" >env.mbox &&
	expect_status 1 "$LISTSCRUB" scan --address ann@example.org env.mbox >out &&
	grep -q "^# 2 messages read, 2 selected" out &&
	"$LISTSCRUB" purge --address ann@example.org $(own_run env-runs) env.mbox >out &&
	test "$(grep -c "^From redacted@redacted.invalid  *Tue Jun  2 1[01]:00:00 2015$" env.mbox)" = 2 &&
	! grep -qi "ann" env.mbox &&
	verify_own_run env-runs env.mbox >out &&
	grep -q "^OK  *gone" out
'

test_expect_success 'every form of an address in every encoding: scan finds each, redaction takes each out, verify agrees' '
	python3 "$FORMS" make ann@example.org >forms.mbox &&
	cp forms.mbox orig.mbox &&
	n=$(python3 "$FORMS" count) &&
	expect_status 1 "$LISTSCRUB" scan --address ann@example.org forms.mbox >out &&
	grep -q "^# $n messages read, $n selected" out &&
	"$LISTSCRUB" purge --address ann@example.org $(own_run forms-runs) forms.mbox >out &&
	grep -q "redacted $n in 1 mailbox" out &&
	python3 "$FORMS" check orig.mbox forms.mbox ann@example.org &&
	verify_own_run forms-runs forms.mbox >out &&
	grep -q "^OK  *gone" out
'

test_expect_success 'a text attachment sent as application/octet-stream is searched and redacted; binary ones are counted' '
	python3 "$CHECK" csv-attachment ann@example.org >csv.eml &&
	cp csv.eml orig.eml &&
	expect_status 1 "$LISTSCRUB" scan --address ann@example.org csv.eml >out &&
	grep -q "unsearched-attachments=1" out &&
	grep -q "^# not searched: 1 binary attachment in 1 message" out &&
	"$LISTSCRUB" purge --address ann@example.org $APPLY csv.eml >out &&
	python3 "$CHECK" csv-redacted orig.eml csv.eml ann@example.org
'

test_expect_success 'a line that names a Message-ID field is still searched outside the ID' '
	printf "From: a@example.org\nMessage-ID: <r1@example.org>\nSubject: x\n\nBank references: IBAN DE89 3704 0044 0532 0130 00\n> Message-ID: <20240301.1234@mail.example.com>\n" >ref.eml &&
	expect_status 1 "$LISTSCRUB" scan --format json ref.eml >out &&
	grep -q "\"rule\":\"iban\"" out &&
	test "$(grep -o "\"rule\":" out | wc -l)" = 1
'

rule() {  # ID ENTITY PATTERN PREFILTER PRIORITY
	printf "rule %s\n  entity = %s\n  description = test\n  pattern = %s\n  prefilter = %s\n  token = A-Za-z0-9\n  max-length = 16384\n  validator = none\n  action = redact\n  severity = low\n  priority = %s\n\n" "$@"
}

test_expect_success 'a rule that cannot finish matching fails closed: scan errors, purge writes nothing' '
	rule slow SLOW "(?<value>start(?:x+x+)+y)" literal:start 10 >slow.rules &&
	python3 -c "print(\"From: a@example.org\nMessage-ID: <s@x>\n\nstart\" + \"x\" * 40 + \"z y\")" >slow.eml &&
	cp slow.eml orig.eml &&
	expect_status 2 "$LISTSCRUB" scan --no-default-rules --rules slow.rules slow.eml 2>err &&
	grep -q "rule-match-failed: rule slow could not finish matching" err &&
	expect_status 2 "$LISTSCRUB" purge --no-default-rules --rules slow.rules $APPLY slow.eml 2>err &&
	cmp orig.eml slow.eml
'

test_expect_success 'two rules whose matches overlap: redaction takes out the union' '
	{ rule first FIRST "(?<value>AAA [0-9]{4})" exact:AAA 20 &&
	  rule second SECOND "(?<![0-9])(?<value>[0-9]{4} [0-9]{4})(?![0-9])" digits:4 10; } >overlap.rules &&
	printf "From: a@example.org\nMessage-ID: <o@x>\n\nsee AAA 1111 2222 here\n" >o.eml &&
	"$LISTSCRUB" purge --no-default-rules --rules overlap.rules $APPLY o.eml >out &&
	tail -1 o.eml | grep -q "^see \[redacted\] here$"
'

test_expect_success 'address and Message-ID lists may come from a pipe' '
	cp "$FIXTURES/basic/list.mbox" list.mbox &&
	printf "move-2@example.net\n" | "$LISTSCRUB" scan --message-ids /dev/stdin list.mbox >out;
	test $? = 1 && grep -q "<move-2@example.net>" out &&
	"$LISTSCRUB" scan --addresses /dev/stdin list.mbox <"$FIXTURES/../cli/t3200-trust.sh" >/dev/null 2>err;
	grep -q "not an e-mail address" err
'

test_expect_success 'an empty list is an error, not an empty selection' '
	: >empty &&
	expect_status 2 "$LISTSCRUB" scan --addresses empty "$FIXTURES/basic" 2>err &&
	grep -q "the list is empty" err &&
	printf "# nothing\n\n" >empty &&
	expect_status 2 "$LISTSCRUB" purge --message-ids empty "$FIXTURES/basic" 2>err
'

test_expect_success 'a Message-ID found nowhere is a warning that does not print it' '
	expect_status 0 "$LISTSCRUB" scan --message-id secret-id@example.org "$FIXTURES/basic" >out 2>err &&
	grep -q "message-id-not-found: Message-ID number 1" err &&
	! grep -q secret-id err
'

# ---- C. no work reported that was not done ------------------------------------------

test_expect_success 'a PATH that does not exist is reported while the others are read' '
	expect_status 2 "$LISTSCRUB" scan --message-id move-2@example.net no/such "$FIXTURES/basic" >out 2>err &&
	grep -q "no/such: path-missing:" err &&
	grep -q "<move-2@example.net>" out
'

test_expect_success 'purge with a missing PATH writes nothing' '
	cp "$FIXTURES/basic/list.mbox" list.mbox &&
	runs=$(ls "$MANIFESTS" 2>/dev/null | wc -l) &&
	expect_status 2 "$LISTSCRUB" purge --message-id move-2@example.net $APPLY no/such list.mbox >out 2>err &&
	cmp "$FIXTURES/basic/list.mbox" list.mbox &&
	grep -q "no/such" err &&
	test "$(ls "$MANIFESTS" 2>/dev/null | wc -l)" = "$runs"
'

test_expect_success 'a tree of symbolic links only says so' '
	mkdir -p links && ln -sf "$FIXTURES/basic/list.mbox" links/one &&
	ln -sf ../nowhere links/two &&
	"$LISTSCRUB" scan --address a@example.org links >out 2>err;
	grep -q "passed over: 2 symbolic links (not followed)" out &&
	grep -q "no message was read" out &&
	grep -q "links/one: symlink-outside-path" err &&
	grep -q "links/two: symlink-loop" err
'

test_expect_success 'verify --manifest of a directory that is not a run is a usage error' '
	expect_status 2 "$LISTSCRUB" verify --manifest nowhere --pubkey "$KEYS/sign.pub" . 2>err &&
	grep -q "usage:" err
'

test_expect_code 2 '--action redact with Message-IDs only is a usage error' '
	"$LISTSCRUB" purge --message-id move-4@example.net --action redact "$FIXTURES/basic"
'

test_expect_success 'a message selected for redaction that holds nothing to take out is listed as such, never as redacted' '
	cp "$FIXTURES/basic/list.mbox" list.mbox && rm -rf nr &&
	"$LISTSCRUB" purge --address petra.vos@example.com --message-id move-5@example.org \
		--thread=none --action redact $(own_run nr) list.mbox >out &&
	grep -q "<move-5@example.org> .*state=nothing-to-redact" out &&
	n=$(grep -c "state=redacted" out) &&
	grep -q "redacted $n in 1 mailbox" out &&
	grep -q "1 message selected for redaction holds nothing" out &&
	test "$(grep -c "\"action\":\"redact-message\"" nr/0001/manifest.jsonl)" = "$n" &&
	grep -q "move-5@example.org" list.mbox &&
	verify_own_run nr list.mbox >/dev/null
'

test_expect_success 'a staged run (--limit) records what it deferred; verify says NOT CHECKED for it, then OK after the next stage' '
	cp "$FIXTURES/basic/list.mbox" list.mbox && rm -rf st &&
	"$LISTSCRUB" purge --address petra.vos@example.com --limit 1 $(own_run st) list.mbox >out &&
	grep -q "more left for a later run by --limit" out &&
	d=$(grep -c "state=deferred-by-limit" out) && test "$d" -ge 1 &&
	test "$(grep -c "\"action\":\"defer-message\"" st/0001/manifest.jsonl)" = "$d" &&
	expect_status 3 "$LISTSCRUB" verify --manifest st/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" list.mbox >report &&
	grep -q "^NOT CHECKED  gone .*deferred to a later run" report &&
	grep -q "^OK           run .*left $d selected messages to a later run" report &&
	"$LISTSCRUB" purge --address petra.vos@example.com $(own_run st) list.mbox >out &&
	"$LISTSCRUB" verify --manifest st/0002 --prev st/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" list.mbox >report
'

# verify(1) gives a command sequence with stock tools; run it as printed.
STOCK=$TRASH/stock-audit.sh
sh "$TEST_SRCDIR/tests/cli/lib/man_block.sh" "$TEST_SRCDIR/doc/listscrub-verify.1" stock-audit >"$STOCK"
stock_audit() {  # RUN KEY ARCHIVE
	R=$1 K=$2 A=$3 sh "$STOCK"
}

if command -v minisign >/dev/null && command -v jq >/dev/null; then
	test_expect_success 'the stock-tool audit of verify(1) passes on the run as it was left' '
		test "$(wc -l <"$STOCK")" -gt 10 &&
		rm -rf sa sam && mkdir -p sa/sub && cp "$FIXTURES/basic/list.mbox" sa/ &&
		cp sa/list.mbox sa/sub/b.mbox &&
		"$LISTSCRUB" purge --address petra.vos@example.com $(own_run sam) sa >/dev/null &&
		cp -r sa sa.clean && cp sam/0001/tree-after.sha256 after.clean &&
		stock_audit sam/0001 "$KEYS/sign.pub" sa >out &&
		grep -q "the archive is as the signed run left it" out
	'

	test_expect_success 'it fails on a planted message with the listing edited to match' '
		printf "\nFrom x@example.org Sun Nov 29 12:00:00 2026\nMessage-ID: <planted@x>\n\npetra.vos@example.com\n" >>sa/list.mbox &&
		(cd sa && sha256sum list.mbox sub/b.mbox) >sam/0001/tree-after.sha256 &&
		(cd sa && sha256sum -c --strict --quiet ../sam/0001/tree-after.sha256) &&
		! stock_audit sam/0001 "$KEYS/sign.pub" sa
	'

	test_expect_success 'it fails on a planted message, a file added, or another key' '
		cp after.clean sam/0001/tree-after.sha256 &&
		! stock_audit sam/0001 "$KEYS/sign.pub" sa &&
		rm -rf sa && cp -r sa.clean sa && echo x >sa/sub/new.txt &&
		! stock_audit sam/0001 "$KEYS/sign.pub" sa &&
		rm sa/sub/new.txt && stock_audit sam/0001 "$KEYS/sign.pub" sa >/dev/null &&
		"$LISTSCRUB" keygen --out other >/dev/null &&
		! stock_audit sam/0001 other.pub sa
	'

	test_expect_success 'it fails on the listing of another run of the incident' '
		"$LISTSCRUB" purge --address petra.vos@example.com $(own_run sam) sa >/dev/null &&
		cp sam/0002/tree-after.sha256 sam/0001/ && cp sam/0002/tree-after.sha256.minisig sam/0001/ &&
		! stock_audit sam/0001 "$KEYS/sign.pub" sa
	'
else
	test_skip 'the stock-tool audit of verify(1)' 'minisign or jq is not installed (contrib/setup-debian installs them for the tests)'
fi

test_done
