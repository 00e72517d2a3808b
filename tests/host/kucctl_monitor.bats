#!/usr/bin/env bats
# kucctl monitor on the host: the shm side (segments added and removed,
# servers and clients attaching and leaving), its output forms, its end
# on SIGTERM, and the note when the module is not loaded. The module's
# events are tested in the VM (tests/bats/monitor.bats).

bats_require_minimum_version 1.5.0

load shm_common

setup() {
	shm_setup mon
	MON_OUT=$BATS_TEST_TMPDIR/mon.out
	MON_ERR=$BATS_TEST_TMPDIR/mon.err
}

teardown() {
	rm -f "$SEG" "${SEG}_s"
	shm_teardown
}

# mon_start ARGS...: kucctl monitor ARGS in the background (MON_PID),
# returning once it reports segments: a probe segment is made and
# removed until its shm-add shows.
mon_start() {
	"$KUCCTL" monitor "$@" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	PIDS+=" $MON_PID"
	local i
	for ((i = 0; i < 50; i++)); do
		"$KUCCTL" create --shm "${NAME}_s"
		sleep 0.2
		"$KUCCTL" remove --shm "${NAME}_s"
		grep -q "${NAME}_s" "$MON_OUT" && return 0
	done
	kuc_fail "monitor never reported the probe segment"
}

# The events of $NAME, one per line: "EVENT PID" (PID - when absent).
mon_events() {
	jq -r --arg n "$NAME" 'select(.name == $n) |
		"\(.event) \(.pid // "-")"' "$MON_OUT"
}

@test "monitor --json: a segment's life, server and client, in order, with pids" {
	mon_start --json --shm
	"$KUCCTL" create --shm "$NAME"
	start_server
	wait_for "mon_events | grep -q server-attach"
	repl_on_fifo
	cpid=$REPL_PID
	wait_for "mon_events | grep -q client-attach"
	exec 7>&-
	wait "$cpid"
	wait_for "mon_events | grep -q client-leave"
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	wait_for "mon_events | grep -q server-leave"
	"$KUCCTL" remove --shm "$NAME"
	wait_for "mon_events | grep -q shm-remove"
	kuc_term_ok "$MON_PID"
	run mon_events
	[ "$output" = "shm-add -
server-attach $SERVER_PID
client-attach $cpid
client-leave $cpid
server-leave $SERVER_PID
shm-remove -" ] || kuc_fail "events: $output"
	# Every line is one JSON object with a time and the source.
	jq -e -s 'all(.[]; (.time | test("^[0-9-]+T[0-9:.]+Z$")) and
		.source == "shm")' "$MON_OUT"
}

@test "monitor: a client that comes and goes between two looks is still reported" {
	mon_start --json --shm
	"$KUCCTL" create --shm "$NAME"
	start_server
	wait_for "mon_events | grep -q server-attach"
	for ((i = 0; i < 3; i++)); do
		"$CLIENT" --count 1 "$CH" >/dev/null
	done
	wait_for "[ \$(mon_events | grep -c client-leave) -eq 3 ]"
	kuc_term_ok "$MON_PID"
	[ "$(mon_events | grep -c client-attach)" -eq 3 ]
}

@test "monitor: text lines are TIME SOURCE EVENT NAME key=value, comm from /proc" {
	mon_start --shm
	"$KUCCTL" create --shm "$NAME"
	start_server
	wait_for "grep -q 'server-attach $NAME' '$MON_OUT'"
	kuc_term_ok "$MON_PID"
	grep -Eq "^[0-9-]+T[0-9:.]+Z shm shm-add $NAME\$" "$MON_OUT"
	grep -Eq "^[0-9-]+T[0-9:.]+Z shm server-attach $NAME pid=$SERVER_PID comm=kucomms_echo_us\$" "$MON_OUT"
}

@test "monitor without the module: one note on stderr, the segments watched, exit 0 on SIGINT" {
	[ ! -d /sys/module/kucomms ] || skip "the kucomms module is loaded here"
	"$KUCCTL" monitor >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	PIDS+=" $MON_PID"
	wait_for "[ -s '$MON_ERR' ]"
	[ "$(cat "$MON_ERR")" = "kucctl: note: kucomms module not loaded: watching for it and the shm segments" ]
	wait_for "'$KUCCTL' create --shm '$NAME' 2>/dev/null; grep -q 'shm-add $NAME' '$MON_OUT'"
	kill -INT "$MON_PID"
	status=0
	wait "$MON_PID" || status=$?
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$MON_ERR")" -eq 1 ]
}

@test "monitor --kernel without the module: the note, no shm events" {
	[ ! -d /sys/module/kucomms ] || skip "the kucomms module is loaded here"
	"$KUCCTL" monitor --kernel >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	PIDS+=" $MON_PID"
	wait_for "[ -s '$MON_ERR' ]"
	grep -q "note: kucomms module not loaded: watching for it\$" "$MON_ERR"
	"$KUCCTL" create --shm "$NAME"
	sleep 0.5
	kuc_term_ok "$MON_PID"
	[ ! -s "$MON_OUT" ]
}

@test "monitor: --kernel with --shm, or an argument, is a usage error" {
	run --separate-stderr "$KUCCTL" monitor --kernel --shm
	[ "$status" -eq 2 ]
	[[ $stderr == "kucctl: monitor: --kernel and --shm exclude each other"* ]]
	run --separate-stderr "$KUCCTL" monitor foo
	[ "$status" -eq 2 ]
}

@test "monitor: a reader that goes away ends it (output error, not a hang)" {
	"$KUCCTL" create --shm "$NAME"
	# head exits after one line; the monitor's next write fails.
	timeout 20 bash -c "'$KUCCTL' monitor --shm | head -n 1 >'$MON_OUT'" &
	pid=$!
	for ((i = 0; i < 20; i++)); do
		"$KUCCTL" remove --shm "$NAME" 2>/dev/null
		"$KUCCTL" create --shm "$NAME"
		sleep 0.2
	done
	wait "$pid"
	[ "$(wc -l <"$MON_OUT")" -eq 1 ]
}

@test "monitor: a segment of garbage is reported, not trusted" {
	mon_start --json --shm
	head -c 100000 /dev/urandom >"$SEG"
	wait_for "mon_events | grep -q shm-add"
	# Random counts and pids would be clients; a header that makes no
	# sense has none.
	printf 'x' >"$SEG"
	sleep 0.3
	rm -f "$SEG"
	wait_for "mon_events | grep -q shm-remove"
	kuc_term_ok "$MON_PID"
	run mon_events
	[ "$output" = "shm-add -
shm-remove -" ] || kuc_fail "events: $output"
}
