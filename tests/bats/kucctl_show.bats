#!/usr/bin/env bats
# kucctl show and the per-device sysfs files behind it. Runs in the VM.

load common

setup() {
	kuc_load
	echo kucomms_echo >"$KUC_CTL/create_device"
}

teardown() {
	kuc_unload || true
}

@test "show: a device with no endpoint, in text" {
	run "$KUCCTL" show echo
	[ "$status" -eq 0 ]
	[[ "$output" == *"name:             kucomms_echo"* ]]
	[[ "$output" == *"endpoint:         none"* ]]
	[[ "$output" == *"ring_size:        65536"* ]]
	[[ "$output" == *"max_connections:  16"* ]]
	[[ "$output" == *"poll_idle_us:     0"* ]]
	[[ "$output" == *"connections:      0"* ]]
	[[ "$output" == *"connections_held: 0"* ]]
	[[ "$output" == *"protocol_errors:  0"* ]]
}

@test "show --json: every figure, as numbers, and the bound endpoint" {
	insmod "$KUC_ECHO_MODULE"
	echo 8192 >/sys/class/kucomms/kucomms_echo/ring_size
	echo 250 >/sys/class/kucomms/kucomms_echo/poll_idle_us
	exec {fd}<>/dev/kucomms_echo
	run "$KUCCTL" show kucomms_echo --json
	exec {fd}<&-
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["name"] == "kucomms_echo" and d["kind"] == "device", d
assert d["endpoint"] == "kucomms_echo", d
assert d["ring_size"] == 8192 and d["connections"] == 1, d
assert d["poll_idle_us"] == 250 and d["connections_held"] == 1, d
for k in ("max_connections", "msgs_in", "bytes_in", "msgs_out",
          "bytes_out", "ring_full", "kicks", "wakeups", "protocol_errors",
          "work_runs", "timer_runs"):
    assert isinstance(d[k], int) and d[k] >= 0, k
'
}

@test "show: the figures are the sysfs files, one value per file" {
	insmod "$KUC_ECHO_MODULE"
	sleep 1.2
	d=/sys/class/kucomms/kucomms_echo
	w=$(cat $d/work_runs)
	[ "$w" -gt 0 ]
	run "$KUCCTL" show echo
	[[ "$output" =~ work_runs:\ +([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge "$w" ]
}

@test "show: poll_idle_us and connections_held, once each, as set and held" {
	insmod "$KUC_ECHO_MODULE"
	d=/sys/class/kucomms/kucomms_echo
	echo 1000000 >$d/poll_idle_us
	exec {a}<>/dev/kucomms_echo {b}<>/dev/kucomms_echo
	run "$KUCCTL" show echo
	exec {a}<&- {b}<&-
	[ "$status" -eq 0 ]
	[ "$(grep -c '^poll_idle_us:' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^connections_held:' <<<"$output")" -eq 1 ]
	[[ "$output" == *"poll_idle_us:     1000000"* ]]
	[[ "$output" == *"connections:      2"* ]]
	[[ "$output" == *"connections_held: 2"* ]]
}

@test "ring_size, max_connections and poll_idle_us reject bad values" {
	d=/sys/class/kucomms/kucomms_echo
	for v in 0 1000 2048 8388608 abc; do
		run sh -c "echo $v >$d/ring_size"
		[ "$status" -ne 0 ] || kuc_fail "ring_size $v accepted"
	done
	for v in 0 1025 -1 x; do
		run sh -c "echo $v >$d/max_connections"
		[ "$status" -ne 0 ] || kuc_fail "max_connections $v accepted"
	done
	for v in 1000001 4294967296 -1 x; do
		run sh -c "echo $v >$d/poll_idle_us"
		[ "$status" -ne 0 ] || kuc_fail "poll_idle_us $v accepted"
	done
	[ "$(cat $d/poll_idle_us)" = 0 ]
	echo 1000000 >$d/poll_idle_us && [ "$(cat $d/poll_idle_us)" = 1000000 ]
	# The errors: out of bounds EINVAL; the counts parse as unsigned int
	# (ERANGE above it), ring_size as u64.
	[ "$(kuc_write $d/ring_size 4294967296)" = EINVAL ]
	[ "$(kuc_write $d/ring_size 18446744073709551616)" = ERANGE ]
	[ "$(kuc_write $d/ring_size 12288)" = EINVAL ]
	[ "$(kuc_write $d/max_connections 4294967296)" = ERANGE ]
	[ "$(kuc_write $d/max_connections 1025)" = EINVAL ]
	[ "$(kuc_write $d/poll_idle_us 4294967296)" = ERANGE ]
	[ "$(kuc_write $d/poll_idle_us 1000001)" = EINVAL ]
	[ "$(kuc_write $d/poll_idle_us abc)" = EINVAL ]
	[ "$(kuc_write $d/poll_idle_us 0x10)" = OK ]
	[ "$(cat $d/poll_idle_us)" = 16 ]
	echo 4096 >$d/ring_size && echo 4194304 >$d/ring_size
	echo 1 >$d/max_connections
	[ "$(cat $d/ring_size)" = 4194304 ] && [ "$(cat $d/max_connections)" = 1 ]
}

@test "max_connections bounds the open connections with EBUSY" {
	insmod "$KUC_ECHO_MODULE"
	echo 2 >/sys/class/kucomms/kucomms_echo/max_connections
	exec {a}<>/dev/kucomms_echo {b}<>/dev/kucomms_echo
	run kuc_open /dev/kucomms_echo
	exec {a}<&- {b}<&-
	[ "$output" = EBUSY ]
}

@test "show: errors and exit codes" {
	run "$KUCCTL" show nosuch
	[ "$status" -eq 4 ]
	[[ "$output" == "kucctl: show kucomms_nosuch: no such device" ]]
	run "$KUCCTL" show Bad-Name
	[ "$status" -eq 3 ]
	run "$KUCCTL" show
	[ "$status" -eq 2 ]
}
