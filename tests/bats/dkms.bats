#!/usr/bin/env bats
# DKMS on the booted kernel: `dkms build` and `dkms install` of kucomms
# from a copy of this tree (then a module of another package built with
# the kit against the symbols DKMS kept), against the headers of the kernel the VM runs
# (KUC_KDIR, given by scripts/check.sh for each lane; else the kernel's
# /lib/modules/KREL/build, which is Debian's installed headers for the
# default kernel), then modprobe loads
# the module DKMS installed and it works. In the guest, /lib/modules/KREL
# is the booted kernel's own module tree on a writable overlay, so DKMS's
# install and depmod run for real without touching the host.

load common

setup() {
	KDIR=${KUC_KDIR:-/lib/modules/$(uname -r)/build}
	[ -f "$KDIR/Makefile" ] || skip "no headers of the running kernel (KUC_KDIR)"
	kuc_unload
	SRC=$BATS_TEST_TMPDIR/src TREE=$BATS_TEST_TMPDIR/dkms
	mkdir -p "$SRC/kucomms-0.1.0" "$TREE"
	(cd "$KUC_TOP" && cp -r dkms.conf Makefile include module kit "$SRC/kucomms-0.1.0/")
	find "$SRC" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
	DKMS=(dkms --sourcetree "$SRC" --dkmstree "$TREE" -k "$(uname -r)"
		--kernelsourcedir "$KDIR")
}

teardown() {
	[ ! -d /sys/module/kuc_handmod ] || rmmod kuc_handmod
	kuc_unload
	rm -f "/lib/modules/$(uname -r)/updates/dkms/kucomms.ko"*
}

@test "dkms build and install on the running kernel; modprobe loads that module and it works" {
	"${DKMS[@]}" add kucomms/0.1.0
	run "${DKMS[@]}" build kucomms/0.1.0
	echo "$output"
	[ "$status" -eq 0 ]
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
	[[ $output == *installed* ]]
	# The POST_BUILD hook kept the symbols where the kit looks for them.
	grep -q '	__kucomms_register	' "$SRC/kucomms-0.1.0/symvers/$(uname -r)/Module.symvers"
	# A module of another package builds with the kit against what DKMS
	# kept (the kit being that source tree, as /usr/src/kucomms-0.1.0
	# is), loads on the module DKMS installed, and answers.
	make -C "$KUC_TOP" -s O="$BATS_TEST_TMPDIR/o" "$BATS_TEST_TMPDIR/o/kucomms.mk"
	cp -r "$KUC_TOP/tests/kit/handmod" "$BATS_TEST_TMPDIR/handmod"
	printf 'obj-m := kuc_handmod.o\ninclude %s\n' "$BATS_TEST_TMPDIR/o/kucomms.mk" \
		>"$BATS_TEST_TMPDIR/handmod/Makefile"
	run make -C "$BATS_TEST_TMPDIR/handmod" KDIR="$KDIR" KCFLAGS=-Werror \
		KUCOMMS_KIT="$SRC/kucomms-0.1.0"
	echo "$output"
	[ "$status" -eq 0 ]
	insmod "$BATS_TEST_TMPDIR/handmod/kuc_handmod.ko"
	[ "$(kuc_create kucomms_handmod)" = OK ]
	run "$KUC_BUILD/kucsend" handmod --expect '{"type": 1, "value": 42}' '{"type": 1, "value": 41}'
	echo "$output"
	[ "$status" -eq 0 ]
	rmmod kuc_handmod
}
