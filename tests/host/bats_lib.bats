#!/usr/bin/env bats
# kucomms' bats library for users' tests (kit/bats/load.bash), on the host
# over a shared-memory channel served by the userspace echo: sending and
# checking replies, no reply, and the kucdump capture. The device side
# (modules, devices, counters) runs in the end-to-end test of the kit
# (tests/host/kit_e2e.bats). kucomms_alone runs here only on a fake CPU
# tree (this machine's CPUs are not for taking offline): which CPUs it
# takes offline and brings back, and its errors; on the VM's real CPUs
# it runs in tests/bats/alone.bats.

load shm_common

setup() {
	shm_setup kb
	PATH=$B:$PATH
	load ../../kit/bats/load
	start_server
}

teardown() {
	kucomms_dump_stop >/dev/null
	shm_teardown
}

@test "bats library: kucomms_send and kucomms_assert_reply check each field, text and hex" {
	kucomms_send "$CH" '{"type": 3, "id": 4, "value": 5, "data": "hi!"}'
	[ "$kucomms_reply" = '{"type":3,"id":4,"value":5,"length":3,"data":{"hex":"686921"}}' ]
	kucomms_assert_reply type=3 id=4 value=5 length=3 text=hi! hex=686921
	kucomms_assert_reply hex=686921 text=hi!
	run kucomms_assert_reply type=3 value=6 text=ho
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"reply field value: expected '6', got '5'"* ]]
	[[ $output == *"reply field text: expected 'ho', got 'hi!'"* ]]
	[[ $output != *"field type"* ]]
	run kucomms_assert_reply colour=blue
	[ "$status" -eq 1 ]
	kucomms_send "$CH" '{"data": {"hex": "00ff"}}'
	kucomms_assert_reply hex=00FF length=2
}

@test "bats library: kucomms_assert_no_reply fails when a reply comes; kucomms_send when none does" {
	run kucomms_assert_no_reply "$CH" '{"id": 1}' 0.5
	[ "$status" -eq 1 ]
	[[ $output == *"expected no reply"* ]]
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	run kucomms_send "$CH" '{"id": 1}' --timeout 0.3
	[ "$status" -eq 1 ]
	[[ $output == *"kucsend exited with status"* ]]
}

@test "bats library: kucomms_dump_start captures the traffic that kucomms_dump_stop shows" {
	kucomms_dump_start "$CH"
	kucomms_send "$CH" '{"type": 77, "data": "seen-by-kucdump"}'
	run kucomms_dump_stop
	echo "$output"
	[[ $output == *"kucdump: the test's traffic"* ]]
	[ "$(grep -c 'type=77' <<<"$output")" -eq 2 ]
	[[ $output == *"2 captured"* ]]
}

# fake_cpus ONLINE N...: point kucomms_alone at a new fake CPU tree in
# $BATS_TEST_TMPDIR whose online list reads ONLINE and whose CPUs N...
# have online files reading 1.
fake_cpus() {
	local n
	kucomms_cpu=$BATS_TEST_TMPDIR/cpu
	rm -rf "$kucomms_cpu"
	mkdir "$kucomms_cpu"
	echo "$1" >"$kucomms_cpu/online"
	shift
	for n in "$@"; do
		mkdir -p "$kucomms_cpu/cpu$n"
		echo 1 >"$kucomms_cpu/cpu$n/online"
	done
}

# The online files of the fake CPUs N..., as "N=VALUE ...".
fake_state() {
	local n
	for n in "$@"; do
		printf '%s=%s ' "$n" "$(cat "$kucomms_cpu/cpu$n/online")"
	done
}

@test "bats library: kucomms_alone without a command, or without CPUs to read, says so in one line" {
	run kucomms_alone
	[ "$status" -eq 1 ]
	[ "$output" = "kucomms_alone: no command (kucomms_alone CMD [ARG...])" ]
	kucomms_cpu=$BATS_TEST_TMPDIR/none
	run kucomms_alone echo ran
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "kucomms_alone: cannot read $kucomms_cpu/online" ]
}

@test "bats library: kucomms_alone takes offline all the online CPUs but the first and brings exactly those back" {
	fake_cpus 0-2,4 0 1 2 3 4
	echo 0 >"$kucomms_cpu/cpu3/online"
	[[ $kucomms_cpu == "$BATS_TEST_TMPDIR"/* ]]
	# A function runs in the test's shell and gets its words as they are.
	seen() { seen_state=$(fake_state 0 1 2 3 4) seen_args=$#:$*; }
	kucomms_alone seen "a b" '*' ''
	[ "$seen_state" = "0=1 1=0 2=0 3=0 4=0 " ]
	[ "$seen_args" = '3:a b * ' ]
	[ "$(fake_state 0 1 2 3 4)" = "0=1 1=1 2=1 3=0 4=1 " ]
	# The command's status, and the CPUs back after a failure.
	run kucomms_alone sh -c 'exit 3'
	[ "$status" -eq 3 ]
	[ "$(fake_state 0 1 2 3 4)" = "0=1 1=1 2=1 3=0 4=1 " ]
	# The first online CPU stays, whichever it is.
	fake_cpus 2-3 2 3
	kucomms_alone true
	[ "$(fake_state 2 3)" = "2=1 3=1 " ]
	run kucomms_alone cat "$kucomms_cpu/cpu2/online" "$kucomms_cpu/cpu3/online"
	[ "$output" = "$(printf '1\n0')" ]
}

@test "bats library: kucomms_alone runs nothing when a CPU cannot go offline, and says when one cannot come back" {
	fake_cpus 0-3 0 1 2 3
	[[ $kucomms_cpu == "$BATS_TEST_TMPDIR"/* ]]
	# CPU 2 cannot be taken offline: one line, CPU 1 back, no command.
	rm "$kucomms_cpu/cpu2/online"
	mkdir "$kucomms_cpu/cpu2/online"
	run kucomms_alone echo ran
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "kucomms_alone: cannot take CPU 2 offline ($kucomms_cpu/cpu2/online: Is a directory)" ]
	[ "$(fake_state 1 3)" = "1=1 3=1 " ]
	# CPU 1 cannot come back: said, and a failure even when the command
	# succeeded; CPU 3 comes back all the same.
	fake_cpus 0-3 0 1 2 3
	breaks1() { rm "$kucomms_cpu/cpu1/online"; mkdir "$kucomms_cpu/cpu1/online"; }
	run kucomms_alone breaks1
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "kucomms_alone: CPU 1 stays offline: cannot bring it back ($kucomms_cpu/cpu1/online: Is a directory)" ]
	[ "$(fake_state 2 3)" = "2=1 3=1 " ]
	# ... and the command's own failure status when it had one.
	fake_cpus 0-1 0 1
	fails1() { breaks1; return 4; }
	run kucomms_alone fails1
	[ "$status" -eq 4 ]
	[[ $output == *"CPU 1 stays offline"* ]]
}
