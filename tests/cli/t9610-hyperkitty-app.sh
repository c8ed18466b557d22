#!/bin/sh
test_description='the HyperKitty app of contrib/hyperkitty: its own unit tests (message shape, parsing, URLs)'
. "$(dirname "$0")/test-lib.sh"

PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import django' 2>/dev/null; then
	test_skip_all "Django is not installed (apt-get install python3-django-hyperkitty)"
fi

test_expect_success 'the app'"'"'s unit tests pass' '
	cd "$TEST_SRCDIR/contrib/hyperkitty" &&
	PYTHONDONTWRITEBYTECODE=1 "$PY" -m unittest discover -s tests 2>"$TRASH/unit.err" ||
	{ cat "$TRASH/unit.err"; exit 1; }
'

test_expect_success 'a database without HyperKitty'"'"'s tables: exit 2, one line that says so, no traceback' '
	cd "$TEST_SRCDIR/contrib/hyperkitty" &&
	expect_status 2 env PYTHONDONTWRITEBYTECODE=1 "$PY" -m listscrub_hyperkitty \
		--database "sqlite:///$TRASH/empty.db" listscrub_export "$TRASH" 2>"$TRASH/err" &&
	test $(wc -l <"$TRASH/err") = 1 &&
	grep -q "hyperkitty_email" "$TRASH/err" &&
	! grep -q Traceback "$TRASH/err"
'

test_done
