#!/usr/bin/env bats
# Packaging, on the host: make install into a DESTDIR, DKMS rebuilding the
# module, and make clean leaving the tree as cloned. Each works on a copy
# of the tracked files, never on the tree make check is using.

# One copy of the tracked files as cloned, and one built with the default
# PREFIX (as a user builds before installing), made once: each test
# starts from its own copy of either (copy_tree), on all CPUs (MAKEFLAGS,
# exported here, holds for every test). The built
# one is built where the tests' copies live, so that Kbuild, which
# records each command with its paths, does not build the modules again.
setup_file() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export MAKEFLAGS=-j$(nproc)
	local f=$BATS_FILE_TMPDIR
	mkdir -p "$f/cloned"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$f/cloned")
	cp -a "$f/cloned" "$f/kucomms"
	make -C "$f/kucomms" -s all >/dev/null
	mv "$f/kucomms" "$f/built"
}

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	. "$TOP/scripts/kernel-env.sh"
}

# copy_tree cloned|built: COPY, this test's own copy of that tree.
copy_tree() {
	COPY=$BATS_FILE_TMPDIR/kucomms
	rm -rf "$COPY"
	cp -a "$BATS_FILE_TMPDIR/$1" "$COPY"
}

@test "make install DESTDIR=... installs module, library, headers, pkg-config, tools, man pages and completions" {
	copy_tree built
	dest=$BATS_TEST_TMPDIR/dest
	# Built with the default PREFIX (copy_tree): install must not reuse
	# that.
	run make -C "$COPY" -s install DESTDIR="$dest" PREFIX=/usr \
		WIRESHARK_LUA_DIR=/usr/lib/wireshark/plugins
	echo "$output"
	[ "$status" -eq 0 ]
	for f in "lib/modules/$KREL/extra/kucomms.ko" usr/lib/libkuc.so.0 \
		usr/lib/libkuc.so usr/lib/libkuc.a usr/lib/pkgconfig/kucomms.pc \
		usr/include/kucomms/kucomms_abi.h usr/include/kucomms/kuc.h \
		usr/include/kucomms/kucomms_ring.h usr/include/kucomms/kuc.hpp \
		usr/include/kucomms/kucomms_shm.h \
		usr/include/kucomms/kucomms_endpoint.h \
		usr/include/kucomms/kucomms_endpoint_ops.h \
		usr/bin/kucctl usr/share/man/man8/kucctl.8 \
		usr/bin/kucdump usr/share/man/man8/kucdump.8 \
		usr/share/man/man7/kucomms-tools.7 \
		usr/lib/wireshark/plugins/kucomms.lua usr/share/man/man3/kuc_tap_open.3 \
		usr/share/man/man9/kucomms_kernel.9 usr/share/man/man3/libkuc.3 \
		usr/share/man/man3/kuc_send_locked.3 usr/bin/kucsend \
		usr/share/man/man1/kucsend.1 \
		usr/share/bash-completion/completions/kucsend \
		usr/share/bash-completion/completions/kucctl \
		usr/share/bash-completion/completions/kucdump \
		usr/share/zsh/vendor-completions/_kucctl \
		usr/share/zsh/vendor-completions/_kucsend \
		usr/share/zsh/vendor-completions/_kucdump \
		usr/share/zsh/vendor-completions/_kucomms_channels; do
		[ -e "$dest/$f" ] || { echo "missing $f"; return 1; }
	done
	# Every page in its section's directory; a .so link's page beside it,
	# as man(1) resolves it (man3/kuc_open.3 under share/man).
	local page sec so n=0
	for page in "$COPY"/man/*.[0-9]; do
		sec=${page##*.}
		[ -f "$dest/usr/share/man/man$sec/${page##*/}" ] ||
			{ echo "missing man$sec/${page##*/}"; return 1; }
		so=$(sed -n '1s/^\.so //p' "$page")
		[ -z "$so" ] || [ -f "$dest/usr/share/man/$so" ] ||
			{ echo "${page##*/}: .so $so is not installed"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -gt 60 ]
	grep -q '^prefix=/usr$' "$dest/usr/lib/pkgconfig/kucomms.pc"
	grep -q '^libdir=/usr/lib$' "$dest/usr/lib/pkgconfig/kucomms.pc"
	[ ! -e "$dest/usr/sbin" ]
	[ ! -e "$dest/usr/share/bash-completion/completions/zsh" ]
	# Kernel-only header stays out of userspace.
	[ ! -e "$dest/usr/include/kucomms/kucomms_kernel.h" ]
	# The installed tool runs, and a program builds against the install.
	"$dest/usr/bin/kucctl" --version
	"$dest/usr/bin/kucsend" --version
	# kucomms_endpoint.h: the endpoint API mapped onto libkuc, userspace.
	printf '#include <kuc.h>\n#include <kucomms/kucomms_endpoint.h>\nint main(void){return kuc_version()[0] != 0 ? 0 : 1;}\n' >"$BATS_TEST_TMPDIR/p.c"
	cc -I"$dest/usr/include/kucomms" -I"$dest/usr/include" -o "$BATS_TEST_TMPDIR/p" \
		"$BATS_TEST_TMPDIR/p.c" "$dest/usr/lib/libkuc.a" -lpthread
	"$BATS_TEST_TMPDIR/p"
}

