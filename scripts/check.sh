#!/usr/bin/env bash
# make check / make check-debug: build everything warning-free, run every
# suite, and end with one line "N passed, N failed" over all of them.
#
#   scripts/check.sh                 unit tests (ASan/UBSan), TSan tests,
#                                    checkpatch, kernel-doc,
#                                    harness self-tests, bats in the VM
#   scripts/check.sh --kernel LANE...
#                                    per lane (scripts/kernels.sh): the
#                                    modules built warning-free against
#                                    it; on a booted lane, proof that a
#                                    kernel WARNING fails the run, then
#                                    the lane's bats suites in the VM
#                                    (debug: plus a kmemleak scan)
#   scripts/check.sh --debug-kernel [FILE.bats...]
#                                    the same as --kernel debug; with
#                                    files, only those run there (make
#                                    storm: tests/bats/storm.bats)
#
# tests/bats/storm.bats runs the syscall storm for KUC_STORM_SECONDS: 15 s
# by default, 60 s on the debug kernel (it tells by kmemleak).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/kernels.sh
. scripts/summary.bash

lanes=() files=()
case "${1:-}" in
--debug-kernel) lanes=(debug); shift; files=("$@") ;;
--kernel) shift; lanes=("$@"); [ ${#lanes[@]} -gt 0 ] || { echo "check: --kernel needs a lane ($KUC_LANES)" >&2; exit 2; } ;;
"") ;;
*) echo "check: unknown option '$1'" >&2; exit 2 ;;
esac
case ${#lanes[@]} in
0) logs=build/check ;;
1) logs=build/check-${lanes[0]} ;;
*) logs=build/check-kernels ;;
esac
# The VM's time-out grows with a long storm (make storm STORM_SECONDS=...).
storm_extra=$((${KUC_STORM_SECONDS:-0} * 3 / 2))
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
	summary "$passed" "$failed" "$skipped" "${failures[@]}"
	exit
}

# The bats files each lane runs. 6.1 and debug run every file. The 6.12
# series is one source in two configurations, and its two lanes share the
# suites: the RT kernel runs what spinlocks and mutexes that sleep could
# break (the channel, echo with the hostile-ring tests, hostile client
# isolation, the syscall storm, kucdump's tap, direct handlers taking
# turns with the thread); the generic kernel runs the rest of what meets
# kernel interfaces (module and device life, zero copy, wakeups, the
# monitor, CPU hotplug around a command), and hostile and direct again,
# whose yielding and preemption tests differ with the preemption model.
# Not on 6.12: the tools' own suites (kucctl, kucsend and its REPL),
# whose kernel side the suites above cover, and dkms.bats's install
# inside the guest (its DKMS build runs on the host on every booted lane).
lane_suites() {
	if [ ${#files[@]} -gt 0 ]; then
		echo "${files[@]}"
		return
	fi
	case "$1" in
	6.12-rt) echo tests/bats/channel_api.bats tests/bats/echo.bats tests/bats/hostile.bats \
		tests/bats/storm.bats tests/bats/kucdump.bats tests/bats/direct.bats ;;
	6.12) echo tests/bats/alone.bats tests/bats/module.bats tests/bats/zerocopy.bats \
		tests/bats/wakeup.bats tests/bats/monitor.bats tests/bats/hostile.bats \
		tests/bats/direct.bats ;;
	*) echo tests/bats ;;
	esac
}

# tap_step NAME LOG CMD...: one numbered TAP line for a step of a lane.
tap_n=0
tap_step() {
	local name=$1 log=$2
	shift 2
	tap_n=$((tap_n + 1))
	if "$@" >>"$log" 2>&1; then
		echo "ok $tap_n - $name"
	else
		echo "not ok $tap_n - $name (see $log)"
		tail -n 20 "$log" | sed 's/^/# /'
	fi
}

# lane_kbuild LANE KDIR M [VAR=VALUE...]: build the external module in M
# with warnings as errors. A lane that is only compiled against has a
# prepared source tree but no built kernel, hence no symbol list: modpost
# may only report symbols it cannot resolve, nothing else.
lane_kbuild() {
	local lane=$1 kdir=$2 m=$3
	shift 3
	lane_make "$lane" make -C "$kdir" M="$m" "$@" modules
}

