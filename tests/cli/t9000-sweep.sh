#!/bin/sh
test_description='sweep: a scheduled sweep reads only what is new, keeps a baseline, signs a manifest every run'
. "$(dirname "$0")/test-lib.sh"

# msgs.py FILE N... -- append messages N... to the mbox FILE; a message
# whose number is in LEAK (env) carries an IBAN and a leaked address.
cat >msgs.py <<\EOF
import os, sys
leak = set(os.environ.get("LEAK", "").split())
with open(sys.argv[1], "ab") as f:
    for n in sys.argv[2:]:
        body = ("IBAN DE89 3704 0044 0532 0130 00, write planted@victim.example"
                if n in leak else "nothing to see")
        f.write(("From a%s@x.example Mon Jan  4 10:00:00 2021\n"
                 "From: a%s <a%s@x.example>\nSubject: s%s\n"
                 "Message-ID: <m%s@x.example>\n\n%s\n\n"
                 % (n, n, n, n, n, body)).encode())
EOF
# field.py KEY... -- a field of the JSON on stdin: of its last line's
# summary, "format" from its header line, "new_findings" the lines
# between (an independent reader: Python's json)
cat >field.py <<\EOF
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
d = dict(lines[-1]["summary"], format=lines[0]["listscrub"]["format"],
         new_findings=lines[1:-1])
for k in sys.argv[1:]:
    d = d[k]
print(json.dumps(d) if isinstance(d, (dict, list)) else d)
EOF
# size.py FILE... -- the sum of the files' sizes
cat >size.py <<\EOF
import os, sys
print(sum(os.path.getsize(p) for p in sys.argv[1:]))
EOF

sweep() { "$LISTSCRUB" sweep --config sweep.conf "$@"; }

test_expect_success 'setup: an mbox archive of 5 messages (one leak), rules, keys and the configuration' '
	mkdir -p arch rules var &&
	LEAK=2 python3 msgs.py arch/list.mbox 1 2 3 4 5 &&
	cp "$TEST_SRCDIR/rules/"*.rules rules/ &&
	cat >sweep.conf <<-EOF
	archives = ( { path = "arch"; list = "dev"; format = "mbox"; } );
	rules = "rules";
	detect = [ "mass-recipients" ];
	state = "var/sweep.state";
	baseline = "var/sweep.baseline";
	manifest_dir = "var/manifests";
	sign_key = "$KEYS/sign.key";
	incident_key = "$KEYS/incident.key";
	thresholds = { min_findings = 1; };
	EOF
	ls rules/*.rules >/dev/null
'

test_expect_success 'config errors name the file and line; apply is refused; exit 2' '
	printf "archives = ( { path = \"arch\"; } );\nstate = \"s\"\nbaseline = 3;\n" >bad1.conf &&
	expect_status 2 "$LISTSCRUB" sweep --config bad1.conf 2>err &&
	grep "bad1.conf:3" err &&
	sed "s/^thresholds.*/colour = \"blue\";/" sweep.conf >bad2.conf &&
	expect_status 2 "$LISTSCRUB" sweep --config bad2.conf 2>err &&
	grep "bad2.conf:9:.*colour.*not a sweep setting" err &&
	{ cat sweep.conf; echo "apply = true;"; } >bad3.conf &&
	expect_status 2 "$LISTSCRUB" sweep --config bad3.conf 2>err &&
	grep "bad3.conf:10:.*only reports" err &&
	grep -v "^state" sweep.conf >bad4.conf &&
	expect_status 2 "$LISTSCRUB" sweep --config bad4.conf 2>err &&
	grep "bad4.conf: .state. is missing" err &&
	expect_status 2 "$LISTSCRUB" sweep 2>err && grep "give --config" err &&
	test ! -e var/sweep.state
'

