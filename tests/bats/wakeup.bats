#!/usr/bin/env bats
# Deferred wakeups: what a handler sends from the endpoint thread wakes a
# reader in poll() at the end of the batch of the connection sent to, or
# in the thread's sweep (kucm_endpoint_wake_pending(), run when
# kucomms_send() set ep->wake_pending). Every pass of the thread wakes
# the pending connections it delivers to, so the sweep alone wakes a
# reader when the send came after that connection's turn in the pass:
# from a timer or work handler, or from another connection's batch to one
# earlier in the list. tests/vm/testep has no work handler: with the
# sweep lost, the reader sleeps until the next pass, the next tick when
# it has a timer handler (tick=1), else until some other connection's
# traffic. The readers (kuc_tick_wait) send nothing and wait only in
# poll(). Runs in the VM as root.

load common

TDEV=kucomms_testep
TSYS=/sys/class/kucomms/$TDEV
TICKWAIT=$KUC_BUILD/progs/kuc_tick_wait
# TESTEP_STAMP of kuc_testep.c
T_STAMP=6

setup() {
	kuc_testep_setup
}

teardown() {
	kuc_testep_down
}

# The timer handler sends after the thread's pass. Each tick must wake
# the reader at once (a lost one waits for the next tick, 1 s later).
@test "a timer handler's send wakes a reader that only waits in poll()" {
	insmod "$KUC_TESTEP_MODULE" tick=1
	run "$TICKWAIT" "$TDEV" 3 300 6000
	echo "$output"
	note "$(grep 'max_late' <<<"$output")"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok ticks-on-time"* ]]
}

# The sweep wakes every connection the handler sent to.
@test "a timer handler's broadcast wakes every reader that only waits" {
	local rx=$BATS_TEST_TMPDIR/rx pid
	insmod "$KUC_TESTEP_MODULE" tick=1
	"$TICKWAIT" "$TDEV" 3 300 6000 >"$rx" 2>&1 &
	pid=$!
	KUC_BG_PIDS=$pid
	run "$TICKWAIT" "$TDEV" 3 300 6000
	echo "$output"
	[ "$status" -eq 0 ]
	wait "$pid" || { cat "$rx"; kuc_fail "the other reader failed"; }
	KUC_BG_PIDS=
	cat "$rx"
}

# No periodic handler at all: the reader, first in the list, gets a
# broadcast from the second connection's batch; the sender stays open
# (it waits for a reply that never comes), so nothing but the sweep
# wakes the reader before the sender closes 4 s later.
@test "a broadcast from a later connection's batch wakes an earlier reader, no periodic handler" {
	local rx=$BATS_TEST_TMPDIR/rx pid
	insmod "$KUC_TESTEP_MODULE"
	"$TICKWAIT" "$TDEV" 1 300 8000 >"$rx" 2>&1 &
	pid=$!
	KUC_BG_PIDS=$pid
	wait_for '[ "$(cat "$TSYS/connections")" = 1 ]'
	sleep 0.5	# in poll() by now
	"$KUC_BUILD/kucsend" -w 2 -t 4 "$TDEV" "{\"type\": $T_STAMP}" \
		>/dev/null 2>&1 &
	KUC_BG_PIDS="$pid $!"
	local status=0
	wait "$pid" || status=$?
	cat "$rx"
	note "$(grep 'max_late' "$rx")"
	[ "$status" -eq 0 ]
}
