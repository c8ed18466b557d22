#!/bin/sh
test_description='a run killed at any moment leaves no lock, temp or unaccounted change behind; keys and manifests are checked'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/basic/list.mbox
ORACLE_IDS=$TRASH/.ids
echo move-4@example.net >"$ORACLE_IDS"

[ -f "${FAULT_LIB:-}" ] ||
	test_skip_all "the fault injector (tests/fault/libfault.so) is not built: run make check"

# a PID no process has any more
dead_pid() {
	sh -c 'exit 0' & _p=$!
	wait $_p
	echo $_p
}

# set_age FILE SECONDS -- make FILE's mtime SECONDS ago
set_age() {
	touch -d "@$(($(date +%s) - $2))" "$1"
}

# only_files DIR NAME... -- DIR holds exactly NAMEs (hidden ones too)
only_files() {
	_d=$1; shift
	(cd "$_d" && ls -A | LC_ALL=C sort) >"$TRASH/.have"
	printf '%s\n' "$@" | LC_ALL=C sort >"$TRASH/.want"
	test_cmp "$TRASH/.want" "$TRASH/.have"
}

purge_move4() {  # DIR [OPTION...]
	_d=$1; shift
	"$LISTSCRUB" purge --message-id move-4@example.net \
		$(own_run "$_d/.m") "$@" "$_d/list.mbox"
}

# ---- (a) locks and temps ------------------------------------------------

test_expect_success 'an empty dotlock younger than 300 s is held: purge waits, fails, changes nothing' '
	mkdir a1 && cp "$BASIC" a1/list.mbox && : >a1/list.mbox.lock &&
	expect_status 2 purge_move4 a1 --lock-timeout 1 2>err &&
	grep -q "is locked by another process" err &&
	cmp "$BASIC" a1/list.mbox && test -f a1/list.mbox.lock
'

test_expect_success 'a dotlock holding no PID (garbage) younger than 300 s is held too' '
	mkdir a2 && cp "$BASIC" a2/list.mbox &&
	echo "not a pid" >a2/list.mbox.lock &&
	expect_status 2 purge_move4 a2 --lock-timeout 1 2>err &&
	grep -q "is locked by another process" err &&
	cmp "$BASIC" a2/list.mbox && test -f a2/list.mbox.lock
'

test_expect_success 'an empty or garbage dotlock older than 300 s is stale: removed, purge goes on' '
	for how in empty garbage; do
		rm -rf a3 && mkdir a3 && cp "$BASIC" a3/list.mbox &&
		if [ $how = empty ]; then : >a3/list.mbox.lock; else echo junk >a3/list.mbox.lock; fi &&
		set_age a3/list.mbox.lock 400 &&
		purge_move4 a3 --lock-timeout 1 >/dev/null &&
		python3 "$ORACLE" "$BASIC" a3/list.mbox "$ORACLE_IDS" >/dev/null &&
		only_files a3 .m list.mbox || return 1
	done
'

test_expect_success 'killed before linking its lock: the temp holds our PID already, the next run removes it' '
	mkdir a5 && cp "$BASIC" a5/list.mbox &&
	! with_fault "link:list.mbox.lock:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run a5/.m) a5/list.mbox >/dev/null 2>&1 &&
	test ! -e a5/list.mbox.lock &&
	grep -qx "[0-9][0-9]*" a5/.lk* &&
	purge_move4 a5 >out 2>err &&
	python3 "$ORACLE" "$BASIC" a5/list.mbox "$ORACLE_IDS" >/dev/null &&
	only_files a5 .m list.mbox
'

test_expect_success 'killed while writing the new copy: the rerun removes its temp and the dead lock' '
	mkdir a6 && cp "$BASIC" a6/list.mbox &&
	! with_fault "fsync:.list.mbox.listscrub-:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run a6/.m) a6/list.mbox >/dev/null 2>&1 &&
	test -f a6/list.mbox.lock &&
	ls -A a6 | grep -q "^\.list\.mbox\.listscrub-" &&
	cmp "$BASIC" a6/list.mbox &&
	purge_move4 a6 >out 2>err &&
	python3 "$ORACLE" "$BASIC" a6/list.mbox "$ORACLE_IDS" >/dev/null &&
	only_files a6 .m list.mbox
