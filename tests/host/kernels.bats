#!/usr/bin/env bats
# The kernel lanes (scripts/kernels.sh) on the host: what a plain `make`
# builds against never changes because other kernels were fetched or
# other headers installed; lanes are named, and unknown ones refused.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	K=$TOP/scripts/kernels.sh
	META=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		grep -oE 'linux-headers-[^ ,]+-amd64' | head -n 1)
}

teardown() {
	rm -rf /usr/src/linux-headers-99.0.0-1-amd64
}

@test "the lanes are listed, and an unknown one is refused in one line" {
	run "$K" list
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '6.1\ndebug\n6.12\n6.12-rt\nnewest')" ]
	run "$K" kdir 2.4
	[ "$status" -eq 1 ]
	[ "$output" = "kernels: unknown kernel '2.4' (one of: 6.1 debug 6.12 6.12-rt newest)" ]
}

@test "lane 6.1 is what plain make builds against: Debian 12's default headers" {
	[ "$("$K" kdir 6.1)" = "/usr/src/$META" ]
	[ "$(make -s -C "$TOP" -f - <<<'include Makefile
print-kdir: ; @echo $(KDIR)' print-kdir)" = "/usr/src/$META" ]
}

@test "fetching the 6.12 lane installs nothing: its headers live in the cache" {
	kdir=$("$K" kdir 6.12)
	[[ $kdir == "${KUC_CACHE:-/var/cache/kucomms}/kernels/6.12."*"/root/usr/src/linux-headers-6.12."*-amd64 ]]
	[ -f "$kdir/include/generated/utsrelease.h" ]
	! ls -d /usr/src/linux-headers-6.12* 2>/dev/null
	[ "$(bash "$TOP/scripts/kernel-env.sh" --kdir)" = "/usr/src/$META" ]
}

@test "newer headers installed beside Debian 12's do not change the default" {
	mkdir -p /usr/src/linux-headers-99.0.0-1-amd64
	[ "$(bash "$TOP/scripts/kernel-env.sh" --kdir)" = "/usr/src/$META" ]
}
