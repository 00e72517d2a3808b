#!/usr/bin/env bash
# make check / make check-debug: build everything warning-free, run every
# suite, and end with one line "N passed, N failed" over all of them.
#
#   scripts/check.sh                 unit tests (ASan/UBSan), TSan tests,
#                                    checkpatch,
#                                    harness self-tests, bats in the VM
#   scripts/check.sh --debug-kernel  the bats suite on the debug kernel,
#                                    plus a kmemleak scan after it
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/kernel-env.sh

debug=0
[ "${1:-}" = --debug-kernel ] && debug=1
logs=build/check
rm -rf "$logs" && mkdir -p "$logs"
passed=0 failed=0 skipped=0
failures=()

# tally NAME LOG RC: count the TAP lines of one suite. A suite that exited
# non-zero without a failing test line counts as one failure itself.
tally() {
	local name=$1 log=$2 rc=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n 1)
	s=$(grep -cE '^ok [0-9]+.*# [Ss][Kk][Ii][Pp]' "$log" | head -n 1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -n 1)
	p=$((p - s))
	while IFS= read -r line; do
		failures+=("$name: ${line#not ok }")
	done < <(grep -E '^not ok [0-9]+' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		failures+=("$name: exited with status $rc (see $log)")
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	printf '== %s: %d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
}

# run_suite NAME CMD...: run, show output live, keep a log, tally.
run_suite() {
	local name=$1 log="$logs/$1.log" rc
	shift
	echo "== $name: $*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	tally "$name" "$log" "$rc"
}

# vm/run's own verdicts (kernel log, time-out, dead guest) count as failures.
vm_suite() {
	local name=$1 log="$logs/$1.log"
	run_suite "$@"
	while IFS= read -r line; do
		failed=$((failed + 1))
		failures+=("$name: ${line#vm/run: FAIL: }")
	done < <(grep -E '^vm/run: FAIL:' "$log")
}

finish() {
	echo
	if [ ${#failures[@]} -gt 0 ]; then
		echo "Failures:"
		printf '  %s\n' "${failures[@]}"
		echo
	fi
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
	exit
}

if [ "$debug" = 0 ]; then
	echo "== build (warnings are errors)"
	if ! make -s all unit tsan WERROR=1 >"$logs/build.log" 2>&1; then
		cat "$logs/build.log"
		failed=$((failed + 1))
		failures+=("build: failed (see $logs/build.log)")
		finish
	fi
	for t in build/unit/*; do
		[ -x "$t" ] && run_suite "unit-${t##*/}" "$t"
	done
	for t in build/tsan/*; do
		[ -x "$t" ] && run_suite "tsan-${t##*/}" "$t"
	done
	run_suite checkpatch scripts/checkpatch.sh
	run_suite harness bats --tap tests/host
	vm_suite vm tests/vm/run --timeout 1800 -- tests/vm/suite
else
	echo "== build against the debug kernel"
	tree=$(scripts/build-debug-kernel.sh) || {
		failed=$((failed + 1))
		failures+=("debug-kernel: build failed")
		finish
	}
	# A copy of the module sources, so module/ keeps the Debian build.
	dbg=build/debug-module
	rm -rf "$dbg" && mkdir -p "$dbg"
	mkdir -p "$dbg/module" "$dbg/examples/echo" && cp -r include "$dbg/" &&
		cp module/Kbuild module/*.c module/*.h "$dbg/module/" &&
		cp examples/echo/Kbuild examples/echo/*.[ch] "$dbg/examples/echo/" &&
		mkdir -p "$dbg/tests/vm/testep" &&
		cp tests/vm/testep/Kbuild tests/vm/testep/*.c "$dbg/tests/vm/testep/"
	if ! make -s all unit WERROR=1 >"$logs/build.log" 2>&1 ||
		! make -C "$tree" M="$top/$dbg/module" modules >>"$logs/build.log" 2>&1 ||
		! make -C "$tree" M="$top/$dbg/examples/echo" \
			KBUILD_EXTRA_SYMBOLS="$top/$dbg/module/Module.symvers" \
			modules >>"$logs/build.log" 2>&1 ||
		! make -C "$tree" M="$top/tests/vm/leakmod" modules >>"$logs/build.log" 2>&1 ||
		! make -C "$tree" M="$top/$dbg/tests/vm/testep" \
			KBUILD_EXTRA_SYMBOLS="$top/$dbg/module/Module.symvers" \
			modules >>"$logs/build.log" 2>&1; then
		cat "$logs/build.log"
		failed=$((failed + 1))
		failures+=("build: failed (see $logs/build.log)")
		finish
	fi
	KUC_MODULE="$top/$dbg/module/kucomms.ko" \
		KUC_ECHO_MODULE="$top/$dbg/examples/echo/kucomms_echo.ko" \
		KUC_LEAK_MODULE="$top/tests/vm/leakmod/kuc_leak_test.ko" \
		KUC_TESTEP_MODULE="$top/$dbg/tests/vm/testep/kuc_testep.ko" \
		vm_suite vm-debug tests/vm/run --debug-kernel --timeout 3000 -- tests/vm/suite
fi
finish
