#!/bin/sh
test_description='what an admin meets: help and its fallback, --version, JSON framing and field names, message numbers, plurals, the plan Date and Subject, list_members -f address lines'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox
LEAK=petra.vos@example.com

# fake_man DIR STATUS: a man(1) in DIR that notes its call and exits STATUS
fake_man() {
	mkdir -p "$1" &&
	printf '#!/bin/sh\necho "$@" >>"%s/called"\necho "No manual entry for $1" >&2\nexit %s\n' \
		"$PWD/$1" "$2" >"$1/man" &&
	chmod +x "$1/man"
}

test_expect_success 'help CMD: man, or the command'"'"'s --help when man has no entry' '
	fake_man noentry 16 &&
	PATH=$PWD/noentry:$PATH "$LISTSCRUB" help scan >out 2>err &&
	test "$(cat noentry/called)" = listscrub-scan &&
	grep -q "^usage: listscrub scan " out &&
	grep -q "^  --addresses FILE " out &&
	grep -q "listscrub-scan is not installed" err &&
	fake_man shown 0 &&
	PATH=$PWD/shown:$PATH "$LISTSCRUB" help purge >out 2>err &&
	test "$(cat shown/called)" = listscrub-purge &&
	! grep -q usage out
'

test_expect_success 'help CMD without man(1) at all: the --help' '
	mkdir nomanpath &&
	for p in "$LISTSCRUB" sh cat; do ln -s "$(command -v $p)" nomanpath/; done &&
	PATH=$PWD/nomanpath "$LISTSCRUB" help verify >out 2>/dev/null &&
	grep -q "^usage: listscrub verify " out
'

test_expect_success 'help --help: the usage of help; help nonesuch: not a command, man not run' '
	fake_man spy 0 &&
	PATH=$PWD/spy:$PATH "$LISTSCRUB" help --help >out &&
	grep -q "^usage: listscrub help \[COMMAND\]" out &&
	expect_status 2 env PATH="$PWD/spy:$PATH" "$LISTSCRUB" help nonesuch >out 2>err &&
	grep -q "not-a-command: help: .nonesuch. is not a command" err &&
	test ! -s out && test ! -e spy/called
'

test_expect_success 'rules validate --help: its usage and the validators' '
	"$LISTSCRUB" rules validate --help >out &&
	grep -q "^usage: listscrub rules validate VALIDATOR \[VALUE...\]" out &&
	grep -q " iban .* email " out
'

test_expect_success '--version: the version, a licence line, the warranty line' '
	"$LISTSCRUB" --version >out &&
	test $(wc -l <out) = 4 &&
	sed -n 1p out | grep -q "^listscrub [0-9][0-9.]*$" &&
	sed -n 2p out | grep -q "^License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.$" &&
	sed -n 3p out | grep -q "^This is free software: you are free to change and redistribute it.$" &&
	sed -n 4p out | grep -q "^There is NO WARRANTY, to the extent permitted by law.$" &&
	grep -q "GNU GENERAL PUBLIC LICENSE" "$TEST_SRCDIR/COPYING"
'

# jsonl_check FILE COMMAND: a header with format 1 and COMMAND first, one
# summary last, items between; prints the summary's JSON
cat >jsonl_check.py <<\EOF_
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0] == {"listscrub": {"format": 1, "command": sys.argv[2],
                                 "version": rows[0]["listscrub"]["version"]}}, rows[0]
assert list(rows[-1]) == ["summary"], rows[-1]
for r in rows[1:-1]:
    assert "listscrub" not in r and "summary" not in r, r
print(json.dumps(rows[-1]["summary"], sort_keys=True))
EOF_

