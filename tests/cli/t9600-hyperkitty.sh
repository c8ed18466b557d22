#!/bin/sh
test_description='HyperKitty: scan, threads, purge and verify a real Mailman 3 archive through its own code'
. "$(dirname "$0")/test-lib.sh"

# A real HyperKitty (Debian's python3-django-hyperkitty; SQLite, and a
# throw-away PostgreSQL cluster when installed; a Whoosh index on disk; a
# file cache) built from a small mbox of ../shared/corpora messages
# (tests/hyperkitty/mkmbox: a thread of five from four senders with an
# attachment, a leaked address as a sender, in quoted content and in an
# attachment), and asked afterwards by tests/hyperkitty/hkcheck, which
# uses nothing of listscrub: HyperKitty's models, its search and its
# pages (Django's test client).
HKT=$TEST_SRCDIR/tests/hyperkitty
PY=/usr/bin/python3
LISTSCRUB_HYPERKITTY_PYTHON=$PY
export LISTSCRUB_HYPERKITTY_PYTHON

why=
if ! [ -x "$PY" ] ||
   ! "$PY" -c 'import hyperkitty, whoosh, django' 2>/dev/null; then
	why="HyperKitty is not installed (apt-get install python3-django-hyperkitty python3-whoosh)"
elif ! [ -d "$CORPORA" ]; then
	why="../shared/corpora is not here (the shared corpora are not part of this repository)"
fi

# hk_test DESCRIPTION 'COMMANDS': a test on a copy of the base site.
hk_test() {
	if [ -n "$why" ]; then
		test_skip "$1" "$why"
	elif ! [ -f base/hksite.py ]; then
		test_skip "$1" "the base site could not be built (see the setup test)"
	else
		test_expect_success "$1" "$2"
	fi
}

# site DIR: a copy of the base site; $S is its settings file.
site() {
	"$HKT/mksite" "$1" --copy-from base && S=$PWD/$1/hksite.py
}

# expect.py JSON >FILE: hkcheck's expectations, what is not said empty
cat >expect.py <<\EOF
import json, sys
e = json.loads(sys.argv[1])
e.setdefault("gone", [])
e.setdefault("unchanged_except", [])
e.setdefault("redacted", {})
e["redacted"].setdefault("tokens", [])
e["redacted"].setdefault("messages", [])
print(json.dumps(e))
EOF

# check DIR EXPECT-JSON [SNAPSHOT]: HyperKitty itself, against a snapshot
# (the base site's by default)
check() {
	"$PY" expect.py "$2" >"$1.expect" &&
	"$HKT/hkcheck" check "$1" --before "${3:-base.snap}" --expect "$1.expect"
}

# items.py EXPR <JSON: EXPR over a command's JSON lines ("items", the
# "summary", the "truth" of mkmbox); Python's json, not ours
cat >items.py <<\EOF
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
items = [l for l in lines[1:] if "summary" not in l]
summary = lines[-1].get("summary")
truth = json.load(open("truth.json"))
r = eval(sys.argv[1])
print(r)
sys.exit(0 if r not in (False, None) else 1)
EOF

# mid_hash.py ID...: HyperKitty's own message_id_hash of each ID
cat >mid_hash.py <<\EOF
import sys
from hyperkitty.lib.utils import get_message_id_hash
for i in sys.argv[1:]:
    print(get_message_id_hash(i))
EOF

