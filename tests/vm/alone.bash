# shellcheck shell=bash
# kuc_alone, for what runs inside the test VM and changes the kernel's
# text: the VM suites (tests/bats/common.bash) and make bench's guest
# part (bench/guest). The rule itself is kucomms_alone in the kit's bats
# library (kit/bats/load.bash): users' tests and ours take the other CPUs
# offline the same way.
# shellcheck source=kit/bats/load.bash
. "${BASH_SOURCE[0]%/*}/../../kit/bats/load.bash"

# kuc_alone SHELL-COMMAND: kucomms_alone on a string that is evaluated
# (our call sites write to tracefs and sysfs with a redirection). Seen
# here before the rule: a 6.12 run died with "Oops: int3" in
# mutex_lock(), the tap's static key did the same once, and a 6.1
# guest's CPU stayed wedged (a 20-minute soft lockup) in the shell that
# enabled a kprobe.
kuc_alone() {
	kucomms_alone eval "$1"
}
