#!/usr/bin/env bash
# make fuzz: build the libFuzzer harnesses of tests/fuzz/ and run each for
# FUZZ_SECONDS (default 60), one after the other, one process each. A
# harness passes when it ran its time without a finding. One TAP line
# per harness with its executions, then one line "N passed, N failed";
# non-zero exit on any failure (a finding, a build that failed, a
# harness that did not run at all).
#
# Each harness starts from its seeds (tests/fuzz/corpus/NAME/) and the
# crashes already fixed (tests/fuzz/crashes/NAME/), which it runs first;
# what it learns goes to build/fuzz/work/NAME/, kept between runs, and a
# finding to build/fuzz/artifacts/NAME/ (tests/fuzz/README: how to turn
# one into a regression test).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. scripts/summary.bash

secs=${FUZZ_SECONDS:-60}
logs=build/fuzz/logs
passed=0 failed=0 n=0
failures=()

finish() {
	summary "$passed" "$failed" 0 "${failures[@]}"
	exit
}

case $secs in
'' | *[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$secs'"
	failed=1 failures+=("usage: FUZZ_SECONDS=$secs")
	finish
	;;
esac

echo "== build (clang, libFuzzer, ASan, UBSan; warnings are errors)"
mkdir -p "$logs"
if ! make -s fuzz-build WERROR=1 >"$logs/build.log" 2>&1; then
	cat "$logs/build.log"
	failed=1 failures+=("build: failed (see $logs/build.log)")
	finish
fi

names=()
for src in tests/fuzz/fuzz_*.c; do
	name=${src#tests/fuzz/fuzz_}
	names+=("${name%.c}")
done
echo "1..${#names[@]}"
for name in "${names[@]}"; do
	n=$((n + 1))
	work=build/fuzz/work/$name art=build/fuzz/artifacts/$name
	log=$logs/$name.log
	mkdir -p "$work" "$art"
	dirs=("$work" "tests/fuzz/corpus/$name")
	[ -d "tests/fuzz/crashes/$name" ] && dirs+=("tests/fuzz/crashes/$name")
	# -timeout: a run that hangs is a finding too (no call the harnesses
	# make waits longer than a millisecond). Leaks are findings.
	"build/fuzz/$name" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "${dirs[@]}" >"$log" 2>&1 </dev/null
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ "$rc" = 0 ] && [ -n "$execs" ]; then
		passed=$((passed + 1))
		echo "ok $n - $name: $execs execs in ${secs} s ($rate/s)"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $n - $name: exit status $rc after ${execs:-no} execs (see $log)"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken|.*runtime error)' \
		"$log" | head -n 5 | sed 's/^/#   /'
	art_file=$(grep -o "Test unit written to .*" "$log" | tail -n 1)
	[ -n "$art_file" ] && echo "#   ${art_file}"
	failures+=("$name: ${art_file:-exit status $rc}")
done
finish
