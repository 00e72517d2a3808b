#!/usr/bin/env bats
# Shared-memory channels on the host, no module, no VM: the userspace echo
# server (examples/echo/echo_handlers.c, the kernel module's handler
# source) serving /dev/shm/kucomms_NAME, driven by the same client and
# the same no-loss checks as the device (tests/bats/echo.bats); peers
# that die, restart or misbehave; damaged segments; permissions.

load shm_common

setup() {
	shm_setup t
}

teardown() {
	shm_teardown
}

@test "shm: 100,000 random-size messages through 4 KiB rings: none lost, backpressure" {
	start_server 4096
	run "$CLIENT" --count 100000 --seed 7 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent=100000 received=100000 lost=0 dup=0 reorder=0 corrupt=0"* ]]
	full=$(sed -n 's/.* full=\([0-9]*\).*/\1/p' <<<"$output")
	note "shm 4 KiB rings: $output"
	# The client had to wait for room: backpressure, not loss.
	[ "$full" -gt 0 ]
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID"
	# Nothing dropped; its one client was connected (the line ends with
	# the disconnects, which a stop right after the client may precede).
	grep -q ' dropped=0 connects=1 ' "$BATS_TEST_TMPDIR/server.out"
}

@test "shm: batched sends (kuc_send_more + kuc_flush), 64 KiB rings" {
	start_server
	run "$CLIENT" --batch --count 200000 --max-size 256 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lost=0 dup=0 reorder=0 corrupt=0"* ]]
	note "shm batch: $output"
}

@test "shm: pingpong round trips and zero-copy" {
	start_server
	run "$CLIENT" --mode pingpong --count 2000 --max-size 1024 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	note "shm pingpong: $(tr '\n' ' ' <<<"$output")"
}

@test "shm: 4 threads send_locked on one channel, one receives" {
	start_server 4096
	run "$CLIENT" --threads 4 --count 20000 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lost=0 dup=0 reorder=0 corrupt=0"* ]]
	note "shm threads: $output"
}

@test "shm: the endpoint thread model on the client side" {
	start_server
	run "$CLIENT" --mode endpoint --duration 2 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"api=ok"* ]]
}

@test "shm: echo_client talks to the userspace echo" {
	start_server
	run "$B/examples/echo_client" -n "shm:$NAME" hello world
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'data="hello"'* && "$output" == *'data="world"'* ]]
}

@test "shm: no segment is ENOENT, no server ENXIO, a second client EBUSY, a second server EBUSY" {
	run "$CLIENT" --count 1 "shm:$NAME"
	[ "$status" -eq 2 ]
	[[ "$output" == *ENOENT* ]]
	"$KUCCTL" create --shm "$NAME"
	run "$CLIENT" --count 1 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *ENXIO* ]]
	start_server
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" >"$BATS_TEST_TMPDIR/hold" 3>&- &
	PIDS+=" $!"
	wait_for "grep -q open '$BATS_TEST_TMPDIR/hold'"
	run "$CLIENT" --count 1 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *EBUSY* ]]
	run "$SERVER" "$NAME"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"serve $NAME: device or resource busy"* ||
	   "$output" == *"serve $NAME:"*busy* ]]
}

@test "shm: a client that closes or is killed leaves the channel to the next" {
	start_server
	for i in 1 2 3; do
		run "$CLIENT" --count 100 "shm:$NAME"
		[ "$status" -eq 0 ]
	done
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" >"$BATS_TEST_TMPDIR/hold" 3>&- &
	pid=$!
	PIDS+=" $pid"
	wait_for "grep -q open '$BATS_TEST_TMPDIR/hold'"
	kill -9 "$pid"
	wait "$pid" || true
	run "$CLIENT" --count 1000 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lost=0"* ]]
}

@test "shm: a server killed mid-stream: the client sees ECONNRESET; a restarted server serves again" {
	start_server 4096
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" >"$BATS_TEST_TMPDIR/hold" 3>&- &
	hold=$!
	PIDS+=" $hold"
	wait_for "grep -q open '$BATS_TEST_TMPDIR/hold'"
	kill -9 "$SERVER_PID"
	wait "$SERVER_PID" || true
	# A waiter checks its peer's lock twice a second.
	wait_for "grep -q '^recv:' '$BATS_TEST_TMPDIR/hold'" 5
	cat "$BATS_TEST_TMPDIR/hold"
	grep -q '^recv: ECONNRESET' "$BATS_TEST_TMPDIR/hold"
	grep -q '^poll:.*POLLHUP' "$BATS_TEST_TMPDIR/hold"
	run "$CLIENT" --count 1 "shm:$NAME"
	[[ "$output" == *ENXIO* ]]
	start_server 4096
	run "$CLIENT" --count 20000 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lost=0"* ]]
}

@test "shm: a server that stops cleanly: the client drains, then ESHUTDOWN" {
	start_server
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" >"$BATS_TEST_TMPDIR/hold" 3>&- &
	hold=$!
	PIDS+=" $hold"
	wait_for "grep -q open '$BATS_TEST_TMPDIR/hold'"
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID"
	wait "$hold"
	cat "$BATS_TEST_TMPDIR/hold"
	grep -q '^recv: ESHUTDOWN' "$BATS_TEST_TMPDIR/hold"
	grep -q '^send: ESHUTDOWN' "$BATS_TEST_TMPDIR/hold"
}

