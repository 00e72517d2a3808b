# shellcheck shell=bash
# Shared by the host suites on shared-memory channels (no module, no VM):
# paths to the build, a segment name of the test's own, the userspace
# echo server (examples/echo/echo_handlers.c, the kernel module's own
# handler source), and the cleanup of what a test started.

load ../bats/helpers

# shm_setup PREFIX: names for this test. /dev/shm is shared with
# everyone, so the name is unique per run and test.
shm_setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	B=$TOP/build
	KUCCTL=$B/kucctl
	KUCSEND=$B/kucsend
	KUCDUMP=$B/kucdump
	CLIENT=$B/progs/kuc_echo_client
	SENDMSG=$B/progs/kuc_sendmsg
	HOSTILE=$B/progs/kuc_shm_hostile
	SERVER=$B/examples/kucomms_echo_user
	NAME=kucomms_$1${BATS_ROOT_PID}_${BATS_TEST_NUMBER}
	CH=shm:$NAME
	SEG=/dev/shm/$NAME
	PIDS=""
	SERVER_PID=""
}

# Ends what the test started (PIDS, kucdump readers) and removes the
# segment.
shm_teardown() {
	# shellcheck disable=SC2086 # lists of pids
	kuc_reap $PIDS ${KUC_DUMP_PIDS:-}
	rm -f "$SEG"
}

# Serve $NAME with the userspace echo (rings of $1 bytes, default 64 KiB).
start_server() {
	"$SERVER" -c ${1:+-s "$1"} "$NAME" >"$BATS_TEST_TMPDIR/server.out" 3>&- &
	SERVER_PID=$!
	PIDS+=" $SERVER_PID"
	wait_for "grep -q serving '$BATS_TEST_TMPDIR/server.out'"
}

# Start kucsend -i on $CH reading the fifo the test writes to on fd 7,
# its output (both streams) in $BATS_TEST_TMPDIR/out; REPL_PID is it.
repl_on_fifo() {
	local fifo=$BATS_TEST_TMPDIR/in
	mkfifo "$fifo"
	"$KUCSEND" -i "$CH" <"$fifo" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	REPL_PID=$!
	PIDS+=" $REPL_PID"
	exec 7>"$fifo"
}
