#!/usr/bin/env bats
# Self-tests of tests/vm/run, on the host: the harness must report the
# command's status, give it the promised environment, and fail a run whose
# kernel log shows a warning, whose kernel stalls or whose command outlives
# the time-out.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	RUN=$TOP/tests/vm/run
	. "$TOP/scripts/kernel-env.sh"
}

teardown() {
	[ -z "${VM_USER:-}" ] || userdel "$VM_USER"
	[ -z "${VM_HOME:-}" ] || rm -rf "$VM_HOME"
}

@test "vm/run --help explains usage and exits 0" {
	run "$RUN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: kucomms-vm"*"--load FILE"* ]]
}

@test "vm/run rejects an unknown option" {
	run "$RUN" --bogus -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown option '--bogus'"* ]]
}

@test "vm/run --kernel refuses an unknown lane and a lane that is only compiled against" {
	run "$RUN" --kernel 2.4 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown kernel '2.4' (one of: 6.1 debug 6.12 6.12-rt newest)"* ]]
	run "$RUN" --kernel newest -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"the newest lane is compiled against, not booted"* ]]
}

@test "the guest runs CMD as root on the headers' kernel, in the same directory, and returns its status" {
	cd "$TOP/tests"
	KUC_VM_APPEND=kuc.harness_probe=1 run "$RUN" -- bash -c '
		grep -qw kuc.harness_probe=1 /proc/cmdline && echo append-ok
		echo "uid=$(id -u) rel=$(uname -r) pwd=$PWD"
		echo data >/tmp/t && cat /tmp/t
		echo shm >/dev/shm/s && cat /dev/shm/s
		touch "$PWD/overlay-write" && echo overlay-ok
		test -c /dev/null && test -d /proc/self && test -d /sys/kernel && echo fs-ok
		exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" == *"uid=0 rel=$KREL pwd=$TOP/tests"* ]]
	[[ "$output" == *data* && "$output" == *shm* ]]
	[[ "$output" == *overlay-ok* && "$output" == *fs-ok* ]]
	[[ "$output" == *append-ok* ]]
	[[ "$output" == *"vm/run: booting kernel $KREL"* ]]
	# Writes stay in the guest's tmpfs overlay.
	[ ! -e "$TOP/tests/overlay-write" ]
	grep -q 'kucomms-vm: the command exited with status 7' "$TOP/build/vm/last-kernel.log"
}

@test "a working directory under the host's /tmp is kept and usable" {
	dir=$(mktemp -d /tmp/kuc-harness.XXXXXX)
	printf '#!/bin/sh\necho "from-tmp $(basename "$PWD")"\n' >"$dir/hello"
	chmod +x "$dir/hello"
	cd "$dir"
	run "$RUN" -- ./hello
	rm -rf "$dir"
	[ "$status" -eq 0 ]
	[[ "$output" == *"from-tmp ${dir##*/}"* ]]
}

@test "a WARNING in the kernel log fails the run even when CMD succeeds" {
	run "$RUN" -- insmod "$TOP/tests/vm/warnmod/kuc_warn_test.ko"
	[ "$status" -eq 126 ]
	[[ "$output" == *"vm/run: FAIL: the kernel log shows problems"* ]]
	[[ "$output" == *"WARNING: CPU:"*"kuc_warn_test"* ]]
}

# The guest's soft lockup threshold goes down to 2 s (watchdog_thresh=1)
# and the test module spins 8 s with preemption off; CMD would then sleep
# past the time-out, so a runner that does not stop a stalled VM ends with
# 124 after 300 s, not 126.
@test "a soft lockup stops the VM soon after the report, before CMD ends" {
	KUC_VM_STALL_GRACE=3 run "$RUN" --timeout 300 -- sh -c \
		"echo 1 >/proc/sys/kernel/watchdog_thresh && insmod '$TOP/tests/vm/warnmod/kuc_warn_test.ko' stall_s=8 && sleep 600"
	echo "$output"
	[ "$status" -eq 126 ]
	[[ "$output" == *"vm/run: FAIL: the kernel reported a stall; the VM was stopped 3s later, before CMD finished"* ]]
	[[ "$output" == *"soft lockup"* ]]
}

@test "KUC_VM_STALL_GRACE must be a number of seconds" {
	KUC_VM_STALL_GRACE=soon run "$RUN" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"KUC_VM_STALL_GRACE must be a number of seconds, not 'soon'"* ]]
}

@test "a command that outlives --timeout fails the run" {
	run "$RUN" --timeout 25 -- sleep 600
	[ "$status" -eq 124 ]
	[[ "$output" == *"time-out after 25s"* ]]
}

# kucomms-vm(1) promises a user no root beyond QEMU's and no terminal (CI):
# a throwaway user with a user's PATH (no sbin) and its own cache, in a
# session of its own with no terminal, runs the runner from a copy of its
# files (the tree may be unreadable to others).
@test "a user other than root, without a terminal, fetches the kernel into its cache, boots, loads kucomms.ko and gets CMD's status" {
	[ "$(id -u)" = 0 ] || skip "creating a throwaway user needs root"
	[ -f "$TOP/module/kucomms.ko" ] || skip "module/kucomms.ko not built"
	VM_USER=kucvm$$
	useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh "$VM_USER"
	VM_HOME=$(mktemp -d /tmp/kuc-user.XXXXXX)
	mkdir -p "$VM_HOME/src/kit" "$VM_HOME/src/scripts"
	cp -r "$TOP/kit/vm" "$VM_HOME/src/kit/"
	cp "$TOP/scripts/kernels.sh" "$TOP/scripts/kernel-env.sh" "$VM_HOME/src/scripts/"
	cp "$TOP/module/kucomms.ko" "$VM_HOME/"
	chown -R "$VM_USER" "$VM_HOME"
	chmod 755 "$VM_HOME"
	cd "$VM_HOME"
	run setsid -w runuser -u "$VM_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME="$VM_HOME" XDG_CACHE_HOME="$VM_HOME/cache" \
		${KUC_VM_LOCK:+KUC_VM_LOCK="$KUC_VM_LOCK"} "$VM_HOME/src/kit/vm/kucomms-vm" \
		--kucomms "$VM_HOME/kucomms.ko" --timeout 600 -- \
		sh -c 'grep "^kucomms " /proc/modules >/dev/null && echo "loaded uid=$(id -u) pwd=$PWD"; exit 7' \
		</dev/null
	echo "$output"
	[ "$status" -eq 7 ]
	[[ $output == *"kucomms-vm: booting kernel $KREL"* ]]
	[[ $output == *"loaded uid=0 pwd=$VM_HOME"* ]]
	[ -f "$VM_HOME/cache/kucomms/kernels/$KREL/root/boot/vmlinuz-$KREL" ]
}