'

test_expect_success 'killed after the mbox changed: a rerun with nothing to do removes the dead lock' '
	mkdir a7 && cp "$BASIC" a7/list.mbox &&
	! with_fault "open:0001.tmp-:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run a7/.m) a7/list.mbox >/dev/null 2>&1 &&
	test -f a7/list.mbox.lock &&
	python3 "$ORACLE" "$BASIC" a7/list.mbox "$ORACLE_IDS" >/dev/null &&
	purge_move4 a7 >out 2>err;
	python3 "$ORACLE" "$BASIC" a7/list.mbox "$ORACLE_IDS" >/dev/null &&
	only_files a7 .m list.mbox
'

# ---- (b) every change accounted for -------------------------------------

# minisign_ok DIR NAME -- minisign (not listscrub) accepts DIR/NAME's
# signature by our key; true when minisign is not installed
minisign_ok() {
	command -v minisign >/dev/null || return 0
	minisign -Vm "$1/$2" -p "$KEYS/sign.pub" >/dev/null
}

# field FILE KEY -- a top-level field of a JSON file, read by python3
field() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"
}

test_expect_success 'killed after the mbox changed, before its manifest: a signed intent records the change' '
	mkdir b1 && cp "$BASIC" b1/list.mbox &&
	! with_fault "open:0001.tmp-:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run b1/.m) b1/list.mbox >/dev/null 2>&1 &&
	python3 "$ORACLE" "$BASIC" b1/list.mbox "$ORACLE_IDS" >/dev/null &&
	test ! -e b1/.m/0001 && test -f b1/.m/0001.intent/intent.json &&
	minisign_ok b1/.m/0001.intent intent.json &&
	test "$(field b1/.m/0001.intent/intent.json mode)" = intent &&
	python3 - b1/.m/0001.intent/intent.json "$BASIC" b1/list.mbox <<-\EOF
	import hashlib, json, sys
	i = json.load(open(sys.argv[1]))
	sha = lambda p: "sha256:" + hashlib.sha256(open(p, "rb").read()).hexdigest()
	(f,) = i["files"]
	assert f["path"] == "list.mbox", f
	assert f["before"] == sha(sys.argv[2]) and f["after"] == sha(sys.argv[3]), f
	assert [a["action"] for a in i["acts"]] == ["delete-message"], i["acts"]
	EOF
'

test_expect_success 'verify reports the unfinished run: not OK, exit 1' '
	expect_status 1 "$LISTSCRUB" verify --manifest b1/.m/0001.intent \
		--pubkey "$KEYS/sign.pub" b1 >out &&
	grep -q "^FAIL *run .*stopped half-way" out
'

test_expect_success 'the next run records it as done (finished by the later run); then all verifies' '
	purge_move4 b1 >out 2>err &&
	grep -q "run 1 stopped before its manifest was written.*done" err &&
	test ! -e b1/.m/0001.intent &&
	test "$(field b1/.m/0001.interrupted-1/resolution.json outcome)" = done &&
	minisign_ok b1/.m/0001.interrupted-1 resolution.json &&
	minisign_ok b1/.m/0001.interrupted-1 intent.json &&
	verify_own_run b1/.m b1 >out &&
	grep -q "0001.interrupted-1: a run that stopped half-way, recorded by the next run as .done." out &&
	! ls -A b1/.m | grep -q "tmp-"
'

