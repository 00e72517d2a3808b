# shellcheck shell=bash
# kuc_alone, for what runs inside the test VM and changes the kernel's
# text: the VM suites (tests/bats/common.bash) and make bench's guest
# part (bench/guest).

# kuc_alone SHELL-COMMAND: run the command with every CPU but the first
# offline, then bring them back; its status is the command's. For what
# rewrites the kernel's text: enabling or disabling a tracepoint or a
# kprobe, switching the preemption model. Under TCG a vCPU that ran such
# a site while another one patched it executed the patch's int3 after
# the patch was done: a 6.12 run died with "Oops: int3" in mutex_lock(),
# the tap's static key did the same once, and a 6.1 guest's CPU stayed
# wedged (a 20-minute soft lockup) in the shell that enabled a kprobe.
# Alone, the one CPU cannot run text that is being changed.
kuc_alone() {
	local c rc=0 off=()
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -w "$c" ] && [ "$(cat "$c")" = 1 ] || continue
		echo 0 >"$c" && off+=("$c")
	done
	eval "$1" || rc=$?
	for c in "${off[@]}"; do
		echo 1 >"$c"
	done
	return $rc
}