test_expect_success 'first run: everything read, the leak found (exit 1), a manifest of mode sweep that verifies' '
	expect_status 1 sweep --format json >run1.json &&
	test "$(python3 field.py format <run1.json)" = 1 &&
	test "$(python3 field.py messages_read <run1.json)" = 5 &&
	test "$(python3 field.py bytes_read <run1.json)" = "$(python3 size.py arch/list.mbox)" &&
	test "$(python3 field.py mailboxes full <run1.json)" = 1 &&
	test "$(python3 field.py by_rule iban <run1.json)" = 1 &&
	test "$(python3 field.py by_list dev <run1.json)" -ge 1 &&
	python3 field.py new_findings <run1.json | grep "\"index\": 1" &&
	! grep -i "DE89\|planted" run1.json &&
	grep "\"mode\":\"sweep\"" var/manifests/0001/manifest.jsonl &&
	verify_own_run var/manifests arch
'

test_expect_success 'an unchanged archive: nothing read, the finding still reported until accepted' '
	expect_status 1 sweep --format json >run2.json &&
	test "$(python3 field.py bytes_read <run2.json)" = 0 &&
	test "$(python3 field.py messages_read <run2.json)" = 0 &&
	test "$(python3 field.py mailboxes unchanged <run2.json)" = 1 &&
	test "$(python3 field.py findings new <run2.json)" = 1
'

test_expect_success 'two messages appended: the next run reads only them (their bytes, 2 messages)' '
	before=$(python3 size.py arch/list.mbox) &&
	LEAK=7 python3 msgs.py arch/list.mbox 6 7 &&
	after=$(python3 size.py arch/list.mbox) &&
	expect_status 1 sweep --format json >run3.json &&
	test "$(python3 field.py messages_read <run3.json)" = 2 &&
	test "$(python3 field.py bytes_read <run3.json)" = $((after - before)) &&
	test "$(python3 field.py mailboxes incremental <run3.json)" = 1 &&
	python3 field.py new_findings <run3.json | grep "\"index\": 6" &&
	test "$(python3 field.py findings new <run3.json)" = 2
'

test_expect_success '--accept adds them to the baseline (fingerprints, never the text); later runs are clean (exit 0)' '
	expect_status 0 sweep --accept --format json >acc.json &&
	test "$(python3 field.py findings accepted <acc.json)" = 2 &&
	test "$(python3 field.py findings baseline <acc.json)" = 2 &&
	! grep -i "DE89\|planted\|m2@x" var/sweep.baseline var/sweep.state &&
	expect_status 0 sweep >clean.txt &&
	grep "^0 new findings" clean.txt
'

test_expect_success 'a truncated and rewritten mbox is read whole again; accepted findings stay accepted' '
	rm arch/list.mbox &&
	LEAK="2 7" python3 msgs.py arch/list.mbox 1 2 3 4 5 6 7 &&
	expect_status 0 sweep --format json >rw.json &&
	test "$(python3 field.py mailboxes full <rw.json)" = 1 &&
	test "$(python3 field.py messages_read <rw.json)" = 7 &&
	test "$(python3 field.py findings baselined <rw.json)" -ge 2 &&
	python3 - <<-\EOF_
	# same inode, same size, another middle: the rewrite in place keeps the
	# ends, so put it at the end (the state digests the last 64 KB)
	data = open("arch/list.mbox", "rb").read()
	open("arch/list.mbox", "r+b").write(data.replace(b"nothing to see", b"nothing to SEE"))
	EOF_
	expect_status 0 sweep --format json >rw2.json &&
	test "$(python3 field.py mailboxes full <rw2.json)" = 1 &&
	: >arch/list.mbox && LEAK=1 python3 msgs.py arch/list.mbox 1 &&
	expect_status 1 sweep --format json >tr.json &&
	test "$(python3 field.py mailboxes full <tr.json)" = 1 &&
	test "$(python3 field.py messages_read <tr.json)" = 1
'

