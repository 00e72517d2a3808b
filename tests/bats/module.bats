#!/usr/bin/env bats
# Device lifecycle of kucomms.ko: control files, names, errors, limits,
# unload, load/unload cycles and concurrent create/remove. Runs in the VM.

load common

setup() {
	kuc_load
}

teardown() {
	kuc_loaded && kuc_remove_all
	kuc_unload || true
}

@test "loading creates root-only create_device and remove_device" {
	[ -d "$KUC_CTL" ]
	[ "$(stat -c '%a %U %G' "$KUC_CTL/create_device")" = "200 root root" ]
	[ "$(stat -c '%a %U %G' "$KUC_CTL/remove_device")" = "200 root root" ]
	# The control device has no /dev node of its own.
	[ ! -e /dev/kucomms ]
}

@test "echo NAME > create_device makes a 0600 root:root character device" {
	echo kucomms_foo >"$KUC_CTL/create_device"
	[ -c /dev/kucomms_foo ]
	[ "$(stat -c '%a %U %G' /dev/kucomms_foo)" = "600 root root" ]
	[ -d /sys/class/kucomms/kucomms_foo ]
	maj=$((16#$(stat -c %t /dev/kucomms_foo)))
	min=$((16#$(stat -c %T /dev/kucomms_foo)))
	[ "$(cat /sys/class/kucomms/kucomms_foo/dev)" = "$maj:$min" ]
	grep -Eq "^ *$maj kucomms\$" /proc/devices
	echo kucomms_foo >"$KUC_CTL/remove_device"
	[ ! -e /dev/kucomms_foo ]
	[ ! -e /sys/class/kucomms/kucomms_foo ]
}

@test "names are accepted with and without a trailing newline" {
	[ "$(kuc_create kucomms_nl$'\n')" = OK ]
	[ "$(kuc_create kucomms_bare)" = OK ]
	[ -c /dev/kucomms_nl ] && [ -c /dev/kucomms_bare ]
	[ "$(kuc_remove kucomms_nl$'\n')" = OK ]
	[ "$(kuc_remove kucomms_bare)" = OK ]
}

@test "the longest name (63 characters) works, 64 is EINVAL" {
	n63=kucomms_$(printf 'a%.0s' $(seq 55))
	n64=${n63}b
	[ ${#n63} -eq 63 ]
	[ "$(kuc_create "$n63")" = OK ]
	[ -c "/dev/$n63" ]
	[ "$(kuc_create "$n64")" = EINVAL ]
	[ "$(kuc_remove "$n63")" = OK ]
}

@test "every kind of bad name fails with EINVAL and leaves nothing behind" {
	# (A zero-byte write never reaches the driver: write(2) returns 0.)
	local bad=($'\n' kucomms_ kucomms_$'\n' foo kucomms kucomm_x Kucomms_x
		kucomms_Foo kucomms_a-b "kucomms_a b" kucomms_a/b kucomms_a.b
		kucomms_x$'\n\n' kucomms_x$'\n'y $'kucomms_\xc3\xa9' " kucomms_x"
		kucomms_x$'\t' /dev/kucomms_x)
	local n
	for n in "${bad[@]}"; do
		r=$(kuc_create "$n")
		[ "$r" = EINVAL ] || kuc_fail "create '$n' gave $r"
		r=$(kuc_remove "$n")
		[ "$r" = EINVAL ] || kuc_fail "remove '$n' gave $r"
	done
	[ -z "$(ls /sys/class/kucomms | grep -v '^kucomms$')" ]
	# The reason reaches the kernel log.
	dmesg | grep -q 'kucomms: create_device: invalid name'
}

@test "a duplicate is EEXIST, removing an unknown name is ENOENT" {
	[ "$(kuc_create kucomms_dup)" = OK ]
	[ "$(kuc_create kucomms_dup)" = EEXIST ]
	[ "$(kuc_remove kucomms_nosuch)" = ENOENT ]
	[ "$(kuc_remove kucomms_dup)" = OK ]
	[ "$(kuc_remove kucomms_dup)" = ENOENT ]
	dmesg | grep -q 'kucomms: create_device: kucomms_dup already exists'
	dmesg | grep -q 'kucomms: remove_device: no device kucomms_nosuch'
}

@test "an unprivileged user can neither create nor remove" {
	echo kucomms_priv >"$KUC_CTL/create_device"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c "echo kucomms_x >$KUC_CTL/create_device"
	[ "$status" -ne 0 ]
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c "echo kucomms_priv >$KUC_CTL/remove_device"
	[ "$status" -ne 0 ]
	[ ! -e /dev/kucomms_x ]
	[ -c /dev/kucomms_priv ]
	# Nor open the 0600 node.
	run setpriv --reuid=65534 --regid=65534 --clear-groups cat /dev/kucomms_priv
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
}

@test "max_devices bounds the number of devices with ENOSPC" {
	kuc_unload
	kuc_load max_devices=3
	[ "$(cat /sys/module/kucomms/parameters/max_devices)" = 3 ]
	for i in 1 2 3; do [ "$(kuc_create kucomms_m$i)" = OK ]; done
	[ "$(kuc_create kucomms_m4)" = ENOSPC ]
	dmesg | grep -q 'all 3 devices in use'
	# A freed slot can be used again.
	[ "$(kuc_remove kucomms_m2)" = OK ]
	[ "$(kuc_create kucomms_m4)" = OK ]
}

@test "max_devices outside 1-1024 refuses to load" {
	kuc_unload
	run insmod "$KUC_MODULE" max_devices=0
	[ "$status" -ne 0 ]
	run insmod "$KUC_MODULE" max_devices=1025
	[ "$status" -ne 0 ]
	! kuc_loaded
	dmesg | grep -q 'max_devices=1025 is out of range'
}

@test "unloading removes every device and the char-device region" {
	for i in 1 2 3; do echo kucomms_u$i >"$KUC_CTL/create_device"; done
	grep -qw kucomms /proc/devices
	rmmod kucomms
	[ ! -e /dev/kucomms_u1 ] && [ ! -e /dev/kucomms_u3 ]
	[ ! -e /sys/class/kucomms ]
	[ ! -e /sys/devices/virtual/kucomms ]
	! grep -qw kucomms /proc/devices
}

@test "opening a device with no endpoint registered fails with ENXIO" {
	echo kucomms_noep >"$KUC_CTL/create_device"
	run kuc_open /dev/kucomms_noep
	[ "$output" = ENXIO ]
}

@test "an open connection pins kucomms.ko, even after its endpoint left; removing its device is safe" {
	echo kucomms_echo >"$KUC_CTL/create_device"
	insmod "$KUC_ECHO_MODULE"
	# (fd 3 belongs to bats: let bash pick a free one.)
	exec {fd}<>/dev/kucomms_echo
	rmmod kucomms_echo
	run rmmod kucomms
	[ "$status" -ne 0 ]
	echo kucomms_echo >"$KUC_CTL/remove_device"
	[ ! -e /dev/kucomms_echo ]
	# The name is free again while the old file is still open.
	echo kucomms_echo >"$KUC_CTL/create_device"
	exec {fd}<&-
	echo kucomms_echo >"$KUC_CTL/remove_device"
	rmmod kucomms
}

# What a cycle leaves behind stays: 30 show it as surely as 100 (kmemleak
# on the debug kernel sees one), at a third of the time (a cycle costs
# ~0.75 s there).
@test "30 load/create/unload cycles leave nothing behind" {
	kuc_unload
	for i in $(seq 30); do
		insmod "$KUC_MODULE"
		echo kucomms_cycle >"$KUC_CTL/create_device"
		echo kucomms_cycle2 >"$KUC_CTL/create_device"
		[ -c /dev/kucomms_cycle ] || kuc_fail "cycle $i: no node"
		rmmod kucomms
	done
	! kuc_loaded
	[ ! -e /dev/kucomms_cycle ]
	! grep -qw kucomms /proc/devices
}

@test "concurrent create/remove of shared and private names from 4 processes" {
	run timeout 60 python3 "$BATS_TEST_DIRNAME/stress_create_remove.py" \
		"$KUC_CTL" 4 6
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"stress: ok"* ]]
	# sysfs and /dev agree afterwards, and everything can be removed.
	sys=$(ls /sys/class/kucomms | grep -v '^kucomms$' | sort)
	dev=$(cd /dev && ls -d kucomms_* 2>/dev/null | sort)
	[ "$sys" = "$dev" ]
	kuc_remove_all
	rmmod kucomms
	! grep -qw kucomms /proc/devices
}
