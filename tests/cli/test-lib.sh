# test-lib.sh -- a small TAP harness for the CLI tests.
#
# A script sets test_description, sources this file, calls
# test_expect_success / test_expect_code / test_skip, and ends with
# test_done.  Each script runs in its own scratch directory ($TRASH), with
# $LISTSCRUB the binary under test, $FIXTURES the committed fixtures and
# $CORPORA the shared corpora (which may be absent: test_need_corpus).

set -u
: "${TEST_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TEST_BUILDDIR:=$TEST_SRCDIR}"
: "${LISTSCRUB:=$TEST_BUILDDIR/listscrub}"
FIXTURES=$TEST_SRCDIR/tests/fixtures
ORACLE=$TEST_SRCDIR/tests/cli/lib/mbox_oracle.py
CORPORA=${LISTSCRUB_CORPORA:-$TEST_SRCDIR/../shared/corpora}
MKCORPUS=${LISTSCRUB_MKCORPUS:-$TEST_SRCDIR/../shared/tools/mkcorpus}
export LC_ALL=C TZ=UTC

test_name=$(basename "$0" .sh)
TRASH=$TEST_BUILDDIR/tests/cli/trash.$test_name
rm -rf "$TRASH"
mkdir -p "$TRASH"
cd "$TRASH" || exit 1
test_count=0
test_failed=0

# LISTSCRUB_VALGRIND=1 (make check-long): the binary runs under Valgrind,
# which makes it exit 99 on a memory error or a definite leak
# (tests/cli/lib/valgrind.supp: what is not ours).
if [ -n "${LISTSCRUB_VALGRIND:-}" ]; then
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions="%s" "%s" "$@"\n' \
		"$TEST_SRCDIR/tests/cli/lib/valgrind.supp" "$LISTSCRUB" >"$TRASH/.valgrind-wrapper" &&
	chmod +x "$TRASH/.valgrind-wrapper" &&
	LISTSCRUB=$TRASH/.valgrind-wrapper &&
	echo "# listscrub runs under Valgrind (LISTSCRUB_VALGRIND)"
fi

# Every purge --apply signs a manifest: one key pair and incident key per
# test file, and $APPLY to write the runs beside the trash's files.
KEYS=$TRASH/.keys
export KEYS
mkdir -p "$KEYS"
"$LISTSCRUB" keygen --out "$KEYS/sign" >/dev/null &&
"$LISTSCRUB" keygen --incident-key "$KEYS/incident.key" >/dev/null ||
	{ echo "Bail out! listscrub keygen failed"; exit 1; }
MANIFESTS=$TRASH/.manifests
APPLY="--apply --incident T-1 --sign-key $KEYS/sign.key --incident-key $KEYS/incident.key --manifest-dir $MANIFESTS"

# own_run DIR -- the options of a signed run of its own (run 1 of an
# incident, in DIR), so that verify can check it whole.
own_run() {
	echo "--apply --incident T-1 --sign-key $KEYS/sign.key --incident-key $KEYS/incident.key --manifest-dir $1"
}
# verify_own_run DIR PATH... -- verify that run; the status is verify's.
verify_own_run() {
	_dir=$1; shift
	"$LISTSCRUB" verify --manifest "$_dir/0001" --pubkey "$KEYS/sign.pub" \
		--incident-key "$KEYS/incident.key" "$@"
}

# with_fault SPEC COMMAND... -- run COMMAND with one system call made to
# fail or to kill it (tests/fault/fault.c: SPEC is OP:MATCH:N[:kill]).
with_fault() {
	_spec=$1; shift
	env LD_PRELOAD="$FAULT_LIB" LISTSCRUB_FAULT="$_spec" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$@"
}

# fault_points OP MATCH COMMAND... -- how many OP calls on MATCH COMMAND
# makes when nothing fails (the points a fault test can stop it at).
fault_points() {
	_op=$1 _match=$2; shift 2
	rm -f "$TRASH/.fault-trace"
	env LD_PRELOAD="$FAULT_LIB" LISTSCRUB_FAULT_TRACE="$TRASH/.fault-trace" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		"$@" >/dev/null 2>&1
	grep -c "^$_op .*$_match" "$TRASH/.fault-trace" || true
}

say_failure() {
	echo "not ok $test_count - $1"
	sed 's/^/#   /' "$TRASH/.out"
	test_failed=$((test_failed + 1))
}

# test_expect_success DESCRIPTION 'COMMANDS'
test_expect_success() {
	test_count=$((test_count + 1))
	if (set -e; eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		say_failure "$1"
	fi
}

# test_expect_code CODE DESCRIPTION 'COMMAND' -- the last command's status
test_expect_code() {
	test_count=$((test_count + 1))
	(eval "$3") >"$TRASH/.out" 2>&1
	rc=$?
	if [ "$rc" = "$1" ]; then
		echo "ok $test_count - $2"
	else
		echo "exit status $rc, expected $1" >>"$TRASH/.out"
		say_failure "$2"
	fi
}

# expect_status CODE COMMAND... -- inside a test: run COMMAND, which must
# exit with CODE.
expect_status() {
	_want=$1
	shift
	"$@"
	_got=$?
	[ "$_got" = "$_want" ] || { echo "exit status $_got, expected $_want"; return 1; }
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# Stop the whole script as skipped, with the reason: only before its
# first test (a plan after results is a TAP error: skip per test then).
test_skip_all() {
	if [ "$test_count" != 0 ]; then
		echo "Bail out! test_skip_all after $test_count tests ($1): skip the rest one by one with test_skip"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

test_need_corpus() {
	[ -e "$CORPORA/$1" ] ||
		test_skip_all "../shared/corpora/$1 is not here (the shared corpora are not part of this repository)"
}

test_have_mkcorpus() {
	[ -x "$MKCORPUS" ] && command -v python3 >/dev/null
}

test_need_mkcorpus() {
	test_have_mkcorpus ||
		test_skip_all "../shared/tools/mkcorpus (and python3) are not here"
}

# json_items FILE: a command's JSON output without its header line and
# its summary line (listscrub(1) OUTPUT): the items, one a line
json_items() {
	sed -e '1{/^{"listscrub":/d;}' -e '${/^{"summary":/d;}' "$1"
}

test_cmp() {
	diff -u "$1" "$2"
}

# A listing of a tree that changes if any file's bytes or mtime change.
tree_state() {
	(cd "$1" && find . -type f -o -type l | LC_ALL=C sort |
		while read -r f; do
			printf '%s %s %s\n' "$f" "$(stat -c %Y.%s "$f")" \
				"$(sha256sum <"$f" | cut -c1-64)"
		done)
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" = 0 ]; then
		cd "$TEST_BUILDDIR" && rm -rf "$TRASH"
	fi
	exit 0
}