test_expect_success 'a changed rules file: everything read again' '
	expect_status 0 sweep --accept >/dev/null &&
	expect_status 0 sweep --format json >same.json &&
	test "$(python3 field.py bytes_read <same.json)" = 0 &&
	echo "# a comment changes the rules file" >>"$(ls rules/*.rules | head -n 1)" &&
	expect_status 0 sweep --format json >rules.json &&
	test "$(python3 field.py rules_changed <rules.json)" = True &&
	test "$(python3 field.py mailboxes full <rules.json)" = 1 &&
	test "$(python3 field.py bytes_read <rules.json)" = "$(python3 size.py arch/list.mbox)"
'

test_expect_success 'a Maildir: only files not seen are read (a move from new/ to cur/ is not new)' '
	mkdir -p arch/md/cur arch/md/new arch/md/tmp &&
	printf "From: a@x.example\nMessage-ID: <q1@x.example>\nSubject: q\n\nIBAN DE89 3704 0044 0532 0130 00\n" >arch/md/new/1.a &&
	expect_status 1 sweep --format json >md1.json &&
	test "$(python3 field.py messages_read <md1.json)" = 1 &&
	mv arch/md/new/1.a "arch/md/cur/1.a:2,S" &&
	printf "From: a@x.example\nMessage-ID: <q2@x.example>\nSubject: q\n\nhello\n" >arch/md/new/2.b &&
	expect_status 1 sweep --format json >md2.json &&
	test "$(python3 field.py messages_read <md2.json)" = 1 &&
	test "$(python3 field.py bytes_read <md2.json)" = "$(python3 size.py arch/md/new/2.b)" &&
	expect_status 0 sweep --accept >/dev/null
'

test_expect_success 'manifests of every run verify, chained' '
	last=$(ls var/manifests | grep -v "\\." | sort | tail -n 1) &&
	prev=$(ls var/manifests | grep -v "\\." | sort | tail -n 2 | head -n 1) &&
	"$LISTSCRUB" verify --manifest "var/manifests/$last" --prev "var/manifests/$prev" \
		--pubkey "$KEYS/sign.pub" --incident-key "$KEYS/incident.key" arch
'

test_expect_success '--mail-to pipes the text summary to sendmail, without the personal data' '
	cat >fake-sendmail <<-\EOF &&
	#!/bin/sh
	echo "$@" >mail.args
	cat >mail.txt
	EOF
	chmod +x fake-sendmail &&
	LEAK=8 python3 msgs.py arch/list.mbox 8 && # the second message of the file truncated above
	LISTSCRUB_SENDMAIL=$PWD/fake-sendmail expect_status 1 sweep --mail-to admin@lists.example >out.txt &&
	test "$(cat mail.args)" = "-t -oi" &&
	grep "^To: admin@lists.example" mail.txt &&
	grep "^Subject: listscrub sweep: 1 new finding" mail.txt &&
	grep "list.mbox:#1: iban" mail.txt &&
	! grep -i "DE89\|planted\|victim" mail.txt out.txt &&
	expect_status 2 sweep --mail-to "a@b.example
Bcc: x@y.example" 2>err && grep "control characters" err
'

test_expect_success 'the state is replaced atomically: killed at its rename, the old state stays valid' '
	cp var/sweep.state state.before &&
	LEAK= python3 msgs.py arch/list.mbox 9 &&
	expect_status 137 with_fault rename:sweep.state:1:kill "$LISTSCRUB" sweep --config sweep.conf >/dev/null 2>&1 &&
	cmp state.before var/sweep.state &&
	python3 -c "import json; d = json.load(open(\"var/sweep.state\")); assert d[\"v\"] == 1" &&
	expect_status 1 sweep --format json >after.json &&
	test "$(python3 field.py messages_read <after.json)" = 1
'