test_expect_success 'verify of the record alone lists what the killed run changed, as carried out by it: exit 0' '
	"$LISTSCRUB" verify --manifest b1/.m/0001.interrupted-1 \
		--pubkey "$KEYS/sign.pub" b1 >out &&
	grep -q "^OK *signature .*intent.json and resolution.json signed by the pinned key" out &&
	grep -q "^OK *listings .*run 1.s signed tree-before.sha256" out &&
	grep -q "^OK *run .*run 1 recorded it after the fact as .done." out &&
	grep -qx "    delete-message list.mbox, message 3: carried out by run 1, recorded after the fact by run 1" out &&
	grep -q "^# verified: every check passed" out &&
	verify_own_run b1/.m b1 >out &&
	grep -q "0001.interrupted-1: its 1 changes were carried out by run 1, recorded after the fact by run 1" out
'

# retampered DIR PYTHON -- a copy of b1 as DIR, its record changed by
# PYTHON (I: intent.json bytes, R: resolution.json bytes)
retampered() {
	rm -rf "$1" && cp -a b1 "$1" &&
	python3 - "$1/.m/0001.interrupted-1" "$2" <<-\EOF
	import sys
	d = sys.argv[1]
	I = open(d + "/intent.json", "rb").read()
	R = open(d + "/resolution.json", "rb").read()
	exec(sys.argv[2])
	open(d + "/intent.json", "wb").write(I)
	open(d + "/resolution.json", "wb").write(R)
	EOF
}

test_expect_success 'a byte changed in intent.json or resolution.json, or a signature gone: verify fails naming the file' '
	retampered bt1 "I = I.replace(b\"\\\"T-1\\\"\", b\"\\\"T-2\\\"\", 1)" &&
	expect_status 1 verify_own_run bt1/.m bt1 >out &&
	grep -q "^FAIL *run .*not signed as it should be" out &&
	grep -q "0001.interrupted-1/intent.json: " out &&
	expect_status 1 "$LISTSCRUB" verify --manifest bt1/.m/0001.interrupted-1 --pubkey "$KEYS/sign.pub" bt1 >out &&
	grep -q "^FAIL *signature" out && grep -q "0001.interrupted-1/intent.json: " out &&
	retampered bt2 "R = R.replace(b\"\\\"done\\\"\", b\"\\\"dona\\\"\", 1)" &&
	expect_status 1 verify_own_run bt2/.m bt2 >out &&
	grep -q "0001.interrupted-1/resolution.json: " out &&
	! grep -q "intent.json: " out &&
	rm -rf bt3 && cp -a b1 bt3 && rm bt3/.m/0001.interrupted-1/resolution.json.minisig &&
	expect_status 1 verify_own_run bt3/.m bt3 >out &&
	grep -q "0001.interrupted-1/resolution.json.minisig: missing" out
'

if ! command -v minisign >/dev/null; then
	test_skip 'a resolution re-signed with the key but misreporting a file fails the cross-check with the next run' 'minisign is not installed (contrib/setup-debian)'
else
test_expect_success 'a resolution re-signed with the key but misreporting a file fails the cross-check with the next run' '
	retampered bt4 "R = R.replace(b\"\\\"after\\\"\", b\"\\\"before\\\"\").replace(b\"\\\"done\\\"\", b\"\\\"not-carried-out\\\"\")" &&
	r=bt4/.m/0001.interrupted-1 &&
	minisign -S -s "$KEYS/sign.key" -m $r/resolution.json -t "lmi1 file=resolution.json seq=1 outcome=not-carried-out resolved=$(field $r/resolution.json resolved) by=1" </dev/null >/dev/null &&
	minisign_ok $r resolution.json &&
	expect_status 1 verify_own_run bt4/.m bt4 >out &&
	! grep -q "resolution.json: .*signature\|minisig" out &&
	grep -q "resolution.json: list.mbox is recorded as .before., but run 1.s tree-before.sha256 does not show it so" out &&
	expect_status 1 "$LISTSCRUB" verify --manifest $r --pubkey "$KEYS/sign.pub" bt4 >out &&
	grep -q "^OK *signature" out && grep -q "^FAIL *listings" out
'
fi

