#!/usr/bin/env bats
# Zero-copy delivery (KUCOMMS_EP_ZEROCOPY, kucomms_register(9)): the
# message handler reads the data in the shared ring. kucomms_echo.ko
# loaded with zerocopy=1 must echo every size intact; kuc_testep.ko's
# TESTEP_PROBE shows the handler really reads the ring (a rewrite after
# publishing reaches it, which a private copy never shows); a client that
# rewrites its published data all the time must not hurt the kernel
# (tests/vm/run fails the run on any BUG, WARNING or KASAN report).
# Runs in the VM as root.

load common
load kucdump_common

DEV=kucomms_echo
ZC=$KUC_BUILD/progs/kuc_zerocopy
KUCDUMP=$KUC_BUILD/kucdump
TDEV=kucomms_testep
TPAR=/sys/module/kuc_testep/parameters

setup() {
	kuc_load
	echo "$DEV" >"$KUC_CTL/create_device"
	insmod "$KUC_ECHO_MODULE" zerocopy=1
}

teardown() {
	if [ -d /sys/module/kuc_testep ]; then
		rmmod kuc_testep
	fi
	kuc_echo_down
}

zc_echo() {
	run "$ZC" echo "$DEV" "$1" "$2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "echoed $2 of $3 bytes" ]
}

@test "the echo module opted in: its parameter says so" {
	[ "$(cat /sys/module/kucomms_echo/parameters/zerocopy)" = Y ]
}

@test "zerocopy switched on and off while a client streams: every echo intact" {
	local p=/sys/module/kucomms_echo/parameters/zerocopy i
	# The flag is read once per batch; each batch goes one way or the other.
	(for ((i = 0; i < 400; i++)); do echo $((i % 2)) >"$p"; done) &
	zc_echo 4096 2000 4096
	wait $!
	echo 1 >"$p"
}

@test "a zero-copy endpoint echoes 64 B, 4 KiB and msg_max messages intact" {
	zc_echo 64 2000 64
	zc_echo 4096 500 4096
	# The device's default ring: 64 KiB, msg_max 65504.
	zc_echo max 50 65504
	zc_echo 0 10 0
}

@test "a zero-copy handler reads the shared ring: a rewrite after publishing reaches it" {
	echo "$TDEV" >"$KUC_CTL/create_device"
	insmod "$KUC_TESTEP_MODULE" zerocopy=1
	run "$ZC" probe "$TDEV" "$TPAR/probing"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "the handler saw the rewrite" ]
}

@test "a client rewriting its published data all the time hurts nothing (tap on)" {
	# The tap copies every byte of each message out of the ring too.
	dump_start a -q -s 0 -B 16384 "$DEV"
	run "$ZC" rewrite "$DEV" 5000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "5000 replies, ring rewritten "* ]]
	dump_stop a
	[ "$dump_status" -eq 0 ]
	note "rewrite: $output; kucdump: $(dump_counts a)"
	# The connection stayed healthy, and so does the device.
	[ "$(cat /sys/class/kucomms/$DEV/protocol_errors)" = 0 ]
	zc_echo 4096 100 4096
}
