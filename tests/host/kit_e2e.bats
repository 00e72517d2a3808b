#!/usr/bin/env bats
# The module author's whole path, end to end, on the host: in a temporary
# directory outside the tree, using only what `make install DESTDIR=...`
# put in a prefix (the source copy is deleted first): kucomms-new creates
# a project, it builds against the installed kit, kucomms-vm boots a real
# kernel with the installed kucomms.ko and the new module and the
# project's bats tests pass; then a handler that WARNs fails the run with
# the kernel-log status (126), and one that replies wrongly fails
# kucsend --expect (6). Starts three VMs (one at a time per machine).

setup_file() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	local copy=$BATS_FILE_TMPDIR/src
	mkdir -p "$copy"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$copy")
	make -C "$copy" -s -j"$(nproc)" install DESTDIR="$BATS_FILE_TMPDIR/dest" PREFIX=/usr >/dev/null
	rm -rf "$copy"
}

setup() {
	dest=$BATS_FILE_TMPDIR/dest
	# What a user's shell has after installing into /usr, with the
	# DESTDIR standing in for / (pkg-config: a sysroot).
	# (Not the PATH of this bats run, whose libexec/bats-core directory
	# holds a "bats" that only works under this run: kucomms-vm passes
	# PATH into the guest, where the project's tests run bats again.)
	PATH=$(tr : '\n' <<<"$PATH" | grep -v '/bats-core$' | paste -sd:)
	export PATH=$dest/usr/bin:$dest/usr/sbin:$PATH
	export PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
	export BATS_LIB_PATH=$dest/usr/lib/bats LD_LIBRARY_PATH=$dest/usr/lib
	proj=$BATS_FILE_TMPDIR/work/demo
}

# new_project DIR: a fresh project from the starter, built.
new_project() {
	kucomms-new "$1" demo
	make -C "$1" -s KCFLAGS=-Werror CFLAGS="-O2 -Werror"
}

@test "the starter creates a project that builds warning-free against the installed kit" {
	[ "$(command -v kucomms-new)" = "$dest/usr/bin/kucomms-new" ]
	run kucomms-new "$proj" demo
	echo "$output"
	[ "$status" -eq 0 ]
	for f in Makefile README.md dkms.conf demo.c demo.h demo_client.c tests/demo.bats; do
		[ -f "$proj/$f" ] || { echo "missing $f"; return 1; }
	done
	! grep -rn mymod "$proj"
	run make -C "$proj" KCFLAGS=-Werror CFLAGS="-O2 -Werror"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *[Ww]arning:* ]]
	[ "$(modinfo -F depends "$proj/demo.ko")" = kucomms ]
	[ -x "$proj/demo_client" ]
	# A second project in the same place is refused.
	run kucomms-new "$proj" demo
	[ "$status" -eq 2 ]
}

@test "make check: the runner boots, loads the installed kucomms.ko and the module, and the project's tests pass" {
	[ -f "$proj/demo.ko" ] || skip "the project was not built"
	cd "$proj"
	run make check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"kucomms-vm: booting kernel"* ]]
	[[ $output == *"ok 6 connect and disconnect"* ]]
	[[ $output != *"not ok"* ]]
}

@test "a handler that triggers a WARN_ON fails the run with the kernel-log status 126" {
	p=$BATS_TEST_TMPDIR/warn
	kucomms-new "$p" demo >/dev/null
	# The UPTIME case now warns (the reply itself is still right).
	sed -i 's/^\tcase DEMO_TYPE_UPTIME:$/&\n\t\tWARN_ON(1);/' "$p/demo.c"
	grep -q 'WARN_ON(1);' "$p/demo.c"
	make -C "$p" -s KCFLAGS=-Werror
	cd "$p"
	run kucomms-vm --load demo.ko -- bats -f "timer handler" tests/
	echo "$output"
	[ "$status" -eq 126 ]
	[[ $output == *"ok 1 the timer handler runs"* ]]
	[[ $output == *"kucomms-vm: FAIL: the kernel log shows problems"* ]]
	[[ $output == *"WARNING: CPU:"*"demo"* ]]
}

@test "a handler that replies wrongly makes kucsend --expect fail (exit 11), through the runner" {
	p=$BATS_TEST_TMPDIR/wrong
	kucomms-new "$p" demo >/dev/null
	sed -i 's/hdr->value + 1, data,/hdr->value + 2, data,/' "$p/demo.c"
	grep -q 'hdr->value + 2' "$p/demo.c"
	make -C "$p" -s KCFLAGS=-Werror
	cd "$p"
	run kucomms-vm --load demo.ko -- sh -c 'kucctl create demo &&
		kucsend demo --expect "{\"value\": 42, \"data\": \"x\"}" "{\"type\": 1, \"value\": 41, \"data\": \"x\"}"'
	echo "$output"
	[ "$status" -eq 11 ]
	[[ $output == *"kucsend: reply 1: value: expected 42, got 43"* ]]
	[[ $output != *"reply 1: data"* ]]
}
