#!/bin/sh
test_description='mail delivered while a purge runs, at random moments (Postfix local, procmail, Maildir): none lost, none twice'
. "$(dirname "$0")/test-lib.sh"

DELIVERIES=$TEST_SRCDIR/tests/cli/lib/deliveries.py
export FIXTURES

# 30 runs of each kind of delivery here, 200 in make check-long; the seed
# is printed (LISTSCRUB_SEED chooses it).
RUNS=30
[ -n "${LISTSCRUB_LONG:-}" ] && RUNS=200
SEED=${LISTSCRUB_SEED:-1}
[ -n "${LISTSCRUB_LONG:-}" ] && SEED=${LISTSCRUB_SEED:-$(date +%s)}
echo "# seed $SEED (LISTSCRUB_SEED=$SEED reproduces these runs)"

figures() {
	test -f "$1" && sed -n "1s/^/# /p" "$1"
}

for mode in postfix procmail-order procmail maildir; do
	if [ $mode = procmail ] && ! command -v procmail >/dev/null; then
		test_skip "procmail delivering during purges" \
			'procmail is not installed (contrib/setup-debian installs it for the tests)'
		continue
	fi
	test_expect_success "$mode deliveries at random moments of $RUNS purges: each message once, the rest as it was" '
		rm -rf d.$mode && mkdir d.$mode && cd d.$mode &&
		python3 "$DELIVERIES" $mode --runs $RUNS --seed $SEED >../sum.$mode ||
			{ sed 1d ../sum.$mode; false; }
	'
	figures sum.$mode
done

test_done