test_expect_success 'a pipermail run killed before its manifest: the intent holds every page'"'"'s new digest, the record verifies' '
	PML=archives/private/demo-list &&
	python3 "$TEST_SRCDIR/tests/cli/lib/mkpipermail.py" --out p1 --seed 1 >/dev/null &&
	! with_fault "open:0001.tmp-:1:kill" "$LISTSCRUB" purge --thread whole \
		--message-id FC1F7CD5-BB2E-35CB-F0F1-9C557067CBBE@example.org \
		$(own_run p1.m) p1/$PML >/dev/null 2>&1 &&
	python3 - p1.m/0001.intent/intent.json p1/$PML <<-\EOF &&
	import hashlib, json, os, sys
	i = json.load(open(sys.argv[1]))
	sha = lambda p: "sha256:" + hashlib.sha256(open(p, "rb").read()).hexdigest()
	assert len([f for f in i["files"] if f["path"].endswith(".html")]) > 5, i["files"]
	for f in i["files"]:
	    p = os.path.join(sys.argv[2], f["path"])
	    if f.get("removed"):
	        assert not os.path.exists(p), f
	    else:
	        assert f["after"] == sha(p), f
	EOF
	"$LISTSCRUB" purge --thread whole --message-id FC1F7CD5-BB2E-35CB-F0F1-9C557067CBBE@example.org \
		$(own_run p1.m) p1/$PML >/dev/null 2>err &&
	grep -q "recorded as .done." err &&
	"$LISTSCRUB" verify --manifest p1.m/0001.interrupted-1 --pubkey "$KEYS/sign.pub" p1/$PML >out &&
	grep -q "^OK *listings" out && grep -q "^# verified: every check passed" out &&
	verify_own_run p1.m p1/$PML >/dev/null
'

test_expect_success 'killed after its intent, before any change: recorded as not carried out' '
	mkdir b2 && cp "$BASIC" b2/list.mbox &&
	! with_fault "rename:list.mbox.listscrub-journal:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run b2/.m) b2/list.mbox >/dev/null 2>&1 &&
	cmp "$BASIC" b2/list.mbox && test -d b2/.m/0001.intent &&
	purge_move4 b2 >out 2>err &&
	test "$(field b2/.m/0001.interrupted-1/resolution.json outcome)" = not-carried-out &&
	python3 "$ORACLE" "$BASIC" b2/list.mbox "$ORACLE_IDS" >/dev/null &&
	verify_own_run b2/.m b2 >/dev/null
'

test_expect_success 'killed between two mailboxes: recorded exactly, which changed and which not' '
	mkdir -p b3/arch && cp "$BASIC" b3/arch/a.mbox && cp "$BASIC" b3/arch/b.mbox &&
	! with_fault "rename:b.mbox.listscrub-journal:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run b3/.m) b3/arch >/dev/null 2>&1 &&
	python3 "$ORACLE" "$BASIC" b3/arch/a.mbox "$ORACLE_IDS" >/dev/null &&
	cmp "$BASIC" b3/arch/b.mbox &&
	"$LISTSCRUB" purge --message-id move-4@example.net $(own_run b3/.m) b3/arch >out 2>err &&
	python3 - b3/.m/0001.interrupted-1/resolution.json <<-\EOF
	import json, sys
	r = json.load(open(sys.argv[1]))
	assert r["outcome"] == "partial", r
	assert {f["path"]: f["state"] for f in r["files"]} == {"a.mbox": "after", "b.mbox": "before"}, r
	EOF
'

test_expect_success 'an earlier run verifies as failed while a later run is unfinished' '
	mkdir b4 && cp "$BASIC" b4/list.mbox &&
	"$LISTSCRUB" purge --message-id move-1@example.org $(own_run b4/.m) b4/list.mbox >/dev/null &&
	! with_fault "open:0002.tmp-:1:kill" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run b4/.m) b4/list.mbox >/dev/null 2>&1 &&
	expect_status 1 verify_own_run b4/.m b4 >out &&
	grep -q "0002.intent: run 2, unfinished" out
'