@test "make install LIBDIR=...: libraries and kucomms.pc go there, and pkg-config says so" {
	copy_tree built
	dest=$BATS_TEST_TMPDIR/dest
	make -C "$COPY" -s install DESTDIR="$dest" PREFIX=/usr \
		LIBDIR=/usr/lib/x86_64-linux-gnu WIRESHARK_LUA_DIR=/w >/dev/null
	lib=$dest/usr/lib/x86_64-linux-gnu
	[ -e "$lib/libkuc.so.0" ] && [ -e "$lib/libkuc.a" ]
	[ ! -e "$dest/usr/lib/libkuc.a" ]
	[ "$(PKG_CONFIG_SYSROOT_DIR= PKG_CONFIG_PATH="$lib/pkgconfig" \
		pkg-config --variable=libdir kucomms)" = /usr/lib/x86_64-linux-gnu ]
	[ -e "$dest/w/kucomms.lua" ]
}

# The kit for other packages' modules: headers and symbols in the prefix,
# found through pkg-config (a sysroot stands in for the DESTDIR), and a
# module whose Makefile names no path builds against it.
# "make uninstall removes everything": the man pages too.
@test "make install provides the kit: a two-line Makefile builds a module against it; make uninstall removes everything" {
	copy_tree built
	dest=$BATS_TEST_TMPDIR/dest
	make -C "$COPY" -s install DESTDIR="$dest" PREFIX=/usr
	kit=$dest/usr/src/kucomms-0.1.0
	for f in include/kucomms/kucomms_kernel.h include/kucomms/kucomms_abi.h \
		include/kucomms/kucomms_endpoint.h include/kucomms/kucomms_endpoint_ops.h \
		"symvers/$KREL/Module.symvers"; do
		[ -f "$kit/$f" ] || { echo "missing $f"; return 1; }
	done
	grep -qE '^0x[0-9a-f]+	__kucomms_register	' "$kit/symvers/$KREL/Module.symvers"
	export PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
	[ "$(pkg-config --variable=kbuild kucomms)" = "$dest/usr/share/kucomms/kucomms.mk" ]
	[ "$(pkg-config --variable=kernel_includedir kucomms)" = "$kit/include" ]
	cp -r "$TOP/tests/kit/handmod" "$BATS_TEST_TMPDIR/handmod"
	# The module's Makefile: two lines, no path.
	[ "$(grep -v '^#' "$BATS_TEST_TMPDIR/handmod/Makefile")" = "obj-m := kuc_handmod.o
include \$(shell pkg-config --variable=kbuild kucomms)" ]
	run make -C "$BATS_TEST_TMPDIR/handmod" KDIR="$KDIR" KCFLAGS=-Werror
	echo "$output"
	[ "$status" -eq 0 ]
	ko=$BATS_TEST_TMPDIR/handmod/kuc_handmod.ko
	[ "$(modinfo -F depends "$ko")" = kucomms ]
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$KREL" ]
	# No modpost warning: every kucomms symbol was resolved from the kit.
	[[ $output != *WARNING* ]]
	# A kernel the kit has no build for is refused, saying what to do.
	run make -C "$BATS_TEST_TMPDIR/handmod" KDIR="$BATS_TEST_TMPDIR/handmod"
	[ "$status" -ne 0 ]
	[[ $output == *"is not a kernel build tree"* ]]
	mkdir -p "$BATS_TEST_TMPDIR/fake/include/generated"
	echo '#define UTS_RELEASE "0.0.0-none"' >"$BATS_TEST_TMPDIR/fake/include/generated/utsrelease.h"
	run make -C "$BATS_TEST_TMPDIR/handmod" KDIR="$BATS_TEST_TMPDIR/fake"
	[ "$status" -ne 0 ]
	[[ $output == *"kucomms is not built for kernel 0.0.0-none"* ]]
	make -C "$COPY" -s uninstall DESTDIR="$dest" PREFIX=/usr
	left=$(find "$dest" ! -type d)
	echo "left behind: $left"
	[ -z "$left" ]
	[ ! -e "$kit" ]
}

@test "make install installs kucomms-vm, kucomms-new and its templates, the bats helpers and kucomms(7); the runner works from the prefix alone" {
	copy_tree built
	dest=$BATS_TEST_TMPDIR/dest
	make -C "$COPY" -s install DESTDIR="$dest" PREFIX=/usr
	for f in usr/bin/kucomms-vm usr/share/man/man1/kucomms-vm.1 usr/lib/bats/kucomms/load.bash \
		usr/bin/kucomms-new usr/share/man/man1/kucomms-new.1 usr/share/kucomms/new/mymod.c \
		usr/share/kucomms/new/tests/mymod.bats usr/share/kucomms/new/dkms.conf \
		usr/share/man/man7/kucomms.7 usr/share/bash-completion/completions/kucomms-vm \
		usr/share/bash-completion/completions/kucomms-new \
		usr/lib/kucomms/vm/guest-init usr/lib/kucomms/vm/initramfs-init \
		usr/lib/kucomms/vm/kernels.sh usr/lib/kucomms/vm/kernel-env.sh; do
		[ -e "$dest/$f" ] || { echo "missing $f"; return 1; }
	done
	rm -rf "$COPY"		# nothing of the source tree is needed
	# The starter's dkms.conf builds against the installed version's DKMS
	# build of kucomms.
	"$dest/usr/bin/kucomms-new" "$BATS_TEST_TMPDIR/proj" demo
	cat "$BATS_TEST_TMPDIR/proj/dkms.conf"
	grep -q '^BUILD_DEPENDS\[0\]="kucomms"$' "$BATS_TEST_TMPDIR/proj/dkms.conf"
	grep -q '^BUILT_MODULE_NAME\[0\]="demo"$' "$BATS_TEST_TMPDIR/proj/dkms.conf"
	grep -q 'KBUILD_EXTRA_SYMBOLS=${source_tree}/kucomms-0\.1\.0/symvers/${kernelver}/Module\.symvers' \
		"$BATS_TEST_TMPDIR/proj/dkms.conf"
	! grep -rn '@[A-Z_]*@' "$BATS_TEST_TMPDIR/proj"
	run "$dest/usr/bin/kucomms-vm" --help
	[ "$status" -eq 0 ]
	[[ $output == *"Usage: kucomms-vm [options] -- CMD"* ]]
	run "$dest/usr/bin/kucomms-vm" --kernel newest -- true
	[ "$status" -eq 125 ]
	[[ $output == *"kucomms-vm: the newest lane is compiled against, not booted"* ]]
	# It looks for the kucomms.ko installed under its own DESTDIR, and
	# refuses to boot without one (before it takes the VM lock).
	mv "$dest/lib/modules/$KREL/extra/kucomms.ko" "$BATS_TEST_TMPDIR/"
	KUC_VM_DIR=$BATS_TEST_TMPDIR/vm run "$dest/usr/bin/kucomms-vm" -- true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *"no kucomms.ko installed for kernel $KREL under $dest/lib/modules/$KREL"* ]]
	run "$dest/usr/bin/kucomms-vm" --load "$BATS_TEST_TMPDIR/none.ko" -- true
	[ "$status" -eq 125 ]
	[[ $output == *"no module file '$BATS_TEST_TMPDIR/none.ko'"* ]]
}