@test "shm: damaged segments are refused with EPROTO and described, never crash" {
	"$KUCCTL" create --shm "$NAME" --size 4096
	good=$BATS_TEST_TMPDIR/good
	cp "$SEG" "$good"
	# byte offset, bytes to write, what kucctl show must say
	while read -r off bytes why; do
		cp "$good" "$SEG"
		printf "$bytes" | dd of="$SEG" bs=1 seek="$off" conv=notrunc status=none
		run timeout 10 "$SERVER" "$NAME"
		echo "$off $why: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"protocol error"* || "$output" == *"broken"* ]]
		run "$CLIENT" --count 1 "shm:$NAME"
		[ "$status" -eq 2 ]
		[[ "$output" == *EPROTO* ]]
		run "$KUCCTL" show "shm:$NAME"
		echo "$output"
		[[ "$output" == *"$why"* ]]
	done <<-'EOF'
	1 \x00 magic
	8 \x07 version
	16 \x00\x30 ring
	EOF
	cp "$good" "$SEG"
	truncate -s 8192 "$SEG"
	run "$CLIENT" --count 1 "shm:$NAME"
	[[ "$output" == *EPROTO* ]]
	run "$KUCCTL" show "shm:$NAME"
	echo "$output"
	[[ "$output" == *"size 8192"* ]]
	# A file of garbage.
	head -c 28672 /dev/urandom >"$SEG"
	run "$SERVER" "$NAME"
	[ "$status" -eq 1 ]
}

@test "shm: a client that writes impossible positions is dropped (EPROTO), the server serves on" {
	start_server
	run "$HOSTILE" client "$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"recv: EPROTO"* ]]
	kill -0 "$SERVER_PID"
	run "$CLIENT" --count 1000 "shm:$NAME"
	[ "$status" -eq 0 ]
	# Counted by the server, shown by kucctl show.
	run "$KUCCTL" show "shm:$NAME" --json
	echo "$output"
	jq -e '.protocol_errors == 1 and .connections == 2' <<<"$output"
}

@test "shm: a server that writes impossible positions: the client gets EPROTO, no crash, no hang" {
	"$KUCCTL" create --shm "$NAME"
	"$HOSTILE" server "$NAME" >"$BATS_TEST_TMPDIR/hostile" 3>&- &
	PIDS+=" $!"
	wait_for "grep -q serving '$BATS_TEST_TMPDIR/hostile'"
	run timeout 20 "$CLIENT" --count 1000 --timeout 5000 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *EPROTO* ]]
}

@test "shm: a peer that shrinks the segment breaks the channel and kills nobody (SIGBUS guard)" {
	start_server 4096
	"$CLIENT" --count 100000000 --timeout 5000 "shm:$NAME" \
		>"$BATS_TEST_TMPDIR/client" 2>&1 3>&- &
	cpid=$!
	PIDS+=" $cpid"
	sleep 1
	# What a hostile process with write access can do to both sides.
	truncate -s 0 "$SEG"
	rc=0
	timeout 20 tail --pid="$cpid" -f /dev/null || rc=$?
	[ "$rc" -eq 0 ]
	wait "$cpid" || rc=$?
	cat "$BATS_TEST_TMPDIR/client"
	# 135 would be 128 + SIGBUS: the client reports EPROTO and exits 2.
	[ "$rc" -eq 2 ]
	grep -q EPROTO "$BATS_TEST_TMPDIR/client"
	# The server lives on and stops cleanly.
	kill -0 "$SERVER_PID"
	kill -TERM "$SERVER_PID"
	rc=0
	wait "$SERVER_PID" || rc=$?
	cat "$BATS_TEST_TMPDIR/server.out"
	[ "$rc" -eq 0 ]
	grep -q "messages=" "$BATS_TEST_TMPDIR/server.out"
}

@test "shm: permission denied for a user the segment's mode excludes" {
	"$KUCCTL" create --shm "$NAME" --mode 0600
	start_server
	if [ "$(id -u)" = 0 ]; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$CLIENT" --count 1 "shm:$NAME"
	else
		chmod 0000 "$SEG"
		run "$CLIENT" --count 1 "shm:$NAME"
	fi
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *EACCES* ]]
}

@test "shm: an idle client sleeps: only its twice-a-second liveness checks wake it" {
	start_server
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" >"$BATS_TEST_TMPDIR/hold" 3>&- &
	pid=$!
	PIDS+=" $pid"
	wait_for "grep -q open '$BATS_TEST_TMPDIR/hold'"
	# The server's endpoint thread: 100 Hz work and 1 Hz timer wakeups
	# are the endpoint model's; between them it sleeps. Count the
	# client's context switches over 2 s: a busy poller would make
	# thousands.
	v0=$(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$pid/status)
	sleep 2
	v1=$(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$pid/status)
	note "idle client: $((v1 - v0)) wakeups in 2 s"
	[ $((v1 - v0)) -le 10 ]
}

@test "shm: the fuzz seeds carry the current layout version (a stale one fuzzes only the refusal)" {
	top=$BATS_TEST_DIRNAME/../..
	want=$(sed -n 's/^#define KUCOMMS_SHM_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
		"$top/include/kucomms/kucomms_shm.h")
	[ -n "$want" ]
	n=0
	for f in "$top"/tests/fuzz/corpus/shm/*; do
		# The mode byte, then the header: abi_version at its offset 8.
		got=$(od -An -tu4 -j9 -N4 "$f" | tr -d ' ')
		echo "$f: layout version $got, expected $want"
		[ "$got" = "$want" ]
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
