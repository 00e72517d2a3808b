# shellcheck shell=bash
# Shared by the kucsend suites. The channel they talk to is chosen here
# only: kucsend_channel_up sets KUCSEND_CHANNEL and makes it answer like
# kucomms_echo (every message back; type ECHO_BCAST to every connection).
# Today that is the kernel's kucomms_echo in the VM; a shm variant only
# has to set KUCSEND_CHANNEL=shm:NAME and start a userspace echo here.

load common

KUCSEND=$KUC_BUILD/kucsend
ECHO_BCAST=2964179543	# ECHO_TYPE_BROADCAST, 0xb0adca57
KUCSEND_DEV=kucomms_echo

kucsend_channel_up() {
	kuc_load
	echo "$KUCSEND_DEV" >"$KUC_CTL/create_device"
	insmod "$KUC_ECHO_MODULE"
	KUCSEND_CHANNEL=echo
}

kucsend_channel_down() {
	local pid
	for pid in ${KUC_BG_PIDS:-}; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -d /sys/module/kucomms_echo ]; then
		rmmod kucomms_echo
	fi
	kuc_loaded && kuc_remove_all
	kuc_unload || true
}

# Messages the endpoint received so far (to prove nothing was sent).
kucsend_msgs_in() {
	cat "/sys/class/kucomms/$KUCSEND_DEV/msgs_in"
}

# A figure to report: shown in the TAP output.
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
