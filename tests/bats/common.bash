# shellcheck shell=bash
# Shared set-up for the bats suites that run inside the test VM
# (tests/vm/run). Paths are absolute so tests may cd anywhere.

. "${BASH_SOURCE[0]%/*}/helpers.bash"
. "${BASH_SOURCE[0]%/*}/../vm/alone.bash"

KUC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KUC_BUILD=${KUC_BUILD:-$KUC_TOP/build}
KUCCTL=$KUC_BUILD/kucctl
KUC_MODULE=${KUC_MODULE:-$KUC_TOP/module/kucomms.ko}
KUC_ECHO_MODULE=${KUC_ECHO_MODULE:-$KUC_TOP/examples/echo/kucomms_echo.ko}
KUC_CTL=/sys/devices/virtual/kucomms/kucomms

kuc_loaded() {
	[ -d /sys/module/kucomms ]
}

# Load kucomms.ko from the build tree (module parameters may follow).
kuc_load() {
	kuc_loaded || insmod "$KUC_MODULE" "$@"
}

# Unload kucomms.ko (and the echo example first, which depends on it).
kuc_unload() {
	if [ -d /sys/module/kucomms_echo ]; then
		rmmod kucomms_echo
	fi
	if kuc_loaded; then
		rmmod kucomms
	fi
}

# Remove every kucomms device, leaving the module loaded.
kuc_remove_all() {
	local d
	for d in /sys/class/kucomms/kucomms_*; do
		[ -e "$d" ] || continue
		echo "${d##*/}" >"$KUC_CTL/remove_device"
	done
}

# kuc_write FILE DATA: one write(2) of DATA to FILE; prints OK or the errno
# name (EINVAL, EEXIST, ...), so tests can check the exact error.
kuc_write() {
	"$KUC_BUILD/progs/kuc_errno" write "$1" "$2"
}

# kuc_open FILE: open FILE read-write; prints OK or the errno name.
kuc_open() {
	"$KUC_BUILD/progs/kuc_errno" open "$1"
}

kuc_create() { kuc_write "$KUC_CTL/create_device" "$1"; }
kuc_remove() { kuc_write "$KUC_CTL/remove_device" "$1"; }

# The example endpoint kucomms_echo.ko on its device, for the suites that
# talk to it; kuc_echo_down also ends the test's background processes
# (KUC_BG_PIDS, and the kucdump readers of kucdump_common.bash). Each test
# gets a new device and a new kucomms_echo.ko; kucomms.ko itself stays
# loaded until the end of the file (teardown_file below), which saves
# about 2 s a test on the debug kernel. A test that unloads it (rmmod
# tests) gets it back from the next kuc_echo_up.
kuc_echo_up() {
	kuc_load
	echo kucomms_echo >"$KUC_CTL/create_device"
	insmod "$KUC_ECHO_MODULE"
}

kuc_echo_down() {
	# shellcheck disable=SC2086 # lists of pids
	kuc_reap ${KUC_BG_PIDS:-} ${KUC_DUMP_PIDS:-}
	if [ -d /sys/module/kucomms_echo ]; then
		rmmod kucomms_echo
	fi
	kuc_loaded && kuc_remove_all
	return 0
}

# The test endpoint tests/vm/testep (kuc_testep.ko) on its device, for the
# suites that need what echo does not do; each test loads the module
# itself, with the parameters it needs. kuc_testep_down also ends the
# test's background processes (KUC_BG_PIDS).
KUC_TESTEP_MODULE=${KUC_TESTEP_MODULE:-$KUC_TOP/tests/vm/testep/kuc_testep.ko}
kuc_testep_setup() {
	kuc_load
	echo kucomms_testep >"$KUC_CTL/create_device"
}

kuc_testep_down() {
	# shellcheck disable=SC2086 # a list of pids
	kuc_reap ${KUC_BG_PIDS:-}
	KUC_BG_PIDS=
	if [ -d /sys/module/kuc_testep ]; then
		rmmod kuc_testep
	fi
	kuc_loaded && kuc_remove_all
	return 0
}

# Every file ends with the modules unloaded (which removes every device),
# so the next starts clean. A reference left behind (an open connection,
# a tap) keeps rmmod failing here, and bats reports it.
teardown_file() {
	local i
	for ((i = 0; i < 50; i++)); do
		kuc_unload 2>/dev/null && return 0
		sleep 0.1
	done
	kuc_unload
}
