#!/usr/bin/env bats
# libkuc's promises about threads, epoll and C++, checked on real channels
# to kucomms_echo.ko in the VM: the locked send from many threads under
# ThreadSanitizer, epoll readiness through a whole channel life, the C++
# wrapper, and an endpoint stop whose wakeup cannot be delivered.

load common

DEV=kucomms_echo
TSAN_CLIENT=$KUC_BUILD/tsan-progs/kuc_echo_client
EPOLL_CHECK=$KUC_BUILD/progs/kuc_epoll_check
CPP_CHECK=$KUC_BUILD/progs/kuc_cpp_check
EP_STOP_CHECK=$KUC_BUILD/progs/kuc_ep_stop_check

setup() {
	kuc_echo_up
}

teardown() {
	kuc_echo_down
}

# run_tsan ARGS...: the TSan-built echo client; any report fails the test.
run_tsan() {
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
		run "$TSAN_CLIENT" "$@"
	echo "$output"
	if grep -q "ThreadSanitizer" <<<"$output"; then
		kuc_fail "ThreadSanitizer reported a problem"
	fi
	[ "$status" -eq 0 ]
}

@test "TSan: 8 threads kuc_send_locked on one channel, no race, nothing lost" {
	run_tsan --threads 8 --count 2000 --max-size 256 "$DEV"
	[[ "$output" == *"sent=16000 received=16000 lost=0 dup=0 reorder=0 corrupt=0 foreign=0"* ]]
}

@test "TSan: endpoint thread and handlers, no race" {
	run_tsan --mode endpoint --count 2000 --max-size 256 --duration 2 "$DEV"
	[[ "$output" == *"sent=2000 received=2000 lost=0 dup=0 reorder=0 corrupt=0"* ]]
}

@test "TSan: batched sends on 4 connections, no race" {
	run_tsan --conns 4 --batch --count 2000 --max-size 256 "$DEV"
	[[ "$output" == *"lost=0 dup=0 reorder=0 corrupt=0 foreign=0"* ]]
}

@test "epoll: readable, writable, full, edge-triggered and hangup" {
	"$EPOLL_CHECK" "$DEV" 30000 >"$BATS_TEST_TMPDIR/epoll" 3>&- &
	KUC_BG_PIDS=$!
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "^waiting for hangup" "$BATS_TEST_TMPDIR/epoll" && break
		grep -q "^FAIL" "$BATS_TEST_TMPDIR/epoll" && break
		sleep 0.1
	done
	# The echo never had to drop a reply: the full rings were backpressure.
	dropped=$(cat /sys/module/kucomms_echo/parameters/dropped)
	rmmod kucomms_echo
	status=0
	wait "$KUC_BG_PIDS" || status=$?
	KUC_BG_PIDS=
	cat "$BATS_TEST_TMPDIR/epoll"
	[ "$status" -eq 0 ]
	# Every step ran (a crash would leave steps out).
	[ "$(grep -c '^ok ' "$BATS_TEST_TMPDIR/epoll")" -eq 10 ]
	[ "$dropped" = 0 ]
}

@test "C++: kuc::channel opens, sends, receives, moves and throws" {
	run "$CPP_CHECK" "$DEV"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok ' <<<"$output")" -eq 9 ]
	[[ "$output" == *"0 failed"* ]]
}

@test "endpoint: kuc_endpoint_stop() ends the thread with its eventfd closed under it" {
	run "$EP_STOP_CHECK" "$DEV"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok ' <<<"$output")" -eq 4 ]
}
