#!/usr/bin/env bats
# The connect and disconnect handlers in userspace, on the host: a shm
# server (tests/progs/kuc_conn_events.c, handlers written against
# kucomms/kucomms_endpoint.h) prints every event of its endpoint thread
# in order. Each client gets connect before its first message and
# disconnect after its last, with its own connection id, whether it
# closes, is killed or breaks its ring; a server that stops says no
# disconnect (as kucomms_unregister() in the kernel).

load shm_common

setup() {
	shm_setup c
	EVENTS=$BATS_TEST_TMPDIR/events
	"$KUCCTL" create --shm "$NAME" --size 4096
	"$B/progs/kuc_conn_events" "$NAME" >"$EVENTS" 3>&- &
	SERVER_PID=$!
	PIDS+=" $SERVER_PID"
	wait_for "grep -q serving '$EVENTS'"
}

teardown() {
	shm_teardown
}

# expect_client CONN N: what a client numbered CONN that sent the N
# messages 1..N and closed must have caused, in this order.
expect_client() {
	echo "connect $1"
	[ "$2" -eq 0 ] || seq 1 "$2" | sed "s/^/message $1 /"
	echo "disconnect $1"
}

# The events so far (without the "serving" line).
events() {
	grep -v '^serving$' "$EVENTS"
}

@test "shm connect: a client sends 1000 messages and closes: connect, the 1000 in order, disconnect" {
	run "$SENDMSG" --burst 1000 "shm:$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for "grep -q '^disconnect 1$' '$EVENTS'"
	diff <(expect_client 1 1000) <(events)
}

@test "shm connect: two clients one after the other: two pairs, ids 1 and 2" {
	"$SENDMSG" --burst 300 "shm:$NAME"
	# A client that attaches resets the ring: quicker than the server's
	# drain, it would lose the last one's messages (the transport's
	# race, not the handlers').
	wait_for "grep -q '^disconnect 1$' '$EVENTS'"
	"$SENDMSG" --burst 5 "shm:$NAME"
	wait_for "grep -q '^disconnect 2$' '$EVENTS'"
	diff <({ expect_client 1 300; expect_client 2 5; }) <(events)
}

@test "shm connect: 20 clients in quick succession: each disconnect before the next connect" {
	for i in $(seq 20); do
		"$SENDMSG" --burst 0 "shm:$NAME" >/dev/null
	done
	wait_for "grep -q '^disconnect 20$' '$EVENTS'"
	diff <(for i in $(seq 20); do expect_client "$i" 0; done) <(events)
}

@test "shm connect: a client killed with -9 gets its disconnect within the liveness probe" {
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" \
		>"$BATS_TEST_TMPDIR/hold" 3>&- &
	pid=$!
	PIDS+=" $pid"
	wait_for "grep -q '^connect 1$' '$EVENTS'"
	t0=${EPOCHREALTIME/./}
	kill -9 "$pid"
	wait_for "grep -q '^disconnect 1$' '$EVENTS'" 5
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	note "killed client: disconnect after $ms ms (probe every 500 ms)"
	[ "$ms" -le 1500 ]
	"$SENDMSG" --burst 3 "shm:$NAME"
	wait_for "grep -q '^disconnect 2$' '$EVENTS'"
	diff <({ expect_client 1 0; expect_client 2 3; }) <(events)
}

@test "shm connect: a client that breaks its ring gets its disconnect; the next is served" {
	run "$HOSTILE" client "$NAME"
	echo "$output"
	[[ "$output" == *"recv: EPROTO"* ]]
	wait_for "grep -q '^disconnect 1$' '$EVENTS'"
	"$SENDMSG" --burst 3 "shm:$NAME"
	wait_for "grep -q '^disconnect 2$' '$EVENTS'"
	diff <({ expect_client 1 0; expect_client 2 3; }) <(events)
}

@test "shm connect: a server that stops with a client connected says no disconnect" {
	"$CLIENT" --mode hold --timeout 60000 "shm:$NAME" \
		>"$BATS_TEST_TMPDIR/hold" 3>&- &
	hold=$!
	PIDS+=" $hold"
	wait_for "grep -q '^connect 1$' '$EVENTS'"
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID"
	wait "$hold"
	grep -q '^recv: ESHUTDOWN' "$BATS_TEST_TMPDIR/hold"
	diff <(printf 'connect 1\nstopped\n') <(events)
}
