#!/bin/sh
# campaign.sh -- run one fuzz target for a time budget on a corpus kept
# in the build directory (tests/fuzz/campaign/TARGET, grown run after
# run), and print executions, coverage and crashes.  In the build dir:
#   ../tests/fuzz/campaign.sh TARGET SECONDS      (or make fuzz-campaign
#   TARGET=mbox SECONDS=600); FUZZ_JOBS=N runs N workers in parallel.
set -u
if [ $# -ne 2 ]; then
	echo "usage: campaign.sh TARGET SECONDS (TARGET: mbox, msg, redact, ...)" >&2
	exit 2
fi
t=$1 seconds=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=tests/fuzz/fuzz-$t
if [ ! -x "$bin" ]; then
	echo "campaign.sh: no $bin here: run it in a build configured with CC=clang --enable-fuzzers, after make" >&2
	exit 2
fi
[ -f tests/fuzz/seeds/.stamp ] || { sh "$src/tests/fuzz/seeds.sh" "$src" tests/fuzz/seeds ./listscrub && touch tests/fuzz/seeds/.stamp; } || exit 1
work=tests/fuzz/campaign/$t
mkdir -p "$work/corpus" "$work/crashes"
# leaks are bugs; a caller may say otherwise (its options come last)
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
dirs="$work/corpus tests/fuzz/seeds/$t"
[ -d "$src/tests/fuzz/regressions/$t" ] && dirs="$dirs $src/tests/fuzz/regressions/$t"
before=$(ls "$work/crashes" | wc -l)
# shellcheck disable=SC2086
nice -n "${FUZZ_NICE:-10}" "$bin" -max_total_time="$seconds" -max_len=65536 \
	-timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
	${FUZZ_JOBS:+-fork=$FUZZ_JOBS -ignore_crashes=1} \
	-artifact_prefix="$work/crashes/" $dirs >"$work/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
last=$(grep -E '^#[0-9]+.*cov:' "$work/log" | tail -1)
cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
after=$(ls "$work/crashes" | wc -l)
echo "campaign $t: ${seconds}s, ${execs:-?} execs (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus $(ls "$work/corpus" | wc -l) inputs, $((after - before)) new crashes (in $work/crashes), exit $rc"
[ "$rc" = 0 ] && [ "$after" = "$before" ]