test_expect_success 'a full disk at the manifest: no temp directory left, the intent stays for the next run' '
	mkdir b5 && cp "$BASIC" b5/list.mbox &&
	! with_fault "write:0001.tmp-:1:enospc" "$LISTSCRUB" purge --message-id move-4@example.net $(own_run b5/.m) b5/list.mbox >out 2>err &&
	python3 "$ORACLE" "$BASIC" b5/list.mbox "$ORACLE_IDS" >/dev/null &&
	! ls -A b5/.m | grep -q "tmp-" &&
	test -d b5/.m/0001.intent &&
	purge_move4 b5 >/dev/null 2>&1 &&
	test "$(field b5/.m/0001.interrupted-1/resolution.json outcome)" = done
'

test_expect_success 'temp directories that killed runs left in the manifest dir are removed by the next run' '
	mkdir -p b6/.m/0001.tmp-abcdef && : >b6/.m/0001.tmp-abcdef/tree-before.sha256 &&
	cp "$BASIC" b6/list.mbox &&
	purge_move4 b6 >/dev/null 2>err &&
	grep -q "removed 1 temp directories" err &&
	! ls -A b6/.m | grep -q "tmp-" && verify_own_run b6/.m b6 >/dev/null
'

# ---- (c2) the rerun finishes what a stopped run planned -------------------

# The thread of move-1: move-2 and move-3 reply, move-4 references the
# root, move-5 is In-Reply-To move-3 only (tests/fixtures/basic).
THREAD1="--message-id move-1@example.org --thread whole"

# split_basic DIR NAME=N,N... -- the messages of the basic list (numbered
# from 1, envelope and bytes as they are) into DIR: NAME.mbox files, or
# with NAME "maildir" a Maildir whose cur/ files sort in the order given
split_basic() {
	python3 - "$BASIC" "$@" <<-\EOF
	import os, re, sys
	data = open(sys.argv[1], "rb").read()
	starts = [m.start() for m in re.finditer(rb"^From \S+ \w\w\w \w\w\w [ \d]\d ", data, re.M)]
	msgs = [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
	out = sys.argv[2]
	for spec in sys.argv[3:]:
	    name, nums = spec.split("=")
	    picked = [msgs[int(n) - 1] for n in nums.split(",")]
	    if name != "maildir":
	        os.makedirs(out, exist_ok=True)
	        with open(os.path.join(out, name + ".mbox"), "wb") as f:
	            f.write(b"".join(m if m.endswith(b"\n\n") else m + b"\n" for m in picked))
	        continue
	    for sub in ("cur", "new", "tmp"):
	        os.makedirs(os.path.join(out, sub))
	    for k, m in enumerate(picked):
	        with open(os.path.join(out, "cur", "%03d:2,S" % (k + 1)), "wb") as f:
	            f.write(m.split(b"\n", 1)[1])
	EOF
}

# thread_gone OLD NEW -- read by python's mailbox.Maildir apart from
# listscrub: the thread of move-1 gone from the Maildir NEW, every other
# message of OLD in NEW byte for byte, nothing else
thread_gone() {
	python3 - "$@" <<-\EOF
	import mailbox, sys
	thread = {"<move-%d@example.%s>" % (i, "org" if i % 2 else "net") for i in range(1, 6)}
	def msgs(root):
	    md = mailbox.Maildir(root, factory=None, create=False)
	    return {k: (md[k]["Message-ID"], md.get_bytes(k)) for k in md.keys()}
	a, b = msgs(sys.argv[1]), msgs(sys.argv[2])
	left = sorted(v[0] for v in b.values() if v[0] in thread)
	assert not left, "selected messages left: %s" % left
	kept = {k: v for k, v in a.items() if v[0] not in thread}
	assert kept == b, "the messages not selected differ: %s" % sorted(set(kept) ^ set(b))
	assert len(a) - len(b) == 5, (len(a), len(b))
	EOF
}

test_expect_success 'a Maildir thread purge killed after its 2nd unlink: the rerun of the same command deletes exactly the rest of the thread' '
	split_basic f1 maildir=1,3,2,4,5,6,7,8,9 && cp -R f1 f1.orig &&
	! with_fault "unlink:/cur/:3:kill" "$LISTSCRUB" purge $THREAD1 $(own_run f1.m) f1 >/dev/null 2>&1 &&
	test -d f1.m/0001.intent &&
	test "$(ls f1/cur | wc -l)" = 7 && test ! -e "f1/cur/002:2,S" &&
	"$LISTSCRUB" purge $THREAD1 $(own_run f1.m) f1 >out 2>err &&
	grep -q "interrupted-finished: 3 changes run 0001 planned and did not make" err &&
	test "$(grep -c "action=delete state=deleted .*\[left by run 0001 (interrupted)\]" out)" = 3 &&
	thread_gone f1.orig f1 &&
	test "$(field f1.m/0001.interrupted-1/resolution.json outcome)" = partial &&
	test "$(grep -c "\"finishes\":1" f1.m/0001/manifest.jsonl)" = 3 &&
	verify_own_run f1.m f1 >out &&
	grep -q "^# verified: every check passed" out
