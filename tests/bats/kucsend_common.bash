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
	kuc_echo_up
	KUCSEND_CHANNEL=echo
}

kucsend_channel_down() {
	kuc_echo_down
}

# Messages the endpoint received so far (to prove nothing was sent).
kucsend_msgs_in() {
	cat "/sys/class/kucomms/$KUCSEND_DEV/msgs_in"
}

