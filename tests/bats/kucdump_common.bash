# shellcheck shell=bash
# Helpers for the kucdump suites: tests/bats/kucdump.bats (devices, in the
# VM) and tests/host/kucdump_shm.bats (shm segments, on the host). The
# caller sets KUCDUMP and kills the pids in KUC_DUMP_PIDS in its teardown.

# dump_start NAME ARGS...: run kucdump ARGS in the background, stdout to
# $BATS_TEST_TMPDIR/NAME.out, stderr to NAME.err; return once it listens.
dump_start() {
	local name=$1 i
	shift
	"$KUCDUMP" "$@" >"$BATS_TEST_TMPDIR/$name.out" \
		2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	eval "DUMP_$name=$!"
	KUC_DUMP_PIDS+=" $!"
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$BATS_TEST_TMPDIR/$name.err" && return 0
		if ! kill -0 "$!" 2>/dev/null; then
			cat "$BATS_TEST_TMPDIR/$name.err"
			echo "kucdump exited early" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "kucdump did not start listening" >&2
	return 1
}

# dump_stop NAME [SIGNAL]: stop it and wait; $dump_status is its status.
dump_stop() {
	local pid
	eval "pid=\$DUMP_$1"
	kill -"${2:-TERM}" "$pid"
	dump_status=0
	wait "$pid" || dump_status=$?
	cat "$BATS_TEST_TMPDIR/$1.err"
}

# dump_counts NAME: "N M", the captured and dropped counts in kucdump
# NAME's summary on stderr: "N captured, M dropped", or with --json
# {"captured":N,"dropped":M}.
dump_counts() {
	sed -n -e 's/^\([0-9]*\) captured, \([0-9]*\) dropped$/\1 \2/p' \
		-e 's/^{"captured":\([0-9]*\),"dropped":\([0-9]*\)}$/\1 \2/p' \
		"$BATS_TEST_TMPDIR/$1.err"
}

# Wait for kucdump NAME to exit by itself (-c, removal).
dump_wait() {
	local pid
	eval "pid=\$DUMP_$1"
	dump_status=0
	wait "$pid" || dump_status=$?
	cat "$BATS_TEST_TMPDIR/$1.err"
}

# The JSON lines of NAME without the time stamps (they cannot be known).
# Not with jq: it rounds integers beyond 2^53.
json_no_ts() {
	sed 's/^{"ts":"[0-9]*\.[0-9]\{9\}",/{/' "$BATS_TEST_TMPDIR/$1.out"
}
