#!/usr/bin/env bats
# Direct delivery (KUCOMMS_EP_DIRECT, kuc_set_direct(3), KUCOMMS_IOC_RUN):
# a client that asks for it, of an endpoint that allows it, gets its
# messages handled within its own kick while the endpoint's thread
# sleeps. kuc_testep.ko's TESTEP_WHO replies say which task ran the
# handler (tests/progs/kuc_direct.c counts them). The thread must stay
# asleep meanwhile (its context switches hardly move), the handlers must
# still take turns with the thread (a timer, a client of the thread
# and direct clients at once; the debug lane's lockdep and KASAN watch), a
# handler's broadcast must still wake a reader, and unloading the module
# under direct clients must wait for a handler that runs in one of them.
# Runs in the VM as root.

load common

TDEV=kucomms_testep
DIRECT=$KUC_BUILD/progs/kuc_direct
TICKWAIT=$KUC_BUILD/progs/kuc_tick_wait
TPAR=/sys/module/kuc_testep/parameters
HTO=/proc/sys/kernel/hung_task_timeout_secs

setup() {
	kuc_testep_setup
}

teardown() {
	[ -z "${HTO_OLD:-}" ] || echo "$HTO_OLD" >"$HTO"
	[ ! -d "$TPAR" ] || echo 0 >"$TPAR/stall"
	kuc_testep_down
}

# Context switches of the endpoint's thread (kuc/testep) so far.
thread_switches() {
	local f
	for f in /proc/[0-9]*/comm; do
		if [ "$(cat "$f" 2>/dev/null)" = kuc/testep ]; then
			awk '/ctxt_switches/ { n += $2 } END { print n }' \
				"${f%comm}status"
			return 0
		fi
	done
	kuc_fail "no kuc/testep thread"
}

# "replies=N here=H elsewhere=E pid=P" -> the value of $1.
field() {
	sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$output"
}

@test "a direct client's round trips run in its own process while the thread sleeps" {
	local before after
	insmod "$KUC_TESTEP_MODULE" direct=1
	before=$(thread_switches)
	run "$DIRECT" -d "$TDEV" 300
	after=$(thread_switches)
	echo "$output"
	note "thread context switches: $((after - before)) for 300 round trips"
	[ "$status" -eq 0 ]
	[ "$(field replies)" = 300 ]
	# The first may race with the thread's look at the new connection.
	[ "$(field here)" -ge 295 ]
	# Without direct delivery each round trip wakes the thread (next test).
	[ $((after - before)) -lt 30 ]
}

@test "a client that does not ask gets the thread, direct endpoint or not" {
	local before after
	insmod "$KUC_TESTEP_MODULE" direct=1
	before=$(thread_switches)
	run "$DIRECT" "$TDEV" 300
	after=$(thread_switches)
	echo "$output"
	note "thread context switches: $((after - before)) for 300 round trips"
	[ "$status" -eq 0 ]
	[ "$(field here)" = 0 ]
	[ "$(field elsewhere)" = 300 ]
	# What the first test's bound tells apart: about a wakeup per round
	# trip. Not every one: the thread's last look before it sleeps
	# sometimes finds the next message already there (283-304 in 25 runs
	# on the debug kernel), so the bound is half, far from the first's 30.
	[ $((after - before)) -ge 150 ]
}

@test "an endpoint without KUCOMMS_EP_DIRECT: the client's ask is a kick" {
	insmod "$KUC_TESTEP_MODULE"
	run "$DIRECT" -d -s 4096 "$TDEV" 300
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field here)" = 0 ]
	[ "$(field elsewhere)" = 300 ]
}