test_expect_success 'JSON of scan, purge, threads, rules list and verify: header, items, one summary last' '
	cp "$BASIC" list.mbox &&
	expect_status 1 "$LISTSCRUB" scan --address $LEAK --format json list.mbox >scan.json &&
	python3 jsonl_check.py scan.json scan >s &&
	grep -q "\"messages\": 9, \"out_of_scope\": 0, \"selected\": 4" s &&
	"$LISTSCRUB" purge --address $LEAK --format json list.mbox >plan.json &&
	python3 jsonl_check.py plan.json purge >s &&
	grep -q "\"applied\": false" s && grep -q "\"redact\": 4" s &&
	"$LISTSCRUB" threads --message-id move-1@example.org --format json list.mbox >threads.json &&
	python3 jsonl_check.py threads.json threads >s &&
	grep -q "\"messages\": 5" s &&
	"$LISTSCRUB" rules list --format json >rules.json &&
	python3 jsonl_check.py rules.json rules >s &&
	test "$(python3 -c "import json; print(json.load(open(\"/dev/stdin\"))[\"rules\"])" <s)" = \
		$(($(wc -l <rules.json) - 2)) &&
	mkdir arch && cp "$BASIC" arch/list.mbox &&
	"$LISTSCRUB" purge --address $LEAK --format json $(own_run m) arch >applied.json &&
	python3 jsonl_check.py applied.json purge >s &&
	grep -q "\"applied\": true" s &&
	verify_own_run m --format json arch >verify.json &&
	python3 jsonl_check.py verify.json verify >s &&
	grep -q "\"exit\": 0" s && grep -q "\"failed\": 0" s
'

test_expect_success 'JSON: the same names in every command; a Maildir message has its length' '
	mkdir -p md/cur md/new md/tmp &&
	printf "From: a@x.org\nMessage-ID: <md1@x>\nSubject: s\n\nmail %s\n" $LEAK >md/cur/1:2,S &&
	printf "From: b@x.org\nMessage-ID: <md2@x>\nIn-Reply-To: <md1@x>\n\nno\n" >md/new/2 &&
	expect_status 1 "$LISTSCRUB" scan --address $LEAK --format json md list.mbox >scan.json &&
	"$LISTSCRUB" threads --message-id md1@x --format json md >threads.json &&
	python3 - <<-\EOF_
	import json, os
	scan = [json.loads(l) for l in open("scan.json")][1:-1]
	threads = [json.loads(l) for l in open("threads.json")][1:-1]
	for r in scan + threads:
	    for k in ("path", "index", "offset", "length", "message_id"):
	        assert k in r, (k, r)
	md = [r for r in scan if r["path"].startswith("md/")]
	assert [r["path"] for r in md] == ["md/cur/1:2,S"], md
	assert md[0]["length"] == os.path.getsize("md/cur/1:2,S") > 0, md
	for r in threads:
	    assert r["length"] == os.path.getsize(r["path"]), r
	data = open("list.mbox", "rb").read()
	for r in scan:
	    if r["path"] == "list.mbox":
	        end = r["offset"] + r["length"]
	        raw = data[r["offset"]:end]
	        assert raw.startswith(b"From ") and data[end:end + 5] in (b"", b"From "), r
	        assert ("<%s>" % r["message_id"]).encode() in raw, r
	EOF_
'

test_expect_success 'text: messages as PATH:#N (the JSON index), Maildir files by name, plurals right' '
	expect_status 1 "$LISTSCRUB" scan --address $LEAK md list.mbox >out &&
	grep -q "^# md: maildir, 2 messages$" out &&
	grep -q "^md/cur/1:2,S:#0 offset=0 <md1@x> " out &&
	python3 -c "
import json
for r in [json.loads(l) for l in open(\"scan.json\")][1:-1]:
    print(\"%s:#%d \" % (r[\"path\"], r[\"index\"]))" >want &&
	grep -o "^[^ #][^ ]*:#[0-9]* " out >got &&
	test_cmp want got &&
	grep -q "^# 11 messages read, 5 selected in 2 mailboxes$" out &&
	printf "From: a@x.org\nMessage-ID: <one@x>\n\n%s\n" $LEAK >one.eml &&
	expect_status 1 "$LISTSCRUB" scan --address $LEAK one.eml >out &&
	grep -q "^# 1 message read, 1 selected in 1 mailbox$" out &&
	"$LISTSCRUB" purge --address $LEAK --action delete one.eml >out &&
	grep -q "^# 1 message read; would delete 1 message in 1 mailbox;" out
'

test_expect_success 'the plan shows each message'"'"'s Date and decoded Subject, addresses masked unless --show-matches' '
	{
		printf "From a@x.org Mon Jan  4 10:00:00 2021\nFrom: a@x.org\nMessage-ID: <p1@x>\n"
		printf "Date: Mon, 4 Jan 2021 10:00:00 +0000\n"
		printf "Subject: =?utf-8?q?Caf=C3=A9_for?= %s and other@x.org\n\nhi %s\n\n" $LEAK $LEAK
		printf "From a@x.org Mon Jan  4 10:00:00 2021\nFrom: a@x.org\nMessage-ID: <p2@x>\n\nno date, %s\n\n" $LEAK
	} >plan.mbox &&
	cp plan.mbox plan.orig &&
	"$LISTSCRUB" purge --address $LEAK plan.mbox >out &&
	cmp plan.mbox plan.orig &&
	grep -q "^plan.mbox:#0 " out &&
	grep -q "^    Date: Mon, 4 Jan 2021 10:00:00 +0000  Subject: Café for \[masked\]$" out &&
	grep -q "^    Date: -  Subject: -$" out &&
	! grep -q "$LEAK\|other@x.org" out &&
	"$LISTSCRUB" purge --address $LEAK --format json plan.mbox >out.json &&
	! grep -q "$LEAK" out.json &&
	grep -q "\"subject\":\"Caf\\\\u00E9 for \[masked\]\"" out.json &&
	"$LISTSCRUB" purge --address $LEAK --show-matches plan.mbox >out &&
	grep -q "Subject: Café for $LEAK and other@x.org$" out &&
	"$LISTSCRUB" purge --address $LEAK $APPLY plan.mbox >out &&
	! grep -q "Subject:" out
'

test_expect_success '--addresses takes list_members -f lines: Name <addr>, "Quoted, Name" <addr>, a UTF-8 name' '
	cat >members <<-EOF_ &&
	# list_members -f dev
	Petra Vos <$LEAK>

	"Vos, Petra" <$LEAK>
	Jörg Müller <joerg@example.org>
	EOF_
	printf "From: x@y.org\nMessage-ID: <j1@x>\n\nmail joerg@example.org\n" >joerg.eml &&
	printf "%s\n" $LEAK joerg@example.org >bare &&
	expect_status 1 "$LISTSCRUB" scan --addresses members --format json list.mbox joerg.eml >named.json &&
	expect_status 1 "$LISTSCRUB" scan --addresses bare --format json list.mbox joerg.eml >bare.json &&
	python3 - <<-\EOF_ &&
	import json
	ids = lambda f: sorted(json.loads(l)["message_id"] for l in list(open(f))[1:-1])
	assert ids("named.json") == ids("bare.json"), (ids("named.json"), ids("bare.json"))
	assert "j1@x" in ids("named.json") and len(ids("named.json")) == 5, ids("named.json")
	EOF_
	printf "Petra Vos <petra.vos@>\n" >bad &&
	expect_status 2 "$LISTSCRUB" scan --addresses bad list.mbox 2>err &&
	grep -q "bad:1: not an e-mail address" err &&
	printf "a@x.org, b@x.org\n" >two &&
	expect_status 2 "$LISTSCRUB" scan --addresses two list.mbox 2>err &&
	grep -q "two:1: " err && ! grep -q "a@x.org" err
'

test_done
