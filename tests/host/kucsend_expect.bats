#!/usr/bin/env bats
# kucsend --expect on a shared-memory channel, on the host: the userspace
# echo server (examples/echo) sends every message back, so the replies are
# known and a wrong expectation must fail.

load shm_common

setup() {
	shm_setup kx
	start_server
}

teardown() {
	shm_teardown
}

@test "kucsend --expect: matching replies exit 0 and are printed as usual" {
	run "$KUCSEND" "$CH" --expect '[{"type": 1, "value": 7, "data": "hi"}, {"id": 2}]' \
		'{"type": 1, "id": 1, "value": 7, "data": "hi"}' '{"type": 9, "id": 2, "data": {"hex": "00ff"}}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":1,"id":1,"value":7,"length":2,"data":"hi"}' ]
	[ "${#lines[@]}" -eq 2 ]
	# Fields not given are not compared; data may be given in any form.
	run "$KUCSEND" "$CH" --expect '{"data": {"hex": "00ff"}}' '{"type": 3, "data": [0, 255]}'
	[ "$status" -eq 0 ]
}

@test "kucsend --expect: a reply that differs exits 11 with a diff of each field" {
	run "$KUCSEND" "$CH" --expect '{"type": 1, "id": 5, "value": 8, "data": "ho"}' \
		'{"type": 1, "id": 5, "value": 7, "data": "hi"}'
	echo "$output"
	[ "$status" -eq 11 ]
	[[ $output == *"kucsend: reply 1: value: expected 8, got 7"* ]]
	[[ $output == *'kucsend: reply 1: data: expected "ho", got "hi"'* ]]
	[[ $output == *"1 of 1 replies did not match --expect"* ]]
	[[ $output != *"reply 1: type"* && $output != *"reply 1: id"* ]]
	run "$KUCSEND" "$CH" --expect '{"data": {"hex": "0001"}}' '{"data": {"hex": "0002"}}'
	[ "$status" -eq 11 ]
	[[ $output == *'data: expected {"hex":"0001"}, got {"hex":"0002"}'* ]]
}

@test "kucsend --expect: a missing reply is listed; the run times out (exit 8)" {
	run "$KUCSEND" "$CH" --timeout 0.3 --expect '{"id": 1} {"id": 2}' '{"id": 1}'
	echo "$output"
	[ "$status" -eq 8 ]
	[[ $output == *"reply 2: missing (expected --expect:1:11: message 2)"* ]]
	# A wrong reply wins over a missing one.
	run "$KUCSEND" "$CH" --timeout 0.3 --expect '{"id": 3} {"id": 2}' '{"id": 1}'
	[ "$status" -eq 11 ]
}

@test "kucsend --expect: bad expectations are bad input (exit 3), before the channel is opened; bad combinations usage errors (exit 2)" {
	run "$KUCSEND" "$CH" --expect '{"tpye": 1}' '{"id": 1}'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *'--expect:1:2: message 1: unknown key "tpye"'* ]]
	run "$KUCSEND" "$CH" --expect '{"id": 1' '{"id": 1}'
	[ "$status" -eq 3 ]
	[[ $output == *"invalid JSON"* ]]
	run "$KUCSEND" "$CH" --count 3 --expect '{"id": 1}' '{"id": 1}'
	[ "$status" -eq 2 ]
	[[ $output == *"--expect cannot be combined"* ]]
	# Checked before the channel is opened: no such channel is no error yet.
	run "$KUCSEND" shm:kucomms_no_such_channel --expect '[' '{"id": 1}'
	[ "$status" -eq 3 ]
}
