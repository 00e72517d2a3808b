#!/usr/bin/env bash
# Install every Debian package kucomms needs to build, test and demo, on a
# fresh Debian 12 machine. Idempotent; silent when everything is present.
set -euo pipefail

pkgs=(
	# build
	gcc make libc6-dev pkg-config linux-headers-amd64
	libpopt-dev libjansson-dev libreadline-dev
	# test VM (tests/vm/run)
	qemu-system-x86 busybox-static cpio kmod gzip util-linux
	# tests
	bats jq python3 tmux procps bash-completion zsh
	# make fuzz: clang and its libFuzzer (libclang_rt.fuzzer)
	clang-14 libclang-rt-14-dev
	# kucdump's capture files and Lua dissector (tests/bats/kucdump.bats)
	tshark
	# debug-kernel lane (scripts/build-debug-kernel.sh)
	flex bison bc libelf-dev libssl-dev xz-utils rsync perl
	# BTF of modules built against 6.12 and newer kernels (the kernels lanes)
	dwarves
	# make bench: the PNG chart of build/bench/
	gnuplot-nox
	# packaging test (tests/host/install.bats)
	dkms git
	# man page lint (tests/host/man.bats; groff is groff-base, always there)
	mandoc
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'make deps' as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
