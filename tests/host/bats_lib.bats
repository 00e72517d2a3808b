#!/usr/bin/env bats
# kucomms' bats library for users' tests (kit/bats/load.bash), on the host
# over a shared-memory channel served by the userspace echo: sending and
# checking replies, no reply, and the kucdump capture. The device side
# (modules, devices, counters) runs in the end-to-end test of the kit
# (tests/host/kit_e2e.bats).

load shm_common

setup() {
	shm_setup kb
	PATH=$B:$PATH
	load ../../kit/bats/load
	start_server
}

teardown() {
	kucomms_dump_stop >/dev/null
	shm_teardown
}

@test "bats library: kucomms_send and kucomms_assert_reply check each field, text and hex" {
	kucomms_send "$CH" '{"type": 3, "id": 4, "value": 5, "data": "hi!"}'
	[ "$kucomms_reply" = '{"type":3,"id":4,"value":5,"length":3,"data":{"hex":"686921"}}' ]
	kucomms_assert_reply type=3 id=4 value=5 length=3 text=hi! hex=686921
	kucomms_assert_reply hex=686921 text=hi!
	run kucomms_assert_reply type=3 value=6 text=ho
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"reply field value: expected '6', got '5'"* ]]
	[[ $output == *"reply field text: expected 'ho', got 'hi!'"* ]]
	[[ $output != *"field type"* ]]
	run kucomms_assert_reply colour=blue
	[ "$status" -eq 1 ]
	kucomms_send "$CH" '{"data": {"hex": "00ff"}}'
	kucomms_assert_reply hex=00FF length=2
}

@test "bats library: kucomms_assert_no_reply fails when a reply comes; kucomms_send when none does" {
	run kucomms_assert_no_reply "$CH" '{"id": 1}' 0.5
	[ "$status" -eq 1 ]
	[[ $output == *"expected no reply"* ]]
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	run kucomms_send "$CH" '{"id": 1}' --timeout 0.3
	[ "$status" -eq 1 ]
	[[ $output == *"kucsend exited with status"* ]]
}

@test "bats library: kucomms_dump_start captures the traffic that kucomms_dump_stop shows" {
	kucomms_dump_start "$CH"
	kucomms_send "$CH" '{"type": 77, "data": "seen-by-kucdump"}'
	run kucomms_dump_stop
	echo "$output"
	[[ $output == *"kucdump: the test's traffic"* ]]
	[ "$(grep -c 'type=77' <<<"$output")" -eq 2 ]
	[[ $output == *"2 captured"* ]]
}
