#!/bin/sh
test_description='the selection pass: threads and addresses across the chunks of a large mbox, and verify doing its per-message work inside that pass'
. "$(dirname "$0")/test-lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 is not here"

# big.mbox: 5000 messages of about 2 kB (so several chunks of the pass,
# by bytes and by count).  A thread spans them: m10 <- m2100 (References)
# <- m4500 (In-Reply-To only) <- m4999; m3000 answers a message that is
# not there.  leak@example.net is in messages 7, 2047, 2048 and 4096.
python3 - <<\EOF_ || exit 1
refs = {2100: ("References", 10), 4500: ("In-Reply-To", 2100),
	4999: ("References", 4500), 3000: ("References", None)}
leak = {7, 2047, 2048, 4096}
with open("big.mbox", "wb") as f:
	for i in range(5000):
		h = ["From sender@example.org Mon Jan  1 00:00:00 2024",
		     "From: sender%d@example.org" % i, "Subject: message %d" % i,
		     "Message-ID: <m%d@example.org>" % i]
		if i in refs:
			name, to = refs[i]
			h.append("%s: <%s@example.org>" % (name, "m%d" % to if to is not None else "nosuch"))
		body = ["line %d of message %d, nothing to see" % (k, i) for k in range(50)]
		if i in leak:
			body[25] = "write to leak@example.net about it"
		f.write(("\n".join(h) + "\n\n" + "\n".join(body) + "\n\n").encode())
EOF_

# (scan's status is 1: it selected something)
# ids FILE: the Message-IDs of scan's JSON lines, sorted
ids() {
	python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n".join(sorted(r["message_id"] for r in rows if "message_id" in r)))
' "$1"
}

for jobs in 1 2; do
test_expect_success "a thread is found across chunks (--jobs $jobs)" '
	expect_status 1 "$LISTSCRUB" scan --jobs '$jobs' --format json --thread subtree \
		--message-id m10@example.org big.mbox >out.json &&
	ids out.json >got &&
	printf "%s\n" m10@example.org m2100@example.org m4500@example.org \
		m4999@example.org | sort >want &&
	test_cmp want got
'

test_expect_success "an address search alone (no thread index) finds every message (--jobs $jobs)" '
	expect_status 1 "$LISTSCRUB" scan --jobs '$jobs' --format json --address leak@example.net \
		big.mbox >out.json &&
	ids out.json >got &&
	python3 -c "
import mailbox
for m in mailbox.mbox(\"big.mbox\"):
    if b\"leak@example.net\" in m.as_bytes():
        print(m[\"Message-ID\"].strip(\"<>\"))
" | sort >want &&
	test $(wc -l <want) = 4 &&
	test_cmp want got
'

test_expect_success "addresses and a thread together (--jobs $jobs)" '
	expect_status 1 "$LISTSCRUB" scan --jobs '$jobs' --format json --address leak@example.net \
		--thread whole --message-id m4500@example.org big.mbox >out.json &&
	ids out.json >got &&
	printf "%s\n" m7@example.org m2047@example.org m2048@example.org \
		m4096@example.org m10@example.org m2100@example.org \
		m4500@example.org m4999@example.org | sort >want &&
	test_cmp want got
'
done

# A thread purged from a copy of big.mbox (run 0001 in m/).
purge_thread() {
	rm -rf arch m && mkdir arch && cp big.mbox arch/list.mbox &&
	"$LISTSCRUB" purge --thread subtree --message-id m10@example.org \
		$(own_run m) arch >/dev/null
}

# status CHECK: that check's status in verify's JSON report.json
status() {
	python3 -c '
import json, sys
checks = [json.loads(l) for l in open("report.json")][1:-1]
print([c["status"] for c in checks if c["check"] == sys.argv[1]][0])
' "$1"
}

test_expect_success 'verify passes on the purged copy' '
	purge_thread &&
	python3 -c "
import mailbox
ids = [m[\"Message-ID\"] for m in mailbox.mbox(\"arch/list.mbox\")]
assert len(ids) == 4996, len(ids)
assert \"<m2100@example.org>\" not in ids and \"<m11@example.org>\" in ids
" &&
	verify_own_run m --format json arch >report.json &&
	test "$(status gone)" = OK && test "$(status messages)" = OK &&
	test "$(status archive)" = OK
'

test_expect_success 'a byte changed in a message in the middle of the file is caught' '
	purge_thread &&
	python3 -c "
data = open(\"arch/list.mbox\", \"rb\").read()
at = data.index(b\"line 30 of message 2500,\")
open(\"arch/list.mbox\", \"wb\").write(data[:at] + b\"LINE\" + data[at + 4:])
" &&
	expect_status 1 verify_own_run m --format json arch >report.json &&
	test "$(status messages)" = FAIL && test "$(status archive)" = FAIL &&
	test "$(status gone)" = OK
'

test_expect_success 'a deleted message put back in the middle of the file is caught' '
	purge_thread &&
	python3 -c "
import mailbox
orig = open(\"big.mbox\", \"rb\").read()
start = orig.index(b\"From sender@example.org\", orig.index(b\"message 2099, nothing\"))
end = orig.index(b\"From sender@example.org\", start + 5)
back = orig[start:end]
assert b\"<m2100@example.org>\" in back
data = open(\"arch/list.mbox\", \"rb\").read()
at = data.index(b\"From sender@example.org\", data.index(b\"message 2500, nothing\"))
open(\"arch/list.mbox\", \"wb\").write(data[:at] + back + data[at:])
" &&
	expect_status 1 verify_own_run m --format json arch >report.json &&
	test "$(status gone)" = FAIL && test "$(status messages)" = FAIL &&
	grep -q "list.mbox:#2499 (offset [0-9]*): a deleted or redacted original is back, byte for byte" report.json
'

test_done
