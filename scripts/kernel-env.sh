# shellcheck shell=bash
# Sourced by the build and test scripts: which kernel the module is built
# against, and where the harness keeps what it downloads or builds.
#
#   KDIR      kernel build tree (default: the running kernel's, else the
#             headers Debian 12's linux-headers-amd64 depends on, else the
#             newest installed linux-headers-*-amd64). The other kernels
#             tested (scripts/kernels.sh) live in KUC_CACHE, never here.
#   KREL      its release string, e.g. 6.1.0-56-amd64
#   KUC_CACHE cache kept outside the clone (default /var/cache/kucomms)

kuc_default_kdir() {
	local running="/lib/modules/$(uname -r)/build"
	if [ -d "$running" ]; then
		echo "$running"
		return
	fi
	# The metapackage names the distribution's default kernel: headers of
	# other series installed beside it do not change what `make` targets.
	local meta
	meta=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -oE 'linux-headers-[^ ,]+-amd64' | head -n 1)
	if [ -n "$meta" ] && [ -d "/usr/src/$meta" ]; then
		echo "/usr/src/$meta"
		return
	fi
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1
}

kuc_kernel_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null
}

KDIR=${KDIR:-$(kuc_default_kdir)}
KREL=$(kuc_kernel_release "$KDIR")
KUC_CACHE=${KUC_CACHE:-/var/cache/kucomms}

# `bash kernel-env.sh --kdir` / `--krel DIR`: answers for the Makefile.
case "${1:-}" in
--kdir) echo "$KDIR" ;;
--krel) kuc_kernel_release "${2:-$KDIR}" ;;
esac
