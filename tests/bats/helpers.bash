# shellcheck shell=bash
# Helpers for every bats suite, in the VM (tests/bats) and on the host
# (tests/host): nothing here needs the module or the VM.

# Fail the test with a message (bats prints it with the failure).
kuc_fail() {
	echo "$*" >&2
	return 1
}

# A figure to report: shown in the TAP output as a comment.
note() {
	echo "# $*" >&3
}

# Wait up to $2 seconds (default 10) until the shell condition $1 holds.
wait_for() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	kuc_fail "timed out waiting for: $1"
}

# kuc_term_ok PID: SIGTERM ends the background process PID with
# status 0 (kucctl monitor).
kuc_term_ok() {
	local status=0
	kill -TERM "$1"
	wait "$1" || status=$?
	[ "$status" -eq 0 ] || kuc_fail "process $1 exited $status on SIGTERM"
}

# kuc_reap PID...: end background processes of a test (stopped ones
# too) and collect them; gone ones are fine.
kuc_reap() {
	local pid
	for pid in "$@"; do
		kill -CONT "$pid" 2>/dev/null || true
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