test_expect_success 'a missing archive is an error (exit 2); the lock refuses a second sweep' '
	sed "s#path = \"arch\"#path = \"nonesuch\"#" sweep.conf >missing.conf &&
	expect_status 2 "$LISTSCRUB" sweep --config missing.conf >/dev/null 2>err &&
	grep nonesuch err &&
	LISTSCRUB=$LISTSCRUB python3 - <<-\EOF_
	import fcntl, subprocess, os
	f = open("var/sweep.state.lock", "w")
	fcntl.flock(f, fcntl.LOCK_EX)
	r = subprocess.run([os.environ["LISTSCRUB"], "sweep", "--config", "sweep.conf"],
	                   capture_output=True, text=True)
	assert r.returncode == 2, r
	assert "locked" in r.stderr, r.stderr
	EOF_
'

# ---- what an independent review found missed -----------------------------

# mkconf DIR [LINE]: a config in DIR for its arch/ (threshold LINE).
mkconf() {
	mkdir -p "$1/arch" "$1/var" &&
	cat >"$1/sweep.conf" <<-EOF
	archives = ( { path = "${3:-arch}"; list = "dev"; } );
	rules = "../rules";
	state = "var/sweep.state";
	baseline = "var/sweep.baseline";
	manifest_dir = "var/manifests";
	sign_key = "$KEYS/sign.key";
	incident_key = "$KEYS/incident.key";
	${2:-}
	EOF
}
rsweep() { (d=$1; shift; cd "$d" && "$LISTSCRUB" sweep --config sweep.conf --format json "$@"); }

test_expect_success 'a message half-written when a sweep read it: the next reads the mailbox whole, both leaks found' '
	mkconf h && python3 msgs.py h/arch/list.mbox 1 2 3 &&
	expect_status 0 rsweep h >h1.json &&
	printf "From a4@x.example Mon Jan  4 10:00:00 2021\nFrom: a4 <a4@x.example>\nSubject: s4\nMessage-ID: <m4@x.example>\n\nfirst half " >>h/arch/list.mbox &&
	expect_status 0 rsweep h >h2.json &&
	printf "IBAN DE89 3704 0044 0532 0130 00\n\n" >>h/arch/list.mbox &&
	LEAK=5 python3 msgs.py h/arch/list.mbox 5 &&
	expect_status 1 rsweep h >h3.json &&
	test "$(python3 field.py findings new <h3.json)" = 2 &&
	test "$(python3 field.py mailboxes full <h3.json)" = 1 &&
	expect_status 1 rsweep h >h4.json &&
	test "$(python3 field.py bytes_read <h4.json)" = 0
'

test_expect_success 'an archive path written with "//": appended mail is still read' '
	mkconf s "" "x//arch" && mkdir -p s/x/arch && python3 msgs.py s/x/arch/list.mbox 1 2 &&
	expect_status 0 rsweep s >s1.json &&
	LEAK=3 python3 msgs.py s/x/arch/list.mbox 3 &&
	expect_status 1 rsweep s >s2.json &&
	test "$(python3 field.py messages_read <s2.json)" = 1 &&
	test "$(python3 field.py findings new <s2.json)" = 1
'

test_expect_success 'under min_findings nothing is reported, and --accept accepts only what was reported' '
	mkconf t "thresholds = { min_findings = 2; };" && LEAK=1 python3 msgs.py t/arch/list.mbox 1 2 &&
	expect_status 0 rsweep t >t1.json &&
	test "$(python3 field.py findings new <t1.json)" = 0 &&
	expect_status 0 rsweep t --accept >t2.json &&
	test "$(python3 field.py findings accepted <t2.json)" = 0 &&
	LEAK=3 python3 msgs.py t/arch/list.mbox 3 &&
	expect_status 1 rsweep t >t3.json &&
	test "$(python3 field.py findings new <t3.json)" = 2
'

