#!/usr/bin/env bats
# Packaging, on the host: make install into a DESTDIR, DKMS rebuilding the
# module, and make clean leaving the tree as cloned. Each works on a copy
# of the tracked files, never on the tree make check is using.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	. "$TOP/scripts/kernel-env.sh"
	COPY=$BATS_TEST_TMPDIR/kucomms
	mkdir -p "$COPY"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$COPY")
}

@test "make install DESTDIR=... installs module, library, headers, pkg-config, tools, man pages and completions" {
	dest=$BATS_TEST_TMPDIR/dest
	# Built first with the default PREFIX: install must not reuse that.
	make -C "$COPY" -s all
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
		usr/bin/kucctl usr/share/man/man8/kucctl.8 \
		usr/bin/kucdump usr/share/man/man8/kucdump.8 \
		usr/share/man/man7/kucomms-tools.7 \
		usr/lib/wireshark/plugins/kucomms.lua usr/share/man/man3/kuc_tap_open.3 \
		usr/share/man/man9/kucomms_kernel.9 usr/share/man/man3/libkuc.3 \
		usr/share/man/man3/kuc_send_locked.3 usr/bin/kucsend \
		usr/share/man/man1/kucsend.1 \
		usr/share/bash-completion/completions/kucsend \
		usr/share/bash-completion/completions/kucctl \
		usr/share/bash-completion/completions/kucdump; do
		[ -e "$dest/$f" ] || { echo "missing $f"; return 1; }
	done
	grep -q '^prefix=/usr$' "$dest/usr/lib/pkgconfig/kucomms.pc"
	grep -q '^libdir=/usr/lib$' "$dest/usr/lib/pkgconfig/kucomms.pc"
	[ ! -e "$dest/usr/sbin" ]
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

@test "make clean leaves the tree exactly as cloned" {
	before=$(cd "$COPY" && find . | sort)
	make -C "$COPY" -s all
	[ -f "$COPY/module/kucomms.ko" ]
	make -C "$COPY" -s clean
	after=$(cd "$COPY" && find . | sort)
	diff <(echo "$before") <(echo "$after")
}

@test "DKMS builds the module from dkms.conf" {
	src=$BATS_TEST_TMPDIR/dkms-src tree=$BATS_TEST_TMPDIR/dkms-tree
	mkdir -p "$src" "$tree"
	mv "$COPY" "$src/kucomms-0.1.0"
	dkms --sourcetree "$src" --dkmstree "$tree" add kucomms/0.1.0
	run dkms --sourcetree "$src" --dkmstree "$tree" build kucomms/0.1.0 \
		-k "$KREL" --kernelsourcedir "$KDIR"
	echo "$output"
	[ "$status" -eq 0 ]
	ko=$(find "$tree" -name kucomms.ko | head -n 1)
	[ -n "$ko" ]
	modinfo -F vermagic "$ko" | grep -q "^$KREL "
}