# hkedit.py DIR ACTION MESSAGE-ID [TEXT]: change the site behind
# listscrub's back
#   content  -- the email's content gets a line more (through the ORM)
#   fail     -- a trigger makes the database refuse to delete it
#   sleep    -- (PostgreSQL) a trigger makes its deletion take 30 s
#   attname  -- its first attachment is renamed TEXT
#   order    -- its thread_order changes (no signal: a raw update)
#   newlist  -- a list named TEXT, with no emails
cat >hkedit.py <<\EOF
import os, sys
sys.path.insert(0, os.path.abspath(sys.argv[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "hksite"
import django
django.setup()
from django.db import connection
from hyperkitty.models import Email
e = Email.objects.get(message_id=sys.argv[3])
if sys.argv[2] == "content":
    # as a new import would: the row and its search document
    from haystack import connections
    e.content += "\nan edit made after the plan\n"
    e.save()
    connections["default"].get_unified_index().get_index(Email).update_object(e)
elif sys.argv[2] == "fail":
    with connection.cursor() as c:
        c.execute("CREATE TRIGGER no_delete BEFORE DELETE ON hyperkitty_email "
                  "WHEN old.id = %d BEGIN SELECT RAISE(ABORT, 'injected "
                  "failure'); END" % e.id)
elif sys.argv[2] == "attname":
    a = e.attachments.order_by("counter").first()
    a.name = sys.argv[4]
    a.save()
elif sys.argv[2] == "order":
    Email.objects.filter(pk=e.pk).update(thread_order=(e.thread_order or 0) + 7)
elif sys.argv[2] == "newlist":
    from hyperkitty.models import MailingList
    MailingList.objects.create(name=sys.argv[4])
elif sys.argv[2] == "sleep":
    with connection.cursor() as c:
        c.execute("CREATE FUNCTION slow() RETURNS trigger AS $$ BEGIN "
                  "PERFORM pg_sleep(30); RETURN OLD; END $$ LANGUAGE plpgsql")
        c.execute("CREATE TRIGGER slow_delete BEFORE DELETE ON hyperkitty_email "
                  "FOR EACH ROW WHEN (old.id = %d) EXECUTE FUNCTION slow()" % e.id)
EOF

if [ -n "$why" ]; then
	test_skip 'setup: a real HyperKitty site from corpora messages' "$why"
else
	test_expect_success 'setup: a real HyperKitty site from corpora messages' '
		"$HKT/mkmbox" "$CORPORA" hk.mbox truth.json &&
		"$PY" -c "import json, shlex
t = json.load(open(\"truth.json\"))
print(\"LIST=%s LEAK=%s STARTER=%s\" % tuple(shlex.quote(t[k]) for k in
      (\"list\", \"leak\", \"thread_starter_message_id\")))
print(\"THREAD_IDS=%s\" % shlex.quote(json.dumps(t[\"thread_message_ids\"])))
print(\"LEAK_IDS=%s\" % shlex.quote(json.dumps(t[\"leak_message_ids\"])))" >truth.sh &&
		. ./truth.sh &&
		"$HKT/mksite" base hk.mbox "$LIST" &&
		"$HKT/hkcheck" snapshot base base.snap
	'
fi
[ -f truth.sh ] && . ./truth.sh
# the variables are JSON arrays of Message-IDs; in shell, quoted for JSON
THREAD_JSON=${THREAD_IDS:-[]}
LEAK_JSON=${LEAK_IDS:-[]}

hk_test 'scan names every email by list, message_id_hash, thread and URL, and finds the leak wherever it is' '
	site s-scan &&
	expect_status 1 "$LISTSCRUB" scan --format json --hyperkitty "$S" \
		--address "$LEAK" >scan.json &&
	"$PY" items.py "sorted(i[\"message_id\"] for i in items) == sorted(truth[\"leak_message_ids\"])" <scan.json &&
	"$PY" items.py "all(i[\"list\"] == truth[\"list\"] and i[\"path\"] == \"hyperkitty:\" + truth[\"list\"] and i[\"url\"].endswith(\"/message/%s/\" % i[\"message_id_hash\"]) and len(i[\"thread_id\"]) == 32 for i in items)" <scan.json &&
	"$PY" items.py "\"\\n\".join(i[\"message_id\"] + \" \" + i[\"message_id_hash\"] for i in items)" <scan.json >pairs &&
	while read -r id hash; do
		test "$("$PY" mid_hash.py "$id")" = "$hash" || exit 1
	done <pairs &&
	expect_status 1 "$LISTSCRUB" scan --hyperkitty "$S" --address "$LEAK" >scan.txt &&
	grep "^hyperkitty:$LIST:#[0-9]* .* message-id-hash=[A-Z2-7]\{32\} thread=[A-Z2-7]\{32\} url=/" scan.txt >lines &&
	test $(wc -l <lines) = 4 &&
	! grep -q "$LEAK" scan.txt scan.json &&
	! grep -q "export-\|listscrub-stage" scan.txt scan.json &&
	check s-scan "{}"
'

hk_test 'threads follows the export'"'"'s In-Reply-To and shows HyperKitty'"'"'s thread id beside' '
	site s-threads &&
	"$LISTSCRUB" threads --format json --hyperkitty "$S" --message-id "$STARTER" >threads.json &&
	"$PY" items.py "sorted(i[\"message_id\"] for i in items) == sorted(truth[\"thread_message_ids\"])" <threads.json &&
	"$PY" items.py "len(set(i[\"thread_id\"] for i in items)) == 1 and items[0][\"depth\"] == 0" <threads.json &&
	check s-threads "{}"
'

hk_test 'a plan changes nothing; --hyperkitty-run=no writes the plan and the exact command, which carries it out' '
	site s-plan &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole >plan.txt &&
	test $(grep -c "state=planned.*message-id-hash=" plan.txt) = 5 &&
	check s-plan "{}" &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		--apply --hyperkitty-run=no --hyperkitty-plan hkplan.json \
		--incident T-1 --sign-key "$KEYS/sign.key" --incident-key "$KEYS/incident.key" >run-no.txt &&
	test -f hkplan.json && test "$(stat -c %a hkplan.json)" = 600 &&
	grep "would delete 5 messages" run-no.txt &&
	! test -e hkplan.json.report.json &&
	check s-plan "{}" &&
	sed -n "s/^#   //p" run-no.txt >command.sh &&
	test $(wc -l <command.sh) = 1 &&
	sh command.sh &&
	"$PY" -c "import json; r = json.load(open(\"hkplan.json.report.json\")); assert r[\"status\"] == \"done\", r; assert len(r[\"actions\"]) == 5" &&
	check s-plan "{\"gone\": $THREAD_JSON, \"unchanged_except\": $THREAD_JSON}"
'

hk_test 'purge --apply deletes a thread through HyperKitty: gone from tables, search and pages; the rest unchanged; verify passes' '
	site s-thread &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		$(own_run m-thread) --format json >purge.json &&
	"$PY" items.py "sorted(i[\"message_id\"] for i in items if i[\"state\"] == \"deleted\") == sorted(truth[\"thread_message_ids\"])" <purge.json &&
	"$PY" items.py "summary[\"delete\"] == 5" <purge.json &&
	check s-thread "{\"gone\": $THREAD_JSON, \"unchanged_except\": $THREAD_JSON}" &&
	verify_own_run m-thread --hyperkitty "$S" >verify.txt &&
	grep "^OK  *hyperkitty .*the 5 emails" verify.txt &&
	grep "^OK  *gone" verify.txt &&
	grep "^# verified" verify.txt &&
	"$PY" -c "import json
h = json.loads(open(\"m-thread/0001/manifest.jsonl\").readline())[\"hyperkitty\"]
assert h[\"status\"] == \"done\" and len(h[\"actions\"]) == 5, h
assert h[\"unnamed\"][\"before\"] == h[\"unnamed\"][\"after\"]
assert h[\"tables\"][\"before\"] != h[\"tables\"][\"after\"]
assert all(\"digest_before\" not in a for a in h[\"actions\"])" &&
	! grep -q "$LEAK" m-thread/0001/*
'

hk_test 'purge --apply redacts a leaked address (sender, quoted content, attachment) through HyperKitty; verify with the incident key passes' '
	site s-leak &&
	"$LISTSCRUB" purge --hyperkitty "$S" --address "$LEAK" $(own_run m-leak) >purge.txt &&
	test $(grep -c "state=redacted" purge.txt) = 4 &&
	check s-leak "{\"redacted\": {\"tokens\": [\"$LEAK\"], \"messages\": $LEAK_JSON}, \"unchanged_except\": $LEAK_JSON}" &&
	verify_own_run m-leak --hyperkitty "$S" >verify.txt &&
	grep "^OK  *hyperkitty" verify.txt &&
	grep "^OK  *gone .*leaked tokens" verify.txt &&
	expect_status 0 "$LISTSCRUB" scan --hyperkitty "$S" --address "$LEAK"
'

hk_test 'purge --apply --action delete by the leaked address: its emails and its sender row go' '
	site s-leakdel &&
	"$LISTSCRUB" purge --hyperkitty "$S" --address "$LEAK" --action delete \
		$(own_run m-leakdel) >purge.txt &&
	test $(grep -c "state=deleted" purge.txt) = 4 &&
	check s-leakdel "{\"gone\": $LEAK_JSON, \"redacted\": {\"tokens\": [\"$LEAK\"]}, \"unchanged_except\": $LEAK_JSON}" &&
	verify_own_run m-leakdel --hyperkitty "$S" >verify.txt &&
	grep "^# verified" verify.txt
'

hk_test 'an address in an attachment'"'"'s UTF-8 name is found and redacted' '
	site s-attname &&
	withatt=$("$PY" - s-attname <<-\EOF
	import os, sys
	sys.path.insert(0, os.path.abspath(sys.argv[1]))
	os.environ["DJANGO_SETTINGS_MODULE"] = "hksite"
	import django, json
	django.setup()
	from hyperkitty.models import Attachment
	leaky = set(json.load(open("truth.json"))["leak_message_ids"])
	print(next(a.email.message_id for a in Attachment.objects.order_by("pk")
	           if a.email.message_id not in leaky))
	EOF
	) &&
	"$PY" hkedit.py s-attname attname "$withatt" "Überblick <$LEAK> notes.txt" &&
	"$HKT/hkcheck" snapshot s-attname attname.snap &&
	expect_status 1 "$LISTSCRUB" scan --hyperkitty "$S" --address "$LEAK" --format json >scan.json &&
	"$PY" items.py "\"$withatt\" in [i[\"message_id\"] for i in items]" <scan.json &&
	"$LISTSCRUB" purge --hyperkitty "$S" --address "$LEAK" $(own_run m-attname) >purge.txt &&
	all=$("$PY" -c "import json; print(json.dumps($LEAK_JSON + [\"$withatt\"]))") &&
	check s-attname "{\"redacted\": {\"tokens\": [\"$LEAK\"], \"messages\": $all}, \"unchanged_except\": $all}" attname.snap
'

hk_test 'a list with no emails is read, and left as it is' '
	site s-empty &&
	"$PY" hkedit.py s-empty newlist "$STARTER" "quiet@lists.example.org" &&
	"$HKT/hkcheck" snapshot s-empty empty.snap &&
	expect_status 1 "$LISTSCRUB" scan --hyperkitty "$S" --address "$LEAK" >scan.txt &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		$(own_run m-empty) >/dev/null &&
	verify_own_run m-empty --hyperkitty "$S" >verify.txt &&
	grep "^# verified" verify.txt &&
	check s-empty "{\"gone\": $THREAD_JSON, \"unchanged_except\": $THREAD_JSON}" empty.snap
'

hk_test 'a search index the app cannot clean: the changes are made, recorded and listed, and purge says what is left (exit 2)' '
	site s-noindex &&
	rm -rf s-noindex/index && : >s-noindex/index &&
	expect_status 2 "$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" \
		--thread whole $(own_run m-noindex) >out.txt 2>err.txt &&
	test $(grep -c "state=deleted" out.txt) = 5 &&
	grep "hyperkitty-failed.*did not finish cleaning its search index" err.txt &&
	test -e m-noindex/0001/manifest.jsonl &&
	"$PY" -c "import json
h = json.loads(open(\"m-noindex/0001/manifest.jsonl\").readline())[\"hyperkitty\"]
assert h[\"status\"] == \"done\" and all(a[\"status\"] == \"deleted\" for a in h[\"actions\"]), h"
'

hk_test 'a database URL: purge warns that the search index and caches are out of its reach (exit 2); verify stays partial (exit 3)' '
	site s-url &&
	url="sqlite:///$PWD/s-url/hk.db" &&
	expect_status 2 "$LISTSCRUB" purge --hyperkitty "$url" --message-id "$STARTER" \
		--thread whole $(own_run m-url) >out.txt 2>err.txt &&
	test $(grep -c "state=deleted" out.txt) = 5 &&
	grep "a database URL reaches the tables only" err.txt &&
	expect_status 3 verify_own_run m-url --hyperkitty "$url" >verify.txt &&
	grep "^NOT CHECKED  *hyperkitty .*database URL" verify.txt &&
	expect_status 2 "$LISTSCRUB" scan --hyperkitty "postgresql://hk:S3cret@127.0.0.1:1/none" \
		--address "$LEAK" 2>err.txt &&
	! grep -q S3cret err.txt && grep -q "hk:\*\*\*@" err.txt
'

hk_test 'attachments kept as files: a deleted email'"'"'s files go with it' '
	"$HKT/mksite" s-files hk.mbox "$LIST" --attachment-folder &&
	find s-files/attachments -type f | grep -q . &&
	"$HKT/hkcheck" snapshot s-files files.snap &&
	"$LISTSCRUB" purge --hyperkitty "$PWD/s-files/hksite.py" --message-id "$STARTER" \
		--thread whole $(own_run m-files) >purge.txt &&
	check s-files "{\"gone\": $THREAD_JSON, \"unchanged_except\": $THREAD_JSON}" files.snap &&
	"$PY" -c "import json
h = json.loads(open(\"m-files/0001/manifest.jsonl\").readline())[\"hyperkitty\"]
assert sum(a[\"attachment_files_removed\"] for a in h[\"actions\"]) >= 1, h"
'

hk_test 'a failure inside the transaction changes nothing: exit 2, every email not-made, no manifest' '
	site s-fail &&
	"$PY" hkedit.py s-fail fail "$(echo "$THREAD_JSON" | "$PY" -c "import json,sys; print(json.load(sys.stdin)[2])")" &&
	expect_status 2 "$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		$(own_run m-fail) >out.txt 2>err.txt &&
	grep "hyperkitty-failed" err.txt &&
	grep "nothing was changed" err.txt &&
	test $(grep -c "state=not-made" out.txt) = 5 &&
	! test -e m-fail/0001/manifest.jsonl &&
	check s-fail "{}"
'

hk_test 'an email changed after the plan: the app refuses the whole plan and changes nothing' '
	site s-stale &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		--apply --hyperkitty-run=no --hyperkitty-plan stale.json \
		--incident T-1 --sign-key "$KEYS/sign.key" --incident-key "$KEYS/incident.key" >run-no.txt &&
	last=$(echo "$THREAD_JSON" | "$PY" -c "import json,sys; print(json.load(sys.stdin)[-1])") &&
	"$PY" hkedit.py s-stale content "$last" &&
	sed -n "s/^#   //p" run-no.txt >command.sh &&
	expect_status 1 sh command.sh 2>err.txt &&
	"$PY" -c "import json; r = json.load(open(\"stale.json.report.json\")); assert r[\"status\"] == \"refused\", r; assert [a[\"reason\"] for a in r[\"actions\"]].count(\"changed\") == 1, r" &&
	! grep -q "$LEAK" err.txt &&
	check s-stale "{\"unchanged_except\": [\"$last\"]}"
'

hk_test 'verify --hyperkitty fails when a row the run did not name changed afterwards' '
	site s-tamper &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		$(own_run m-tamper) >/dev/null &&
	other=$(echo "$LEAK_JSON" | "$PY" -c "import json,sys; print(json.load(sys.stdin)[0])") &&
	"$PY" hkedit.py s-tamper content "$other" &&
	expect_status 1 verify_own_run m-tamper --hyperkitty "$S" >verify.txt &&
	grep "^FAIL  *hyperkitty" verify.txt &&
	grep "emails rows the run did not name changed\|hyperkitty_email rows the run did not name changed" verify.txt &&
	grep "^FAIL  *archive" verify.txt &&
	site s-order &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		$(own_run m-order) >/dev/null &&
	"$PY" hkedit.py s-order order "$other" &&
	expect_status 1 verify_own_run m-order --hyperkitty "$S" >verify.txt &&
	grep "^FAIL  *hyperkitty" verify.txt
'

hk_test 'HyperKitty'"'"'s own mbox.gz export is purged as a file; each message removed is named by the hash of its web page' '
	site s-export &&
	"$PY" - s-export "$LIST" <<-\EOF &&
	import os, sys
	sys.path.insert(0, os.path.abspath(sys.argv[1]))
	os.environ["DJANGO_SETTINGS_MODULE"] = "hksite"
	import django
	django.setup()
	from django.test import Client
	from django.urls import reverse
	r = Client().get(reverse("hk_list_export_mbox", kwargs={
	    "mlist_fqdn": sys.argv[2], "filename": "list"}))
	assert r.status_code == 200, r.status_code
	open("list.mbox.gz", "wb").write(b"".join(r.streaming_content)
	                                 if r.streaming else r.content)
	EOF
	cp list.mbox.gz list-before.mbox.gz &&
	"$LISTSCRUB" purge --message-id "$STARTER" --thread whole --format json \
		$(own_run m-export) list.mbox.gz >export.json &&
	"$PY" items.py "sorted(i[\"message_id_hash\"] for i in items if i[\"state\"] == \"deleted\")" <export.json >got &&
	"$PY" mid_hash.py $(echo "$THREAD_JSON" | "$PY" -c "import json,sys; print(\" \".join(json.load(sys.stdin)))") |
		"$PY" -c "import sys; print(sorted(sys.stdin.read().split()))" >want &&
	test_cmp want got &&
	"$PY" -c "import gzip, mailbox, json, sys
def msgs(p):
    open(\"x.mbox\", \"wb\").write(gzip.open(p).read())
    return [m.as_bytes() for m in mailbox.mbox(\"x.mbox\")]
before, after = msgs(\"list-before.mbox.gz\"), msgs(\"list.mbox.gz\")
gone = set(json.load(open(\"truth.json\"))[\"thread_message_ids\"])
kept = [m for m in before if not any((\"<%s>\" % g).encode() in m for g in gone)]
assert len(after) == len(before) - 5 and after == kept, (len(before), len(after))"
'

# mkcorpus_test DESCRIPTION 'COMMANDS': a test on a mkcorpus archive.
mkcorpus_test() {
	if [ -n "$why" ]; then
		test_skip "$1" "$why"
	elif ! test_have_mkcorpus; then
		test_skip "$1" "../shared/tools/mkcorpus is not here"
	else
		test_expect_success "$1" "$2"
	fi
}

mkcorpus_test 'a mkcorpus archive in HyperKitty: every address its truth.json says leaked in bodies is redacted wherever HyperKitty keeps it' '
	"$MKCORPUS" --out mk --messages 80 --lists 1 --seed 3 >/dev/null &&
	"$HKT/mksite" s-mk mk/*.mbox "support@lists.example.org" &&
	"$HKT/hkcheck" snapshot s-mk mk.snap &&
	"$PY" -c "import glob, json, mailbox
# HyperKitty keeps the subject, the sender and the parts, not To or Cc:
# the messages where a leaked address is in one of those, by Python email
def stored_text(m):
    parts = [m.get(\"Subject\", \"\"), m.get(\"From\", \"\")]
    for p in m.walk():
        if not p.is_multipart():
            parts.append((p.get_payload(decode=True) or b\"\").decode(\"utf-8\", \"replace\"))
    return \"\\n\".join(str(x) for x in parts).lower()
def kept_in_hyperkitty(occurrences):
    text = {m[\"Message-ID\"]: stored_text(m) for m in mailbox.mbox(glob.glob(\"mk/*.mbox\")[0])}
    return set(mid.strip(\"<>\") for addr, ids in occurrences.items() for mid in ids
               if addr.lower() in text.get(mid, \"\"))
t = json.load(open(\"mk/truth.json\"))
inc = [i for i in t[\"incidents\"] if i[\"kind\"] == \"body-leak\"][0]
open(\"mk.addresses\", \"w\").write(\"\n\".join(inc[\"leaked_addresses\"]) + \"\n\")
json.dump(sorted(kept_in_hyperkitty(inc[\"occurrences\"])), open(\"mk.occurs\", \"w\"))
json.dump(inc[\"leaked_addresses\"], open(\"mk.tokens\", \"w\"))" &&
	"$LISTSCRUB" purge --hyperkitty "$PWD/s-mk/hksite.py" --addresses mk.addresses \
		--format json $(own_run m-mk) >mk.json &&
	"$PY" -c "import json
items = [json.loads(l) for l in open(\"mk.json\")][1:-1]
redacted = sorted(i[\"message_id\"] for i in items if i[\"state\"] == \"redacted\")
occurs = json.load(open(\"mk.occurs\"))
missing = set(occurs) - set(redacted)
assert not missing and occurs, missing
json.dump(redacted, open(\"mk.redacted\", \"w\"))" &&
	check s-mk "{\"redacted\": {\"tokens\": $(cat mk.tokens), \"messages\": $(cat mk.redacted)}, \"unchanged_except\": $(cat mk.redacted)}" mk.snap &&
	verify_own_run m-mk --hyperkitty "$PWD/s-mk/hksite.py" >verify.txt &&
	grep "^# verified" verify.txt
'

# PostgreSQL: the same purges on a throw-away cluster, and a kill of the
# app while HyperKitty's transaction is open (on a cluster of its own).
pg_why=$why
stop_clusters() {
	for c in pg pg-kill; do
		[ -d "$TRASH/$c" ] && "$HKT/pgcluster" stop "$TRASH/$c" >/dev/null 2>&1
	done
	return 0
}
if [ -z "$pg_why" ]; then
	"$HKT/pgcluster" start pg >pg.sock 2>pg.err &&
	"$HKT/pgcluster" start pg-kill >pg-kill.sock 2>>pg.err
	case $? in
	0) trap stop_clusters EXIT ;;
	77) pg_why="PostgreSQL is not installed ($(tail -n 1 pg.err))" ;;
	*) pg_why="the PostgreSQL cluster did not start: $(tail -n 1 pg.err)" ;;
	esac
fi
pg_test() {
	if [ -n "$pg_why" ]; then
		test_skip "$1" "$pg_why"
	else
		test_expect_success "$1" "$2"
	fi
}

pg_test 'PostgreSQL: a thread deleted and the leak redacted in two chained runs; HyperKitty and verify agree' '
	"$HKT/mksite" s-pg hk.mbox "$LIST" --postgres "$(cat pg.sock)" &&
	"$HKT/hkcheck" snapshot s-pg pg.snap &&
	S=$PWD/s-pg/hksite.py &&
	"$LISTSCRUB" purge --hyperkitty "$S" --message-id "$STARTER" --thread whole \
		$(own_run m-pg) >/dev/null &&
	"$LISTSCRUB" purge --hyperkitty "$S" --address "$LEAK" $(own_run m-pg) >/dev/null &&
	check s-pg "{\"gone\": $THREAD_JSON, \"redacted\": {\"tokens\": [\"$LEAK\"], \"messages\": $LEAK_JSON}, \"unchanged_except\": $("$PY" -c "import json; print(json.dumps($THREAD_JSON + $LEAK_JSON))")}" pg.snap &&
	"$LISTSCRUB" verify --manifest m-pg/0002 --prev m-pg/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" --hyperkitty "$S" >verify.txt &&
	grep "^OK  *hyperkitty" verify.txt && grep "^OK  *chain" verify.txt
'

pg_test 'PostgreSQL: the app killed inside the transaction changes nothing, and purge says so' '
	"$HKT/mksite" s-kill hk.mbox "$LIST" --postgres "$(cat pg-kill.sock)" &&
	"$HKT/hkcheck" snapshot s-kill kill.snap &&
	"$PY" hkedit.py s-kill sleep "$STARTER" &&
	"$LISTSCRUB" purge --hyperkitty "$PWD/s-kill/hksite.py" --message-id "$STARTER" \
		--thread whole $(own_run m-kill) >out.txt 2>err.txt &
	lpid=$! &&
	# this run'"'"'s app: its plan is in the run'"'"'s own staging folder
	n=0 &&
	until app=$(pgrep -f "listscrub_apply .*listscrub-stage-$lpid-") || [ $n = 300 ]; do
		sleep 0.1; n=$((n + 1))
	done &&
	sleep 1 && kill -9 $app &&
	expect_status 2 wait $lpid &&
	grep "hyperkitty-failed" err.txt &&
	! test -e m-kill/0001/manifest.jsonl &&
	check s-kill "{}" kill.snap
'

stop_clusters
test_done
