#!/usr/bin/env bats
# kucctl monitor against the real module, in the VM as root: the
# module's events (devices, connections, endpoints) over generic netlink,
# with pids and process names, in order; a non-root monitor; the module
# unloaded and loaded again under a running monitor; lost events.

bats_require_minimum_version 1.5.0

load common

setup() {
	kuc_load
	MON_OUT=$BATS_TEST_TMPDIR/mon.out
	MON_ERR=$BATS_TEST_TMPDIR/mon.err
	SYNC=kucomms_monsync
}

teardown() {
	kuc_echo_down
}

# mon_start [CMD...] -- ARGS: kucctl monitor ARGS in the background
# (MON_PID; CMD runs it, e.g. setpriv), returning once it hears the
# module: a probe device is made and removed until its device-add shows.
mon_start() {
	local pre=() i
	while [ "$1" != -- ]; do
		pre+=("$1")
		shift
	done
	shift
	"${pre[@]}" "$KUCCTL" monitor "$@" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	KUC_BG_PIDS="${KUC_BG_PIDS:-} $MON_PID"
	for ((i = 0; i < 50; i++)); do
		kuc_create "$SYNC" >/dev/null
		sleep 0.2
		kuc_remove "$SYNC" >/dev/null
		grep -q "$SYNC" "$MON_OUT" && return 0
	done
	kuc_fail "monitor never reported the probe device (stderr: $(cat "$MON_ERR"))"
}
# The events of kucomms_echo: "EVENT PID COMM OWNER CONN" (- if absent).
mon_events() {
	jq -r 'select(.name == "kucomms_echo") |
		"\(.event) \(.pid // "-") \(.comm // "-") \(.owner // "-") \(.conn // "-")"' \
		"$MON_OUT"
}

@test "monitor --json: device, endpoint and connection events in order, with pids" {
	mon_start -- --json
	"$KUCCTL" create kucomms_echo &
	addpid=$!
	wait "$addpid"
	insmod "$KUC_ECHO_MODULE" &
	inspid=$!
	wait "$inspid"
	"$KUC_BUILD/progs/kuc_errno" open /dev/kucomms_echo >"$BATS_TEST_TMPDIR/open.out" &
	cpid=$!
	wait "$cpid"
	[ "$(cat "$BATS_TEST_TMPDIR/open.out")" = OK ]
	rmmod kucomms_echo &
	rmpid=$!
	wait "$rmpid"
	"$KUCCTL" remove kucomms_echo &
	delpid=$!
	wait "$delpid"
	wait_for "mon_events | grep -q device-remove"
	kuc_term_ok "$MON_PID"
	run mon_events
	[ "$output" = "device-add $addpid kucctl - -
endpoint-add $inspid insmod kucomms_echo -
conn-open $cpid kuc_errno - 1
conn-close $cpid kuc_errno - 1
endpoint-remove $rmpid rmmod kucomms_echo -
device-remove $delpid kucctl - -" ] || kuc_fail "events: $output"
	jq -e -s 'all(.[]; .source == "kernel" and
		(.time | test("^[0-9-]+T[0-9:.]+Z$")))' "$MON_OUT"
}

@test "monitor: text lines, the connection's opener named on close" {
	kuc_echo_up
	mon_start -- --kernel
	# The file is closed by the shell (not the opener's process).
	exec 5<>/dev/kucomms_echo
	exec 5>&-
	wait_for "grep -q 'conn-close kucomms_echo' '$MON_OUT'"
	kuc_term_ok "$MON_PID"
	grep -Eq "^[0-9-]+T[0-9:.]+Z kernel conn-open kucomms_echo conn=1 pid=$BASHPID comm=[^ ]+\$" "$MON_OUT"
	grep -Eq "^[0-9-]+T[0-9:.]+Z kernel conn-close kucomms_echo conn=1 pid=$BASHPID comm=[^ ]+\$" "$MON_OUT"
}

@test "monitor: a user other than root receives the events" {
	kuc_echo_up
	cp "$KUCCTL" "$BATS_TEST_TMPDIR/kucctl"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/kucctl"
	KUCCTL=$BATS_TEST_TMPDIR/kucctl
	mon_start setpriv --reuid=65534 --regid=65534 --clear-groups -- --json --kernel
	exec 5<>/dev/kucomms_echo
	exec 5>&-
	wait_for "mon_events | grep -q conn-close"
	kuc_term_ok "$MON_PID"
	[ ! -s "$MON_ERR" ] || kuc_fail "stderr: $(cat "$MON_ERR")"
}

@test "monitor: the module unloaded and loaded again under it" {
	mon_start -- --kernel
	kuc_unload
	wait_for "grep -q 'kernel module-unload' '$MON_OUT'"
	kuc_load
	wait_for "grep -q 'kernel module-load' '$MON_OUT'"
	kuc_create kucomms_echo
	wait_for "grep -q 'device-add kucomms_echo' '$MON_OUT'"
	kuc_term_ok "$MON_PID"
}

@test "monitor: a stalled monitor loses events and says so; the kernel does not queue them" {
	kuc_echo_up
	mon_start -- --json --kernel
	kill -STOP "$MON_PID"
	# Opened and closed by the shell itself: thousands of events fast.
	for ((i = 0; i < 1000; i++)); do
		exec 5<>/dev/kucomms_echo
		exec 5>&-
	done
	kill -CONT "$MON_PID"
	wait_for "grep -q '\"event\":\"lost\"' '$MON_OUT'"
	# After the loss the monitor goes on.
	exec 5<>/dev/kucomms_echo
	exec 5>&-
	wait_for "grep -q '\"conn\":1001' '$MON_OUT'"
	kuc_term_ok "$MON_PID"
	n=$(grep -c conn-open "$MON_OUT")
	[ "$n" -lt 1001 ] || kuc_fail "no event was dropped ($n opens seen)"
}