'

test_expect_success 'a thread across two mbox files, killed between the files: the rerun deletes the replies left in the other' '
	split_basic f2 a=1,3,6 b=2,4,5,7,8,9 && cp -R f2 f2.orig &&
	! with_fault "rename:b.mbox.listscrub-journal:1:kill" "$LISTSCRUB" purge $THREAD1 $(own_run f2.m) f2 >/dev/null 2>&1 &&
	cmp f2.orig/b.mbox f2/b.mbox && ! cmp -s f2.orig/a.mbox f2/a.mbox &&
	"$LISTSCRUB" purge $THREAD1 $(own_run f2.m) f2 >out 2>err &&
	grep -q "interrupted-finished: 3 changes run 0001 planned" err &&
	test "$(grep -c "b.mbox.*\[left by run 0001 (interrupted)\]" out)" = 3 &&
	printf "move-1@example.org\nmove-3@example.org\n" >f2.a.ids &&
	printf "move-2@example.net\nmove-4@example.net\nmove-5@example.org\n" >f2.b.ids &&
	python3 "$ORACLE" f2.orig/a.mbox f2/a.mbox f2.a.ids >/dev/null &&
	python3 "$ORACLE" f2.orig/b.mbox f2/b.mbox f2.b.ids >/dev/null &&
	verify_own_run f2.m f2 >out &&
	grep -q "^# verified: every check passed" out
'

test_expect_success 'a Maildir thread purge that fails at its 3rd unlink: the rerun finishes the plan of the failed run' '
	split_basic f3 maildir=1,3,2,4,5,6,7,8,9 && cp -R f3 f3.orig &&
	expect_status 2 with_fault "unlink:/cur/:3:eio" "$LISTSCRUB" purge $THREAD1 $(own_run f3.m) f3 >/dev/null 2>&1 &&
	test -f f3.m/0001/intent.json && minisign_ok f3.m/0001 intent.json &&
	"$LISTSCRUB" purge $THREAD1 $(own_run f3.m) f3 >out 2>err &&
	test "$(grep -c "\[left by run 0001 (interrupted)\]" out)" = 3 &&
	thread_gone f3.orig f3 &&
	"$LISTSCRUB" verify --manifest f3.m/0002 --prev f3.m/0001 \
		--pubkey "$KEYS/sign.pub" --incident-key "$KEYS/incident.key" f3 >out &&
	grep -q "^# verified: every check passed" out
'

test_expect_success 'the plan (no --apply) of the rerun lists what the stopped run left, changes nothing' '
	split_basic f4 maildir=1,3,2,4,5,6,7,8,9 &&
	! with_fault "unlink:/cur/:3:kill" "$LISTSCRUB" purge $THREAD1 $(own_run f4.m) f4 >/dev/null 2>&1 &&
	cp -R f4 f4.before &&
	"$LISTSCRUB" purge $THREAD1 --incident T-1 --sign-key "$KEYS/sign.key" \
		--incident-key "$KEYS/incident.key" --manifest-dir f4.m f4 >out 2>err &&
	test "$(grep -c "state=planned .*\[left by run 0001 (interrupted)\]" out)" = 3 &&
	diff -r f4.before f4 &&
	"$LISTSCRUB" purge $THREAD1 $(own_run f4.m) f4 >out 2>err &&
	test "$(grep -c "\[left by run 0001 (interrupted)\]" out)" = 3 &&
	test "$(ls f4/cur | wc -l)" = 4
