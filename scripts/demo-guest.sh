#!/usr/bin/env bash
# The part of `make demo` that runs inside the test VM.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kucctl=$top/build/kucctl

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "demo: inside the VM, kernel $(uname -r)"
step insmod "$top/module/kucomms.ko"
step ls -l /sys/devices/virtual/kucomms/kucomms/
step "$kucctl" create demo
step "$kucctl" create kucomms_shared --mode 0660 --group users
step ls -l /dev/kucomms_demo /dev/kucomms_shared
step "$kucctl" list
step "$kucctl" list --json
echo
echo "demo: errors are one line on stderr with a distinct exit code:"
set +e
step "$kucctl" create demo
echo "(exit status $?)"
step "$kucctl" create Bad-Name
echo "(exit status $?)"
set -e
step "$kucctl" remove demo
step "$kucctl" remove shared
step "$kucctl" list
step rmmod kucomms
echo
echo "demo: done"
