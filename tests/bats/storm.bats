#!/usr/bin/env bats
# The syscall storm (tests/progs/kuc_storm/): several processes throw
# random opens, mappings, ioctls, garbage in the shared pages, forks,
# device creates and removes and echo module loads and unloads at
# kucomms.ko at once. Passes when the storm's processes all end (no
# hang), nothing it checks broke, and a well-behaved client then gets
# every echo intact; tests/vm/run fails the run on any kernel report
# (KASAN, lockdep, WARNING, soft lockup, hung task, ...), and on the debug
# kernel tests/vm/suite fails on kmemleak reports afterwards.
#
# Duration: KUC_STORM_SECONDS, else 60 s on the debug kernel (make
# check-debug) and 15 s otherwise (make check); `make storm` runs it for
# STORM_SECONDS (600) on the debug kernel. KUC_STORM_SEED repeats a run
# (the seed of every run is printed), KUC_STORM_PROCS sets the workers.

load common

DEV=kucomms_echo
SYS=/sys/class/kucomms/$DEV
STORM=$KUC_BUILD/progs/kuc_storm
CLIENT=$KUC_BUILD/progs/kuc_echo_client

setup() {
	kuc_echo_up
}

teardown() {
	kuc_echo_down
}

debug_kernel() {
	[ -e /sys/kernel/debug/kmemleak ] || [[ "$(uname -r)" == *kucdebug* ]]
}

@test "a syscall storm: no hang, no kernel report, the echo still works" {
	local secs seed procs grace
	secs=${KUC_STORM_SECONDS:-}
	grace=30
	if debug_kernel; then
		secs=${secs:-60}
		grace=90
	fi
	secs=${secs:-15}
	seed=${KUC_STORM_SEED:-$(date +%s)}
	procs=${KUC_STORM_PROCS:-4}
	note "storm: --seed $seed --seconds $secs --procs $procs (repeat with KUC_STORM_SEED=$seed)"
	# The watchdog: the storm reports its own hung processes after
	# --grace; this catches the storm itself stuck.
	run timeout -k 10 $((secs + grace + 60)) "$STORM" --seed "$seed" \
		--seconds "$secs" --procs "$procs" --grace "$grace" \
		--module "$KUC_MODULE" --echo-module "$KUC_ECHO_MODULE"
	echo "$output"
	while IFS= read -r line; do
		note "$line"
	done < <(grep -E '^(operation|[a-z_]+ +[0-9]+ |total|kuc_storm: seed=)' <<<"$output")
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] ||
		kuc_fail "the storm itself hung (watchdog fired)"
	[ "$status" -eq 0 ]
	[[ "$output" == *" violations=0 killed=0 hangs=0 "* ]]

	# Back to a known state: kucomms.ko, the device and the echo module
	# (the storm may have left any of them out), default settings.
	# (kucomms.ko may be back with max_devices=1: the storm's devices go.)
	kuc_load
	for d in /sys/class/kucomms/kucomms_storm*; do
		[ ! -e "$d" ] || echo "${d##*/}" >"$KUC_CTL/remove_device"
	done
	[ -c /dev/$DEV ] || echo $DEV >"$KUC_CTL/create_device"
	[ -d /sys/module/kucomms_echo ] || insmod "$KUC_ECHO_MODULE"
	echo 65536 >"$SYS/ring_size"
	echo 16 >"$SYS/max_connections"
	# Every connection of the storm is gone, none leaked.
	wait_for '[ "$(cat $SYS/connections)" = 0 ]' 30
	run "$CLIENT" --count 20000 --seed 11 --conns 2 "$DEV"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent=40000 received=40000 lost=0 dup=0 reorder=0 corrupt=0 foreign=0"* ]]
	run "$CLIENT" --mode pingpong --count 500 "$DEV"
	[ "$status" -eq 0 ]
	note "after the storm: $(tr '\n' ' ' <<<"$output")"
}
