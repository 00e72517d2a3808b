#!/usr/bin/env bats
# mymod's tests, as root in a kernel where kucomms.ko and mymod.ko may be
# loaded: `make check` runs them in a real kernel under kucomms-vm.
# The helpers (kucomms_*) are kucomms' bats library; each test's traffic
# is captured with kucdump and shown when the test fails.

bats_load_library kucomms

setup() {
	kucomms_module_load "$BATS_TEST_DIRNAME/../mymod.ko"
	kucomms_device_create mymod
	kucomms_dump_start mymod
}

teardown() {
	kucomms_dump_stop
	kucomms_device_remove mymod
}

@test "HELLO comes back with value + 1 and the same data" {
	kucomms_send mymod '{"type": 1, "id": 7, "value": 41, "data": "hi"}'
	kucomms_assert_reply type=1 id=7 value=42 text=hi
}

@test "HELLO, checked by kucsend --expect" {
	run kucsend mymod --expect '[{"type": 1, "id": 1, "value": 42, "data": "a"}, {"id": 2, "value": 1}]' \
		'{"type": 1, "id": 1, "value": 41, "data": "a"}' '{"type": 1, "id": 2, "value": 0}'
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "messages that break the protocol are refused with an ERROR reply (EINVAL)" {
	kucomms_send mymod '{"type": 99, "id": 3}'
	kucomms_assert_reply type=255 id=3 value=22
	kucomms_send mymod "{\"type\": 1, \"data\": \"$(printf '%0257d' 0)\"}"
	kucomms_assert_reply type=255 value=22
	kucomms_send mymod '{"type": 2, "data": "x"}'
	kucomms_assert_reply type=255
	[ "$(cat /sys/module/mymod/parameters/refused)" -ge 3 ]
}

@test "the timer handler runs once a second: UPTIME grows" {
	kucomms_send mymod '{"type": 2}'
	first=$kucomms_reply_value
	sleep 1.5
	kucomms_send mymod '{"type": 2}'
	[ "$kucomms_reply_value" -gt "$first" ]
	[ "$(cat /sys/module/mymod/parameters/work_runs)" -gt 100 ]
}

@test "the client says hello through libkuc" {
	run "$BATS_TEST_DIRNAME/../mymod_client" hello world
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'reply: type=1 id=1 value=42 data="hello"' ]
	[ "${lines[1]}" = 'reply: type=1 id=2 value=42 data="world"' ]
}

@test "connect and disconnect run for each connection; the device counts the traffic" {
	before=$(cat /sys/module/mymod/parameters/disconnects)
	kucomms_send mymod '{"type": 1}'
	[ "$(kucomms_counter mymod msgs_in)" -eq 1 ]
	[ "$(kucomms_counter mymod msgs_out)" -eq 1 ]
	[ "$(cat /sys/module/mymod/parameters/connects)" -ge $((before + 1)) ]
	# disconnect comes on the endpoint's thread once kucsend closed.
	for ((i = 0; i < 50; i++)); do
		[ "$(cat /sys/module/mymod/parameters/disconnects)" -eq $((before + 1)) ] && break
		sleep 0.1
	done
	[ "$(cat /sys/module/mymod/parameters/disconnects)" -eq $((before + 1)) ]
	[ "$(kucomms_counter mymod connections)" -eq 0 ]
}
