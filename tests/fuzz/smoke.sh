#!/bin/sh
# smoke.sh -- make fuzz-smoke: run every fuzz target for a fixed number
# of runs (FUZZ_SMOKE_RUNS, default 20000 with its seeds) over its seeds
# and tests/fuzz/regressions/TARGET.  Any crash, leak, sanitizer report
# or broken invariant fails; the input is kept in tests/fuzz/smoke/.
#   tests/fuzz/smoke.sh SRCDIR tests/fuzz/fuzz-TARGET...   (in the build dir)
set -u
src=$(cd "$1" && pwd); shift
runs=${FUZZ_SMOKE_RUNS:-20000}
here=tests/fuzz
# leaks are bugs; a caller may say otherwise (its options come last)
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

if [ ! -f "$here/seeds/.stamp" ] || [ "$src/tests/fuzz/seeds.sh" -nt "$here/seeds/.stamp" ]; then
	sh "$src/tests/fuzz/seeds.sh" "$src" "$here/seeds" ./listscrub || exit 1
	touch "$here/seeds/.stamp"
fi
rm -rf "$here/smoke"
mkdir -p "$here/smoke"

status=0 passed=0 failed=0
for bin in "$@"; do
	t=${bin##*/fuzz-}
	work="$here/smoke/$t"
	mkdir -p "$work/corpus"
	dirs="$work/corpus"
	for d in "$here/seeds/$t" "$src/tests/fuzz/regressions/$t"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	start=$(date +%s)
	# shellcheck disable=SC2086
	if "$bin" -runs="$runs" -seed=1 -max_len=65536 -timeout=25 \
		-rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$work/" $dirs >"$work/log" 2>&1; then
		passed=$((passed + 1))
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
		cov=$(grep -E '^#[0-9]+.*(DONE|INITED).*cov:' "$work/log" | tail -1 |
			sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
		echo "fuzz-smoke: ok   $t ($execs runs, ${cov:-no coverage line}, $(( $(date +%s) - start ))s)"
	else
		failed=$((failed + 1))
		status=1
		echo "fuzz-smoke: FAIL $t: see $work/log; the input is kept in $work/"
		grep -E -A12 'ERROR|invariant broken|runtime error' "$work/log" | head -40
	fi
done
echo "fuzz-smoke: $passed passed, $failed failed"
exit $status
