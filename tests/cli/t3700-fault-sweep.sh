#!/bin/sh
test_description='a purge --apply that fails at each of its write calls in turn, killed at random ones, on a full disk and past ulimit -f: old or new, nothing left, the rerun finishes'
. "$(dirname "$0")/test-lib.sh"

SWEEP=$TEST_SRCDIR/tests/cli/lib/sweep.py
BASIC=$FIXTURES/basic/list.mbox
export FIXTURES

[ -f "${FAULT_LIB:-}" ] ||
	test_skip_all "the fault injector (tests/fault/libfault.so) is not built: run make check"

# The counts of each sweep, as TAP comments after its test.
figures() {
	test -f "$1" && sed -n "1s/^/# /p" "$1"
}

# Each write-side call of a clean run (open for writing, write, fsync,
# rename, unlink, ftruncate, link, mkdir) fails in turn, N = 1 to the
# number a clean run makes; a short write at each write.  LISTSCRUB_LONG
# (make check-long) adds a pipermail tree.
archives="mbox gz maildir redact"
[ -n "${LISTSCRUB_LONG:-}" ] && archives="$archives pipermail"
for a in $archives; do
	for spec in any:eio any:enospc write:short; do
		test_expect_success "$a: $spec at each call: old or new, no claim unmade, nothing left, the rerun finishes" '
			rm -rf sw.$a.$spec && mkdir sw.$a.$spec && cd sw.$a.$spec &&
			python3 "$SWEEP" faults $a $spec >../sum.$a.$spec ||
				{ sed 1d ../sum.$a.$spec; false; }
		'
		figures sum.$a.$spec
	done
done

# ---- kill points -------------------------------------------------------------

# Runs killed at a random write call (the fault library's :kill) and after
# a random time, over an mbox, a .gz and a Maildir (and a pipermail tree,
# 150 + 150 each, in make check-long): old or new, or a journal the next
# run finishes; the rerun ends in the tree of one run.  The seed is
# printed (LISTSCRUB_SEED chooses it).
KILLS=10 kill_archives="mbox gz maildir"
[ -n "${LISTSCRUB_LONG:-}" ] && KILLS=150 kill_archives="mbox gz maildir redact pipermail"
SEED=${LISTSCRUB_SEED:-1}
[ -n "${LISTSCRUB_LONG:-}" ] && SEED=${LISTSCRUB_SEED:-$(date +%s)}
echo "# seed $SEED (LISTSCRUB_SEED=$SEED reproduces the kill points)"
for a in $kill_archives; do
	test_expect_success "$a: killed at $KILLS random calls and after $KILLS random times: old, new or finished by the next run" '
		rm -rf k.$a && mkdir k.$a && cd k.$a &&
		python3 "$SWEEP" kills $a --count $KILLS --seed $SEED >../kill.$a ||
			{ sed 1d ../kill.$a; false; }
	'
	figures kill.$a
done

# ---- a real full disk and a file size limit --------------------------------

# The basic list 60 times (about 250 KB), the message to delete in each copy.
big_box() {
	: >"$1" && i=0 &&
	while [ $i -lt 60 ]; do cat "$BASIC" >>"$1"; printf "\n" >>"$1"; i=$((i + 1)); done
}
purge_big() {  # DIR MANIFESTS
	"$LISTSCRUB" purge --message-id move-4@example.net $(own_run "$2") "$1"
}
big_box big.orig && mkdir -p exp && cp big.orig exp/list.mbox &&
	purge_big exp exp.m >/dev/null ||
	echo "Bail out! the unfaulted purge failed"

# The archive as it was or as one clean run leaves it; else say what.
old_or_new() {
	if cmp -s "$1" big.orig; then echo old
	elif cmp -s "$1" exp/list.mbox; then echo new
	elif ls -a "$(dirname "$1")" | grep -q "listscrub-journal"; then echo journal
	else echo mix; fi
}

if mkdir -p fs && mount -t tmpfs -o size=512k tmpfs fs 2>/dev/null; then
	test_expect_success 'a tmpfs filled to the brim (free space from 0 to more than the archive): old or new, then the rerun finishes' '
		for free in 0 1 2 4 8 16 32 64 128 192 256; do
			rm -rf fs/* fs/.[!.]* && mkdir fs/a &&
			cp big.orig fs/a/list.mbox &&
			{ dd if=/dev/zero of=fs/filler bs=1k 2>/dev/null || :; } &&
			if [ $free -gt 0 ]; then truncate -s -${free}K fs/filler; fi &&
			purge_big fs/a fs/m >out 2>err; rc=$?
			st=$(old_or_new fs/a/list.mbox)
			echo "free ${free}K: exit $rc, $st: $(grep -o "listscrub: [a-z-]*:" err | sort -u | tr "\n" " ")"
			case $st in old|new|journal) ;; *) echo "a mix"; exit 1;; esac
			test $rc = 0 || test $st != new || grep -q "manifest" err || exit 1
			rm -f fs/filler &&
			purge_big fs/a fs/m >out 2>err || { cat err; exit 1; }
			cmp fs/a/list.mbox exp/list.mbox || exit 1
			test -z "$(ls -a fs/a | grep -e listscrub- -e "\.lock\$" -e "\.vm\$"; ls fs/m | grep -e "\.tmp-")" ||
				{ echo "free ${free}K: left:"; ls -a fs/a fs/m; exit 1; }
		done
	'
	umount fs
else
	test_skip 'a tmpfs filled to the brim' 'mount -t tmpfs is not permitted here (needs root)'
fi

test_expect_success 'ulimit -f below the archive size: the run fails, the archive is old, nothing left; without it the rerun finishes' '
	rm -rf u u.m && mkdir u && cp big.orig u/list.mbox &&
	for blocks in 100 300; do
		(trap "" XFSZ; ulimit -f $blocks; purge_big u u.m >out 2>err); rc=$?
		st=$(old_or_new u/list.mbox)
		echo "ulimit -f $blocks: exit $rc, $st"
		test $rc = 2 && test $st = old || { cat err; exit 1; }
		test -z "$(ls -a u | grep -e listscrub- -e "\.lock\$")" || { ls -a u; exit 1; }
	done &&
	purge_big u u.m >out 2>err && cmp u/list.mbox exp/list.mbox
'

test_done