# lane_make LANE MAKE-COMMAND...: the same for any make command that builds
# modules (a module's own Makefile using the kit).
lane_make() {
	local lane=$1 out rc
	shift
	if kuc_lane_boots "$lane"; then
		"$@" KCFLAGS=-Werror
		return
	fi
	out=$("$@" KCFLAGS=-Werror KBUILD_MODPOST_WARN=1 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" = 0 ] || return "$rc"
	! grep -E 'WARNING: modpost:' <<<"$out" |
		grep -vE 'undefined!$|suppressed [0-9]+ unresolved symbol warnings'
}

# lane_build LANE KDIR DIR: the modules of the tree built against KDIR in
# DIR (a copy: module/ and examples/ keep the default build), as TAP.
lane_build() {
	local lane=$1 kdir=$2 dir=$3 krel log="$logs/build-$1.log" m
	krel=$(kuc_kernel_release "$kdir")
	rm -rf "$dir" && mkdir -p "$dir/examples" "$dir/bench"
	cp -r include module "$dir/" && cp -r examples/echo "$dir/examples/" &&
		cp -r bench/modules "$dir/bench/" &&
		cp -r tests/vm/warnmod tests/vm/leakmod tests/kit/handmod "$dir/" &&
		mkdir -p "$dir/tests/vm" && cp -r tests/vm/testep "$dir/tests/vm/" &&
		find "$dir" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
			-o -name Module.symvers -o -name modules.order \) -delete
	: >"$log"
	tap_step "$lane: kucomms.ko builds warning-free against $krel" "$log" \
		lane_kbuild "$lane" "$kdir" "$top/$dir/module"
	tap_step "$lane: kucomms_echo.ko builds warning-free against $krel" "$log" \
		lane_kbuild "$lane" "$kdir" "$top/$dir/examples/echo" \
		KBUILD_EXTRA_SYMBOLS="$top/$dir/module/Module.symvers"
	for m in warnmod leakmod; do
		tap_step "$lane: the test module $m builds against $krel" "$log" \
			lane_kbuild "$lane" "$kdir" "$top/$dir/$m"
	done
	tap_step "$lane: the test endpoint testep builds against $krel" "$log" \
		lane_kbuild "$lane" "$kdir" "$top/$dir/tests/vm/testep" \
		KBUILD_EXTRA_SYMBOLS="$top/$dir/module/Module.symvers"
	tap_step "$lane: make bench's reference modules build warning-free against $krel" \
		"$log" lane_kbuild "$lane" "$kdir" "$top/$dir/bench/modules"
	# The kit as make install-kit lays it out for this kernel (in a
	# prefix of the lane's own), then a module written by hand builds
	# with it through pkg-config, as a module of another package would.
	tap_step "$lane: the hand-written module tests/kit/handmod builds with the installed kit against $krel" \
		"$log" lane_kit_build "$lane" "$kdir" "$dir"
}

lane_kit_build() {
	local lane=$1 kdir=$2 dir=$top/$3
	make -s install-kit O="$dir/kit-obj" DESTDIR="$dir/kit" PREFIX=/usr KDIR="$kdir" \
		KIT_SYMVERS="$dir/module/Module.symvers" || return
	PKG_CONFIG_PATH=$dir/kit/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dir/kit \
		lane_make "$lane" make -C "$dir/handmod" KDIR="$kdir"
}

# dkms_build LANE KDIR DIR: `dkms add` and `dkms build` of this tree against
# KDIR into DIR/dkms (as TAP), on the host, where compiling takes seconds
# instead of minutes under emulation; on 6.1, tests/bats/dkms.bats then
# runs `dkms install` from that tree inside the booted kernel
# (KUC_DKMS_TREE).
dkms_build() {
	local lane=$1 kdir=$2 dir=$3 krel log="$logs/dkms-$1.log"
	krel=$(kuc_kernel_release "$kdir")
	rm -rf "$dir/dkms" && mkdir -p "$dir/dkms/src/kucomms-0.1.0" "$dir/dkms/tree"
	cp -r dkms.conf Makefile include module kit "$dir/dkms/src/kucomms-0.1.0/"
	find "$dir/dkms/src" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \
		-o -name Module.symvers -o -name modules.order \) -delete
	: >"$log"
	tap_step "$lane: dkms add" "$log" \
		dkms --sourcetree "$top/$dir/dkms/src" --dkmstree "$top/$dir/dkms/tree" add kucomms/0.1.0
	tap_step "$lane: dkms build against $krel" "$log" \
		dkms --sourcetree "$top/$dir/dkms/src" --dkmstree "$top/$dir/dkms/tree" \
		build kucomms/0.1.0 -k "$krel" --kernelsourcedir "$kdir"
	tap_step "$lane: dkms's POST_BUILD hook kept kucomms' Module.symvers for the kit" "$log" \
		grep -q '	__kucomms_register	' \
		"$dir/dkms/src/kucomms-0.1.0/symvers/$krel/Module.symvers"
	tap_step "$lane: a module of another package builds with the kit against what DKMS kept" \
		"$log" dkms_handmod "$kdir" "$top/$dir/dkms"
	tap_step "$lane: a starter project's dkms.conf builds it against kucomms' DKMS build" \
		"$log" dkms_newmod "$kdir" "$krel" "$top/$dir/dkms"
}

# dkms_handmod KDIR DIR: tests/kit/handmod built with the kit whose tree is
# the DKMS source (as /usr/src/kucomms-VERSION is on a user's machine);
# dkms.bats loads it on the module DKMS installed.
dkms_handmod() {
	local kdir=$1 dir=$2
	make -s O="$dir/o" "$dir/o/kucomms.mk" || return
	rm -rf "$dir/handmod" && cp -r tests/kit/handmod "$dir/handmod" &&
		find "$dir/handmod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \) -delete
	printf 'obj-m := kuc_handmod.o\ninclude %s\n' "$dir/o/kucomms.mk" >"$dir/handmod/Makefile"
	make -C "$dir/handmod" KDIR="$kdir" KCFLAGS=-Werror KUCOMMS_KIT="$dir/src/kucomms-0.1.0"
}