test_expect_success 'a Maildir message removed: its finding is not reported any more' '
	mkconf m && mkdir -p m/arch/md/cur m/arch/md/new m/arch/md/tmp &&
	for n in 1 2; do
		printf "From: a$n <a$n@x.example>\nSubject: s$n\nMessage-ID: <md$n@x.example>\n\nIBAN DE89 3704 0044 0532 0130 00\n" >m/arch/md/new/$n.x || exit 1
	done &&
	expect_status 1 rsweep m >m1.json &&
	test "$(python3 field.py findings new <m1.json)" = 2 &&
	mv m/arch/md/new/2.x "m/arch/md/cur/2.x:2,S" &&
	expect_status 1 rsweep m >m2.json &&
	test "$(python3 field.py findings new <m2.json)" = 2 &&
	rm m/arch/md/new/1.x &&
	expect_status 1 rsweep m >m3.json &&
	test "$(python3 field.py findings new <m3.json)" = 1 &&
	rm "m/arch/md/cur/2.x:2,S" &&
	expect_status 0 rsweep m >m4.json
'

test_expect_success 'a mailbox rotated after --accept: its accepted findings stay accepted' '
	mkconf r && LEAK=2 python3 msgs.py r/arch/list.mbox 1 2 &&
	expect_status 1 rsweep r >r1.json &&
	expect_status 0 rsweep r --accept >r2.json &&
	mv r/arch/list.mbox r/arch/list.mbox.1 && : >r/arch/list.mbox &&
	expect_status 0 rsweep r >r3.json &&
	test "$(python3 field.py findings new <r3.json)" = 0 &&
	test "$(python3 field.py findings baselined <r3.json)" = 1
'

# ---- real input: an archive of mkcorpus, half of it, then the rest -----------

if test_have_mkcorpus; then
test_expect_success 'mkcorpus: every planted IBAN reported, the second run reading only the appended half' '
	python3 "$MKCORPUS" --out mk --messages 400 --seed 13 >/dev/null &&
	mkconf k && python3 - <<-\EOF_ &&
	import mailbox
	src = list(mailbox.mbox("mk/support-list.mbox"))
	out = mailbox.mbox("k/arch/list.mbox")
	for m in src[:len(src) // 2]:
	    out.add(m)
	out.close()
	EOF_
	expect_status 1 rsweep k >k1.json &&
	before=$(python3 size.py k/arch/list.mbox) &&
	python3 - <<-\EOF_ &&
	import mailbox
	src = list(mailbox.mbox("mk/support-list.mbox"))
	out = mailbox.mbox("k/arch/list.mbox")
	for m in src[len(src) // 2:]:
	    out.add(m)
	out.close()
	open("k.appended", "w").write(str(len(src) - len(src) // 2))
	EOF_
	after=$(python3 size.py k/arch/list.mbox) &&
	rsweep k >k2.json; test $? -le 1 &&
	test "$(python3 field.py messages_read <k2.json)" = "$(cat k.appended)" &&
	test "$(python3 field.py bytes_read <k2.json)" = $((after - before)) &&
	test "$(python3 field.py mailboxes incremental <k2.json)" = 1 &&
	python3 - <<-\EOF_
	import json, mailbox, re
	t = json.load(open("mk/truth.json"))
	norm = lambda s: re.sub(rb"\s", b"", s)
	ibans = {norm(p["value"].encode()) for i in t["incidents"] if i["list"] == "support-list"
	         for p in i["pii"] if p["type"] == "iban"}
	msgs = [norm(m.as_bytes()) for m in mailbox.mbox("k/arch/list.mbox")]
	found = set()
	for f in ("k1.json", "k2.json"):
	    for l in open(f).readlines()[1:-1]:
	        x = json.loads(l)
	        if x["rule"] == "iban":
	            found.add(x["index"])
	for v in ibans:
	    where = {i for i, m in enumerate(msgs) if v in m}
	    assert where, ("not in the archive", v)
	    assert where & found, ("a planted IBAN not reported", sorted(where))
	assert ibans, "no IBAN planted in support-list: pick another seed"
	print(len(ibans), "planted IBANs, all reported")
	EOF_
'
else
	test_skip 'mkcorpus: planted IBANs across an incremental sweep' 'the shared mkcorpus generator is not here (../shared/tools/mkcorpus)'
fi

test_done
