#!/bin/sh
test_description='contrib/systemd units: systemd-analyze verify, and the service command line run twice (full, then incremental)'
. "$(dirname "$0")/test-lib.sh"

# The service as make install writes it (this build's paths in it), the
# timer as it is shipped.
SERVICE=$TEST_BUILDDIR/contrib/systemd/listscrub-sweep@.service
TIMER=$TEST_SRCDIR/contrib/systemd/listscrub-sweep@.timer
INSTANCE=t9100

test_expect_success 'the service is hardened: read-only archives, no network, a state directory' '
	for d in Type=oneshot SuccessExitStatus=1 ProtectSystem=strict ProtectHome=yes \
		PrivateTmp=yes PrivateNetwork=yes NoNewPrivileges=yes StateDirectory=listscrub; do
		grep -qx "$d" "$SERVICE" || { echo "no $d"; return 1; }
	done &&
	! grep -q "^ReadWritePaths=" "$SERVICE" &&
	for d in OnCalendar=daily Persistent=true WantedBy=timers.target; do
		grep -qx "$d" "$TIMER" || { echo "no $d"; return 1; }
	done &&
	grep -q "^RandomizedDelaySec=" "$TIMER"
'

# A copy of both units for one instance, the service's binary the one
# under test (systemd-analyze verify checks that it is executable).
mkdir units &&
sed "s|^ExecStart=[^ ]*|ExecStart=$LISTSCRUB|" "$SERVICE" >"units/listscrub-sweep@$INSTANCE.service" &&
cp "$TIMER" "units/listscrub-sweep@$INSTANCE.timer"

analyze_skip=
if ! command -v systemd-analyze >/dev/null; then
	analyze_skip="systemd-analyze is not here (Debian package systemd)"
else
	# can it run here at all (a container, no /run/systemd)?  A minimal unit.
	printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' >units/probe.service
	systemd-analyze verify --man=no units/probe.service >probe.out 2>&1 ||
		analyze_skip="systemd-analyze verify cannot run here: $(head -1 probe.out)"
	rm -f units/probe.service
fi
if [ -n "$analyze_skip" ]; then
	test_skip 'systemd-analyze verify passes on the service and the timer, without a warning' "$analyze_skip"
else
	test_expect_success 'systemd-analyze verify passes on the service and the timer, without a warning' '
		systemd-analyze verify --man=no "units/listscrub-sweep@$INSTANCE.service" \
			"units/listscrub-sweep@$INSTANCE.timer" >out 2>&1 &&
		cat out && test ! -s out
	'
fi

# The service's command line, taken from the unit: the instance's
# config (%i) is one in the trash, the binary the one under test.
test_expect_success 'the service runs listscrub sweep on /…/listscrub/INSTANCE.conf' '
	line=$(sed -n "s/^ExecStart=//p" "$SERVICE") &&
	echo "$line" >execstart &&
	test "$(grep -c "^ExecStart=" "$SERVICE")" = 1 &&
	! grep -q "[\"'\''\\\\]" execstart &&
	set -- $line &&
	test "$(basename "$1")" = listscrub && test "$2" = sweep &&
	conf=$(echo "$line" | sed -n "s/.* --config \([^ ]*\).*/\1/p") &&
	test "$(basename "$(dirname "$conf")")/$(basename "$conf")" = "listscrub/%i.conf" &&
	shift && echo "$*" | sed "s|$conf|$TRASH/etc/listscrub/$INSTANCE.conf|" >args &&
	! grep -q % args
'

# sweep NAME -- run the service's command line, with the JSON summary in
# NAME.json and the status in NAME.rc: 0 clean or 1 new findings (which
# SuccessExitStatus= counts as success), never 2
sweep() {
	# shellcheck disable=SC2046
	"$LISTSCRUB" $(cat args) --format json >"$1.json" 2>"$1.err"
	echo $? >"$1.rc"
	cat "$1.err"
	[ "$(cat "$1.rc")" = 0 ] || [ "$(cat "$1.rc")" = 1 ] || { echo "exit $(cat "$1.rc")"; return 1; }
}
# summary NAME KEY[.KEY] -- a field of the run's JSON summary
summary() {
	python3 -c '
import json, sys
v = [json.loads(l) for l in open(sys.argv[1] + ".json") if l.strip()][-1]["summary"]
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}

test_expect_success 'a fixture tree and the instance config' '
	mkdir -p archives etc/listscrub state &&
	cp "$FIXTURES/basic/list.mbox" archives/dev.mbox &&
	cat >"etc/listscrub/$INSTANCE.conf" <<-EOF
	archives = ( { path = "$TRASH/archives/dev.mbox"; list = "dev"; } );
	rules = "$TEST_SRCDIR/rules";
	state = "$TRASH/state/sweep.state";
	baseline = "$TRASH/state/sweep.baseline";
	manifest_dir = "$TRASH/state/manifests";
	sign_key = "$KEYS/sign.key";
	incident_key = "$KEYS/incident.key";
	EOF
	test -s args
'

test_expect_success 'first run: the whole archive is read, and a manifest is signed' '
	sweep run1 &&
	test "$(summary run1 bytes_read)" = "$(wc -c <archives/dev.mbox)" &&
	test "$(summary run1 messages_read)" = 9 &&
	find state/manifests -name "manifest.jsonl*" | grep -q .
'

test_expect_success 'second run, three messages appended (one with an IBAN): only they are read, exit 1' '
	size=$(wc -c <archives/dev.mbox) &&
	python3 -c "
import mailbox, email.message, sys
box = mailbox.mbox(sys.argv[1])
for i in range(3):
    m = email.message.EmailMessage()
    m[\"From\"] = \"poster%d@example.org\" % i
    m[\"To\"] = \"dev@lists.example.org\"
    m[\"Subject\"] = \"appended %d\" % i
    m[\"Message-ID\"] = \"<appended-%d@example.org>\" % i
    m[\"Date\"] = \"Mon, 30 Nov 2026 08:0%d:00 +0000\" % i
    m.set_content(\"Please pay DE89 3704 0044 0532 0130 00 today.\n\" if i == 1
                  else \"A message appended after the first sweep.\n\")
    box.add(m)
box.flush()" archives/dev.mbox &&
	added=$(( $(wc -c <archives/dev.mbox) - size )) &&
	sweep run2 &&
	b1=$(summary run1 bytes_read) && b2=$(summary run2 bytes_read) &&
	echo "bytes read: first run $b1, second run $b2; $added appended" &&
	test "$b2" = "$added" && test "$b2" -lt "$b1" &&
	test "$(summary run2 messages_read)" = 3 &&
	test "$(cat run2.rc)" = 1 &&
	test "$(summary run2 findings.new)" = $(( $(summary run1 findings.new) + 1 ))
'

test_done
