#!/usr/bin/env bats
# DKMS on the booted kernel: scripts/check.sh ran `dkms add` and `dkms
# build` of this tree on the host against the headers of the kernel this
# VM boots, and built a module of another package (tests/kit/handmod)
# with the kit against the Module.symvers DKMS's POST_BUILD hook kept
# (KUC_DKMS_TREE; compiling under emulation would take minutes). Here
# `dkms install` puts kucomms.ko into the running kernel's tree, modprobe
# loads it, and the other module loads on it and answers. In the guest
# /lib/modules/KREL is the booted kernel's own module tree on a writable
# overlay, so the install and its depmod run for real without touching
# the host.

load common

setup() {
	[ -n "${KUC_DKMS_TREE:-}" ] ||
		skip "no DKMS tree built for this kernel (KUC_DKMS_TREE; make check makes one on 6.1)"
	kuc_unload
	DKMS=(dkms --sourcetree "${KUC_DKMS_TREE%/tree}/src" --dkmstree "$KUC_DKMS_TREE"
		-k "$(uname -r)")
	HANDMOD=${KUC_DKMS_TREE%/tree}/handmod/kuc_handmod.ko
}

teardown() {
	[ ! -d /sys/module/kuc_handmod ] || rmmod kuc_handmod
	kuc_unload
	rm -f "/lib/modules/$(uname -r)/updates/dkms/kucomms.ko"*
}

@test "dkms install on the running kernel; modprobe loads that module; a module built against DKMS's symbols answers" {
	run "${DKMS[@]}" status kucomms/0.1.0
	echo "$output"
	[[ $output == *"kucomms/0.1.0, $(uname -r), x86_64: built"* ]]
	run "${DKMS[@]}" install kucomms/0.1.0
	echo "$output"
	[ "$status" -eq 0 ]
	path=$(modinfo -n kucomms)
	echo "modprobe would load $path"
	[[ $path == "/lib/modules/$(uname -r)/updates/dkms/kucomms.ko"* ]]
	[ "$(modinfo -F vermagic kucomms | cut -d' ' -f1)" = "$(uname -r)" ]
	modprobe kucomms
	[ "$(kuc_create kucomms_dkms)" = OK ]
	[ -c /dev/kucomms_dkms ]
	run "${DKMS[@]}" status kucomms/0.1.0
	[[ $output == *"kucomms/0.1.0, $(uname -r), x86_64: installed"* ]]
	insmod "$HANDMOD"
	[ "$(kuc_create kucomms_handmod)" = OK ]
	run "$KUC_BUILD/kucsend" handmod --expect '{"type": 1, "value": 42}' '{"type": 1, "value": 41}'
	echo "$output"
	[ "$status" -eq 0 ]
}