# dkms_newmod KDIR KREL DIR: a kucomms-new project added and built by DKMS
# in kucomms' DKMS tree (after dkms_handmod made DIR/o/kucomms.mk), its
# Makefile finding the kit through pkg-config as after make install
# PREFIX=/usr (whose kit is DKMS's source); no symbol may be undefined.
dkms_newmod() {
	local kdir=$1 krel=$2 dir=$3 built=$3/tree/kucnew/0.1/$2/x86_64
	rm -rf "$dir/src/kucnew-0.1" "$dir/tree/kucnew" &&
		kit/new/kucomms-new "$dir/src/kucnew-0.1" kucnew >/dev/null || return
	printf 'Name: kucomms\nDescription: kit\nVersion: 0\nkbuild=%s\n' "$dir/o/kucomms.mk" \
		>"$dir/o/kucomms.pc"
	(export PKG_CONFIG_PATH=$dir/o KUCOMMS_KIT=$dir/src/kucomms-0.1.0
	dkms --sourcetree "$dir/src" --dkmstree "$dir/tree" add kucnew/0.1 &&
		dkms --sourcetree "$dir/src" --dkmstree "$dir/tree" build kucnew/0.1 \
			-k "$krel" --kernelsourcedir "$kdir") || return
	grep -q MODPOST "$built/log/make.log" && ! grep -n undefined "$built/log/make.log" || return
	echo "depends=$(modinfo -F depends "$built/module/kucnew.ko")"
	[ "$(modinfo -F depends "$built/module/kucnew.ko")" = kucomms ]
}

# lane_warns LANE DIR: a kernel WARNING fails a run on this lane's kernel
# (the command itself succeeds), as TAP.
lane_warns() {
	local out rc
	out=$(tests/vm/run --kernel "$1" --timeout 600 -- insmod "$top/$2/warnmod/kuc_warn_test.ko" 2>&1)
	rc=$?
	if [ "$rc" = 126 ] && [[ $out == *"WARNING:"*"kuc_warn_test"* ]]; then
		echo "ok 1 - $1: a kernel WARNING fails the run (exit 126)"
	else
		echo "not ok 1 - $1: a kernel WARNING did not fail the run (exit $rc)"
		echo "$out" | sed 's/^/# /'
	fi
}

if [ ${#lanes[@]} -eq 0 ]; then
	echo "== build (warnings are errors)"
	if ! make -s -j"$(nproc)" all unit tsan WERROR=1 >"$logs/build.log" 2>&1; then
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
	run_suite kerneldoc scripts/kerneldoc.sh
	run_suite harness bats --tap --timing tests/host
	run_suite dkms-6.1 dkms_build 6.1 "$KDIR" build/kernels/6.1
	KUC_DKMS_TREE=$top/build/kernels/6.1/dkms/tree \
		vm_suite vm tests/vm/run --timeout 1800 -- tests/vm/suite
	finish
fi

echo "== build the programs (warnings are errors)"
if ! make -s -j"$(nproc)" all WERROR=1 >"$logs/build.log" 2>&1; then
	cat "$logs/build.log"
	failed=$((failed + 1))
	failures+=("build: failed (see $logs/build.log)")
	finish
fi
for lane in "${lanes[@]}"; do
	echo "== kernel $lane"
	if ! kdir=$(kuc_lane_kdir "$lane"); then
		failed=$((failed + 1))
		failures+=("$lane: the kernel could not be fetched or built")
		continue
	fi
	dir=build/kernels/$lane
	run_suite "build-$lane" lane_build "$lane" "$kdir" "$dir"
	kuc_lane_boots "$lane" || continue
	run_suite "warn-$lane" lane_warns "$lane" "$dir"
	# DKMS builds against every booted lane; its install inside the
	# guest (tests/bats/dkms.bats, ~1 min of depmod under emulation)
	# runs on make check's 6.1 only, and skips here.
	run_suite "dkms-$lane" dkms_build "$lane" "$kdir" "$dir"
	timeout=$((1800 + storm_extra))
	[ "$lane" = debug ] && timeout=$((3000 + storm_extra))
	# shellcheck disable=SC2046
	KUC_MODULE="$top/$dir/module/kucomms.ko" \
		KUC_ECHO_MODULE="$top/$dir/examples/echo/kucomms_echo.ko" \
		KUC_LEAK_MODULE="$top/$dir/leakmod/kuc_leak_test.ko" KUC_DKMS_TREE= \
		KUC_TESTEP_MODULE="$top/$dir/tests/vm/testep/kuc_testep.ko" \
		vm_suite "vm-$lane" tests/vm/run --kernel "$lane" --timeout "$timeout" \
		-- tests/vm/suite $(lane_suites "$lane")
done
finish
