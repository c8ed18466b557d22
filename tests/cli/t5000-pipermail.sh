#!/bin/sh
test_description='purge of a Mailman 2 pipermail tree: tombstones, indexes, neighbours, .txt, database, attachments'
. "$(dirname "$0")/test-lib.sh"

# The checker (tests/cli/lib/pipermail_check.py) is independent of
# listscrub: it splits the .txt itself and compares the tree before and
# after the purge (see its header for the list of checks).
CHECK=$TEST_SRCDIR/tests/cli/lib/pipermail_check.py
P=$CORPORA/pipermail-twisted/archives/private
NOCORPUS='../shared/corpora/pipermail-twisted is not here (the shared corpora are not part of this repository)'

# A writable copy of a corpus list dir (the corpus is read-only).
copy_list() {  # LIST DEST
	cp -r "$P/$1" "$2" && chmod -R u+w "$2"
}

# tree_state (test-lib.sh), but in 0.5 s rather than 30 s on the 9,654
# files of twisted-web: names, mtimes, sizes, link targets and SHA-256.
tree_listing() {  # DIR
	(cd "$1" && find . \( -type f -o -type l \) -printf "%p %T@ %s %l\n" | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2)
}

# The notice the tombstones carry (the research's proposal, notes 18).
TOMBSTONE='This message has been removed from the archive.'

# The crawl needs wget; without it the rest of the checks still run.
if command -v wget >/dev/null; then
	LINKCHECK=--linkcheck
else
	LINKCHECK=
fi

# ---- A. the checker checks: it fails a wrong purge, passes a null one ------

if [ -d "$P/reality" ]; then
	test_expect_success 'checker: an identical copy and no Message-IDs pass' '
		copy_list reality re0 && : >none.ids &&
		python3 "$CHECK" --before "$P/reality" --after re0 --removed-ids none.ids >out &&
		grep -q "^pipermail_check: OK: 0 removed pages" out
	'

	test_expect_success 'checker: a kept page edited by hand fails' '
		copy_list reality re1 &&
		sed "s/Twisted/Twysted/" "$P/reality/2002-June/000108.html" >re1/2002-June/000108.html &&
		! cmp -s "$P/reality/2002-June/000108.html" re1/2002-June/000108.html &&
		expect_status 1 python3 "$CHECK" --before "$P/reality" --after re1 --removed-ids none.ids >out &&
		grep -q "^FAIL 2002-June/000108.html: changed, but it is not a file the purge had to change" out
	'

	test_expect_success 'checker: a message taken out of .txt and .txt.gz but not its page fails' '
		copy_list reality re2 &&
		python3 "$CHECK" --msgid-of re2 2002-June/000110.html >one.ids &&
		test -s one.ids &&
		PYTHONDONTWRITEBYTECODE=1 python3 -c "