# The timer's broadcasts reach every connection: kuc_direct skips them.
@test "direct clients, a client of the thread and a timer at once: all intact" {
	local dir=$BATS_TEST_TMPDIR p pids=() i
	insmod "$KUC_TESTEP_MODULE" direct=1 tick=1
	for i in 1 2 3; do
		"$DIRECT" -d -s $((i * 1000)) "$TDEV" 8000 >"$dir/d$i" 2>&1 &
		pids+=($!)
	done
	"$DIRECT" -s 4096 "$TDEV" 8000 >"$dir/t" 2>&1 &
	pids+=($!)
	"$TICKWAIT" "$TDEV" 3 300 8000 >"$dir/tick" 2>&1 &
	pids+=($!)
	KUC_BG_PIDS=${pids[*]}
	for p in "${pids[@]}"; do
		wait "$p" || { cat "$dir"/*; kuc_fail "a client failed"; }
	done
	KUC_BG_PIDS=
	cat "$dir"/*
	for i in d1 d2 d3 t; do
		grep -q "replies=8000" "$dir/$i"
	done
	grep -q "here=0 " "$dir/t"
	grep -q "ok ticks-on-time" "$dir/tick"
	[ "$(cat /sys/module/kuc_testep/parameters/dropped)" = 0 ]
}

# The broadcast's wakeup of the other reader is deferred to the sweep,
# which the direct delivery must run itself: the thread sleeps (no
# periodic handler) and would never come to it.
@test "a broadcast from a direct delivery wakes a reader that only waits" {
	local rx=$BATS_TEST_TMPDIR/rx pid
	insmod "$KUC_TESTEP_MODULE" direct=1
	"$TICKWAIT" "$TDEV" 1 300 8000 >"$rx" 2>&1 &
	pid=$!
	KUC_BG_PIDS=$pid
	wait_for '[ "$(cat /sys/class/kucomms/$TDEV/connections)" = 1 ]'
	sleep 0.5	# in poll() by now
	run "$DIRECT" -d -b "$TDEV" 20
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field here)" -ge 15 ]
	[[ "$output" == *"stamp=direct"* ]]
	wait "$pid" || { cat "$rx"; kuc_fail "the reader was not woken in time"; }
	KUC_BG_PIDS=
	cat "$rx"
}

# kucomms_unregister() must wait for a handler running in a client's
# kick before the module's code goes; the debug lane's KASAN sees a use
# after free if it does not. The clients end with ESHUTDOWN.
@test "unloading the endpoint module under direct clients" {
	local dir=$BATS_TEST_TMPDIR round p
	for ((round = 0; round < 10; round++)); do
		insmod "$KUC_TESTEP_MODULE" direct=1
		"$DIRECT" -d "$TDEV" 1000000 >"$dir/a" 2>&1 &
		KUC_BG_PIDS=$!
		"$DIRECT" -d -s 2000 "$TDEV" 1000000 >"$dir/b" 2>&1 &
		KUC_BG_PIDS+=" $!"
		sleep 0.$((RANDOM % 5 + 1))
		rmmod kuc_testep
		for p in $KUC_BG_PIDS; do
			wait "$p" && kuc_fail "a client did not see the unload"
		done
		KUC_BG_PIDS=
		cat "$dir/a" "$dir/b"
		! grep -q differs "$dir/a" "$dir/b"
		grep -Eq "(send|receive): " "$dir/a"
	done
}

# A direct delivery holds the handlers for as long as its handler runs.
# The thread, woken meanwhile (here by a new connection), must wait for
# it without looking hung: blocked in a mutex for longer than
# hung_task_timeout_secs the kernel reports it ("blocked for more than"),
# which fails the run too.
@test "a direct handler that sleeps long: the thread waits for it, not hung" {
	local dir=$BATS_TEST_TMPDIR a b
	[ -w "$HTO" ] || skip "no hung-task detector in this kernel"
	insmod "$KUC_TESTEP_MODULE" direct=1
	HTO_OLD=$(cat "$HTO")
	echo 2 >"$HTO"
	echo 1 >"$TPAR/stall"
	"$DIRECT" -d -S "$TDEV" 5 >"$dir/a" 2>&1 &
	a=$!
	KUC_BG_PIDS=$a
	wait_for '[ "$(cat "$TPAR/stalls")" = 1 ]'
	# Its round trips ran here but perhaps the first, which may race
	# with the thread's look at the new connection (as in the first
	# test); the thread sleeps since, so the stall runs here too.
	output=$(cat "$dir/a")
	[ "$(field here)" -ge 4 ]
	"$DIRECT" "$TDEV" 1 >"$dir/b" 2>&1 &
	b=$!
	KUC_BG_PIDS+=" $b"
	sleep 6
	# The staller's kuc_send() has not returned: the stall runs in its
	# kick, not in the thread (which would have let it go at once).
	kill -0 "$a"
	! grep -q "stall=over" "$dir/a"
	echo 0 >"$TPAR/stall"
	wait "$a" || { cat "$dir/a"; kuc_fail "the staller failed"; }
	wait "$b" || { cat "$dir/b"; kuc_fail "the thread's client failed"; }
	KUC_BG_PIDS=
	cat "$dir/a" "$dir/b"
	grep -q "stall=over" "$dir/a"
	grep -q "replies=1 here=0 " "$dir/b"
	echo "$HTO_OLD" >"$HTO"
	HTO_OLD=
	! dmesg | grep "blocked for more than"
}
