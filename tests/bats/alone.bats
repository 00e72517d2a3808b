#!/usr/bin/env bats
# kucomms_alone, the kit's bats helper (kit/bats/load.bash) that runs a
# command with one CPU online, on the VM's real CPUs (the host's are not
# for taking offline; tests/host/bats_lib.bats covers its bookkeeping on a
# fake tree): inside the command only CPU 0 is online, after it the same
# CPUs as before, also when the command fails, whose status comes back;
# not root, it says so and runs nothing. And the suites' kuc_alone, which
# is kucomms_alone on an evaluated string. Runs in the VM as root.

load common

CPUS=/sys/devices/system/cpu/online

setup() {
	before=$(cat $CPUS)
	[ "$before" != 0 ] || skip "one CPU online: nothing to take offline (vm/run --smp 1)"
}

teardown() {
	# Whatever a broken kucomms_alone left offline, for the tests after.
	local c
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		echo 1 >"$c"
	done
}

@test "kucomms_alone: only CPU 0 online inside the command, the same CPUs after" {
	seen() { seen_online=$(cat $CPUS) seen_args=$#:$*; }
	kucomms_alone seen "a b" ''
	[ "$seen_online" = 0 ]
	[ "$seen_args" = "2:a b " ]
	[ "$(cat $CPUS)" = "$before" ]
}

@test "kucomms_alone: the command's failure status comes back, and so do the CPUs" {
	run kucomms_alone sh -c "cat $CPUS; exit 3"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "$output" = 0 ]
	[ "$(cat $CPUS)" = "$before" ]
}

@test "kucomms_alone: not root, one line and no command; nothing goes offline" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash -c ". '$KUC_TOP/kit/bats/load.bash'; kucomms_alone echo ran"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "kucomms_alone: cannot take CPU 1 offline (/sys/devices/system/cpu/cpu1/online: Permission denied)" ]
	[ "$(cat $CPUS)" = "$before" ]
}

@test "kuc_alone (the suites' string form) is kucomms_alone" {
	run kuc_alone "cat $CPUS >&2; false"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = 0 ]
	[ "$(cat $CPUS)" = "$before" ]
}