'

test_expect_success 'a redaction the stopped run left that this run'"'"'s selectors do not cover is reported, not made' '
	mkdir f5 && cp "$BASIC" f5/a.mbox && cp "$BASIC" f5/b.mbox &&
	! with_fault "rename:b.mbox.listscrub-journal:1:kill" "$LISTSCRUB" purge --address petra.vos@example.com $(own_run f5.m) f5 >/dev/null 2>&1 &&
	cmp "$BASIC" f5/b.mbox &&
	expect_status 1 "$LISTSCRUB" purge --message-id move-4@example.net $(own_run f5.m) f5 >out 2>err &&
	grep -q "b.mbox:#[0-9]*: interrupted-uncovered: run 0001 planned to redact it" err &&
	! grep -q "petra" err
'

# ---- (d) what verify and backups take -----------------------------------

test_expect_success 'setup: one good run to tamper with' '
	mkdir d && cp "$BASIC" d/list.mbox &&
	purge_move4 d >/dev/null && verify_own_run d/.m d >/dev/null
'

# tampered NAME PYTHON -- a copy of the good run, manifest.jsonl lines
# (a list of bytes, L) changed by PYTHON
tampered() {
	rm -rf "$1" && cp -r d/.m/0001 "$1" &&
	python3 -c "
import sys
p = sys.argv[1] + \"/manifest.jsonl\"
L = open(p, \"rb\").read().split(b\"\\n\")[:-1]
$2
open(p, \"wb\").write(b\"\\n\".join(L) + b\"\\n\")" "$1"
}

verify_run() {  # RUN [OPTION...]
	_r=$1; shift
	"$LISTSCRUB" verify --manifest "$_r" --pubkey "$KEYS/sign.pub" "$@" d
}

test_expect_success 'a 10 MB manifest line is refused quickly, naming the file and line: exit 1' '
	tampered r1 "L.insert(1, b\"{\\\"x\\\":\\\"\" + b\"a\" * 10000000 + b\"\\\"}\")" &&
	expect_status 1 verify_run r1 >out &&
	grep -q "^FAIL *syntax .*r1/manifest.jsonl.* line 2 is longer than the 1048576 bytes" out
'

test_expect_success 'the caps are settings: file size, line length, number of lines' '
	tampered r2 "L[1:1] = [b\" \" * 2000000]" &&
	expect_status 1 verify_run r2 --max-line 4 >out &&
	grep -q "FAIL *syntax .*r2/manifest.jsonl. line 2 is longer than the 4096 bytes.*--max-line" out &&
	expect_status 1 verify_run r2 --max-file-size 1 >out &&
	grep -q "FAIL *syntax .*r2/manifest.jsonl. is [0-9]* bytes, more than the 1048576.*--max-file-size" out &&
	expect_status 1 verify_run d/.m/0001 --max-entries 2 >out &&
	grep -q "FAIL *syntax .*more than 2 lines (--max-entries)" out &&
	expect_status 2 verify_run d/.m/0001 --max-line 0 2>err && grep -q usage err
'

test_expect_success 'manifest paths with .. or a leading / are refused, naming file and line, never opened' '
	for bad in ../outside.mbox /etc/passwd sub/../../x; do
		tampered r3 "L[1] = L[1].replace(b\"\\\"path\\\":\\\"list.mbox\\\"\", b\"\\\"path\\\":\\\"$bad\\\"\")" &&
		grep -q "\"path\":\"$bad\"" r3/manifest.jsonl &&
		expect_status 1 verify_run r3 >out &&
		grep -q "^FAIL *syntax .*r3/manifest.jsonl. line 2: a missing or bad field: path (a path must be relative" out ||
		return 1
	done
'

test_expect_success 'a backup of a PATH given with .. lands inside --backup-dir, at its real path' '
	mkdir -p d5/arch d5/cwd && cp "$BASIC" d5/arch/list.mbox &&
	(cd d5/cwd && "$LISTSCRUB" purge --message-id move-4@example.net \
		$(own_run ../.m) --backup-dir bk ../arch/list.mbox >/dev/null) &&
	test ! -e d5/arch/list.mbox.orig && test ! -e d5/list.mbox && test ! -e d5/cwd/list.mbox &&
	test ! -e d5/cwd/arch &&
	found=$(find d5/cwd/bk -name list.mbox) && test -n "$found" &&
	case "$found" in d5/cwd/bk/*/d5/arch/list.mbox) ;; *) false;; esac &&
	cmp "$BASIC" "$found" &&
	python3 "$ORACLE" "$BASIC" d5/arch/list.mbox "$ORACLE_IDS" >/dev/null
'

test_expect_success 'a --backup-dir inside the archive being purged is refused: exit 2, nothing changed' '
	mkdir -p d6/arch && cp "$BASIC" d6/arch/list.mbox &&
	expect_status 2 "$LISTSCRUB" purge --message-id move-4@example.net \
		$(own_run d6/.m) --backup-dir d6/arch/bk d6/arch 2>err &&
	grep -q "backup-dir .d6/arch/bk. is inside the archive" err &&
	cmp "$BASIC" d6/arch/list.mbox && test ! -e d6/arch/bk && test ! -e d6/.m/0001
'

# ---- (c) secret keys -----------------------------------------------------

test_expect_success 'a signing key others may read is refused, as ssh refuses one: exit 2, chmod 600 named' '
	mkdir c1 && cp "$BASIC" c1/list.mbox &&
	cp "$KEYS/sign.key" open.key && chmod 644 open.key &&
	expect_status 2 "$LISTSCRUB" purge --message-id move-4@example.net --apply \
		--incident T-1 --sign-key open.key --incident-key "$KEYS/incident.key" \
		--manifest-dir c1/.m c1/list.mbox 2>err &&
	grep -q "permissions 0644 for .open.key. are too open" err &&
	grep -q "chmod 600" err &&
	cmp "$BASIC" c1/list.mbox && test ! -e c1/.m/0001
'

test_expect_success 'an incident key others may read is refused by purge and verify' '
	mkdir c2 && cp "$BASIC" c2/list.mbox &&
	cp "$KEYS/incident.key" open-inc.key && chmod 640 open-inc.key &&
	expect_status 2 "$LISTSCRUB" purge --message-id move-4@example.net --apply \
		--incident T-1 --sign-key "$KEYS/sign.key" --incident-key open-inc.key \
		--manifest-dir c2/.m c2/list.mbox 2>err &&
	grep -q "permissions 0640 for .open-inc.key. are too open" err &&
	cmp "$BASIC" c2/list.mbox &&
	purge_move4 c2 >/dev/null &&
	! "$LISTSCRUB" verify --manifest c2/.m/0001 --pubkey "$KEYS/sign.pub" \
		--incident-key open-inc.key c2 2>err &&
	grep -q "are too open" err
'

test_expect_success 'keygen writes secret keys 0600 and creates a missing folder 0700' '
	"$LISTSCRUB" keygen --out newkeys/sub/sign >/dev/null &&
	"$LISTSCRUB" keygen --incident-key newinc/incident.key >/dev/null &&
	test "$(stat -c %a newkeys)" = 700 && test "$(stat -c %a newkeys/sub)" = 700 &&
	test "$(stat -c %a newinc)" = 700 &&
	test "$(stat -c %a newkeys/sub/sign.key)" = 600 &&
	test "$(stat -c %a newinc/incident.key)" = 600
'

test_done