@test "make clean leaves the tree exactly as cloned" {
	before=$(cd "$BATS_FILE_TMPDIR/cloned" && find . | sort)
	copy_tree built
	[ -f "$COPY/module/kucomms.ko" ]
	make -C "$COPY" -s clean
	after=$(cd "$COPY" && find . | sort)
	diff <(echo "$before") <(echo "$after")
}

@test "DKMS builds the module from dkms.conf, keeps its Module.symvers for the kit, and forgets it on remove" {
	copy_tree cloned
	src=$BATS_TEST_TMPDIR/dkms-src tree=$BATS_TEST_TMPDIR/dkms-tree
	mkdir -p "$src" "$tree"
	make -C "$COPY" -s O="$BATS_TEST_TMPDIR/o" "$BATS_TEST_TMPDIR/o/kucomms.mk"
	mv "$COPY" "$src/kucomms-0.1.0"
	dkms --sourcetree "$src" --dkmstree "$tree" add kucomms/0.1.0
	run dkms --sourcetree "$src" --dkmstree "$tree" build kucomms/0.1.0 \
		-k "$KREL" --kernelsourcedir "$KDIR"
	echo "$output"
	[ "$status" -eq 0 ]
	ko=$(find "$tree" -name kucomms.ko | head -n 1)
	[ -n "$ko" ]
	modinfo -F vermagic "$ko" | grep -q "^$KREL "
	symvers=$src/kucomms-0.1.0/symvers/$KREL/Module.symvers
	grep -q '	kucomms_send	' "$symvers"
	# A module of another package builds against what DKMS kept (here the
	# kit is the DKMS source tree, as /usr/src/kucomms-0.1.0 would be).
	cp -r "$TOP/tests/kit/handmod" "$BATS_TEST_TMPDIR/handmod"
	printf 'obj-m := kuc_handmod.o\ninclude %s\n' "$BATS_TEST_TMPDIR/o/kucomms.mk" \
		>"$BATS_TEST_TMPDIR/handmod/Makefile"
	run make -C "$BATS_TEST_TMPDIR/handmod" KDIR="$KDIR" KCFLAGS=-Werror \
		KUCOMMS_KIT="$src/kucomms-0.1.0"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(modinfo -F depends "$BATS_TEST_TMPDIR/handmod/kuc_handmod.ko")" = kucomms ]
	# Installed (into a private tree: the host's stays untouched), then
	# removed: the POST_REMOVE hook takes the symbols away with it.
	mkdir -p "$BATS_TEST_TMPDIR/modules/$KREL"
	dkms --sourcetree "$src" --dkmstree "$tree" --installtree "$BATS_TEST_TMPDIR/modules" \
		--no-depmod install kucomms/0.1.0 -k "$KREL"
	[ -f "$BATS_TEST_TMPDIR/modules/$KREL/updates/dkms/kucomms.ko" ]
	[ -f "$symvers" ]
	dkms --sourcetree "$src" --dkmstree "$tree" --installtree "$BATS_TEST_TMPDIR/modules" \
		--no-depmod remove kucomms/0.1.0 -k "$KREL"
	[ ! -e "$symvers" ]
}