import gzip, sys
sys.path.insert(0, sys.argv[1])
from pipermail_check import split_txt, txt_msgid, norm_id
mid = open(\"one.ids\").read().strip()
for name in (\"re2/2002-June.txt\", \"re2/2002-June.txt.gz\"):
    gz = name.endswith(\".gz\")
    data = gzip.decompress(open(name, \"rb\").read()) if gz else open(name, \"rb\").read()
    pre, msgs = split_txt(data)
    keep = [m for m in msgs if norm_id(txt_msgid(m) or b\"\") != mid]
    assert len(keep) == len(msgs) - 1, name
    data = pre + b\"\".join(keep)
    open(name, \"wb\").write(gzip.compress(data) if gz else data)
" "$TEST_SRCDIR/tests/cli/lib" &&
		expect_status 1 python3 "$CHECK" --before "$P/reality" --after re2 --removed-ids one.ids >out &&
		grep -q "^FAIL 2002-June/000110.html: the removed message.s page is unchanged (no tombstone)" out &&
		grep -q "^FAIL 2002-June/thread.html: still has the entry of removed page 000110.html" out
	'
else
	test_skip 'checker self-tests' "$NOCORPUS"
fi

# ---- B. the real purges (they need the pipermail support of purge) ------------

if [ -d "$P/twisted-web" ]; then
	# A conversation (In-Reply-To/References) that crosses months, found by
	# the checker, not by listscrub: the smallest one that spans two or
	# more volumes, preferring one with attachments.  In the corpus as it
	# is that is 2005-October/001995.html, 001996.html (consecutive in
	# thread order, so the neighbours are spliced across two removed
	# pages) and 2005-November/002029.html, with 4 attachment files.
	test_expect_success 'twisted-web: a thread across months is picked (by the checker)' '
		copy_list twisted-web tw && cp -r tw tw.orig &&
		python3 "$CHECK" --pick-thread tw.orig >thread &&
		n=$(wc -l <thread) && test "$n" -ge 3 && test "$n" -le 8 &&
		test "$(cut -d" " -f2 thread | cut -d/ -f1 | sort -u | wc -l)" -ge 2 &&
		cut -d" " -f1 thread >tw.ids &&
		sed "s/^/--message-id /" tw.ids | tr "\n" " " >tw.args
	'

	test_expect_success 'twisted-web: the plan names every page and changes nothing' '
		tree_listing tw >state.before &&
		"$LISTSCRUB" purge $(cat tw.args) --thread none tw >plan &&
		for p in $(cut -d" " -f2 thread); do
			grep -q "$p" plan || { echo "the plan does not name $p"; exit 1; }
		done &&
		tree_listing tw >state.after &&
		test_cmp state.before state.after
	'

	test_expect_success 'twisted-web: --apply with a signed manifest, then verify' '
		"$LISTSCRUB" purge $(cat tw.args) --thread none $(own_run tw-runs) tw >out &&
		verify_own_run tw-runs tw >report &&
		grep -q "^OK  *gone" report
	'

	test_expect_success 'twisted-web: the checker passes the purged tree' '
		python3 "$CHECK" --before tw.orig --after tw --removed-ids tw.ids \
			--tombstone-text "$TOMBSTONE" $LINKCHECK >check &&
		grep -q "^pipermail_check: OK: $(wc -l <tw.ids) removed pages" check
	'

	# An address the .txt bodies show in clear (2004-2009) and munged
	# (later, and in From_ lines), the pages munged, some attachments
	# too: redacted in every copy, checked by an independent reader.
	test_expect_success 'twisted-web: an address in clear and munged is redacted in every copy' '
		rm -rf twr twr-runs && cp -r tw.orig twr &&
		"$LISTSCRUB" purge --address exarkun@divmod.com --attachments remove \
			$(own_run twr-runs) twr >out &&
		grep -q "^# pipermail: changed [0-9]* files: 0 pages replaced by tombstones, [1-9][0-9]* pages redacted" out &&
		python3 "$TEST_SRCDIR/tests/cli/lib/pipermail_redact_check.py" \
			--before tw.orig --after twr \
			--manifest twr-runs/0001/manifest.jsonl --token exarkun@divmod.com &&
		verify_own_run twr-runs twr >report &&
		grep -q "^# verified: every check passed" report
	'
else
	test_skip 'twisted-web purge' "$NOCORPUS"
fi

if [ -d "$P/reality" ]; then
	# The old (pre-2.0, 1999-2001) format: 1999-August has only a .txt.gz,
	# its .txt has no Message-ID lines (the id is in database/), the
	# envelope lines carry an RFC 822 date, and the pages are era E1.
	# 000019.html is in the middle of a thread (000017 -> 000019 -> 000023)
	# and has a reply that stays (000023).  The purge is given the whole
	# archives/ directory, with public/reality as Mailman makes it (here a
	# stand-in file holding "../private/reality", as in the corpus).
	test_expect_success 'reality (1999 format): the plan, given archives/, names the page' '
		mkdir -p arch/private arch/public &&
		copy_list reality arch/private/reality &&
		cp "$P/../public/reality" arch/public/reality &&
		cp -r arch arch.orig &&
		python3 "$CHECK" --msgid-of arch.orig/private/reality 1999-August/000019.html >re.ids &&
		test -s re.ids &&
		tree_listing arch >state.before &&
		"$LISTSCRUB" purge --message-ids re.ids --thread none arch >plan &&
		grep -q "1999-August/000019.html" plan &&
		tree_listing arch >state.after &&
		test_cmp state.before state.after
	'

	test_expect_success 'reality (1999 format): --apply, verify, and the checker' '
		"$LISTSCRUB" purge --message-ids re.ids --thread none $(own_run re-runs) arch >out &&
		verify_own_run re-runs arch >report &&
		grep -q "^OK  *gone" report &&
		cmp arch.orig/public/reality arch/public/reality &&
		python3 "$CHECK" --before arch.orig/private/reality --after arch/private/reality \
			--removed-ids re.ids --tombstone-text "$TOMBSTONE" $LINKCHECK >check &&
		grep -q "^pipermail_check: OK: 1 removed pages (1999-August/000019.html)" check
	'
else
	test_skip 'reality purge' "$NOCORPUS"
fi

[ -n "$LINKCHECK" ] || test_skip 'the link crawl of the purged trees' 'wget is not installed'

test_done
