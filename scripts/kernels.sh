#!/usr/bin/env bash
# The kernels kucomms is tested on ("lanes") and where each comes from.
# Sourced by tests/vm/run and scripts/check.sh; also a command:
#
#   scripts/kernels.sh list          the lanes, one per line
#   scripts/kernels.sh kdir LANE     fetch LANE's headers (or prepared
#                                    source) if needed; print its KDIR
#   scripts/kernels.sh image LANE    fetch LANE's kernel image and modules
#                                    if needed; print the directory holding
#                                    boot/vmlinuz-KREL and lib/modules/KREL
#   scripts/kernels.sh fetch LANE    all a lane needs (kdir, and image
#                                    when it is booted), printing nothing
#
# Lanes:
#   6.1       Debian 12's kernel: the installed linux-headers-amd64 (what a
#             plain `make` builds against), booted; every suite
#   debug     6.1 rebuilt with KASAN, lockdep, kmemleak, UBSAN
#             (scripts/build-debug-kernel.sh), booted; every suite
#   6.12      bookworm-backports' newest 6.12 (Debian 13's series), booted;
#             the suites that meet kernel interfaces beyond the RT lane's
#             (scripts/check.sh's lane_suites), hostile and direct again
#   6.12-rt   the same with PREEMPT_RT (spinlocks sleep), booted; the
#             channel, echo, hostile-input, storm, kucdump and direct
#             suites
#   newest    sid's newest linux-source-*, prepared with `make
#             modules_prepare`; compiled against, not booted
#
# Everything but the installed 6.1 headers is fetched from Debian's archive
# with a private apt list ($KUC_CACHE/apt) and unpacked under
# $KUC_CACHE/kernels/: nothing is installed, so a plain `make` keeps
# building against the Debian 12 headers whatever lanes ran.

# shellcheck source=scripts/kernel-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/kernel-env.sh"

KUC_LANES="6.1 debug 6.12 6.12-rt newest"
kuc_apt_dir="$KUC_CACHE/apt"

kuc_die() { echo "kernels: $*" >&2; exit 1; }

# kuc_apt ARGS...: apt-get/apt-cache on the private list (bookworm-backports
# and sid), which never touches the machine's own sources or state.
kuc_apt_opts() {
	echo "-o Dir::Etc::SourceList=$kuc_apt_dir/sources.list" \
		"-o Dir::Etc::SourceParts=$kuc_apt_dir/none" \
		"-o Dir::State::Lists=$kuc_apt_dir/lists" \
		"-o Dir::Cache=$kuc_apt_dir/cache" \
		"-o APT::Sandbox::User=root -q"
}

# The private list is refreshed once a day: versions leave the archive.
kuc_apt_update() {
	mkdir -p "$kuc_apt_dir/lists/partial" "$kuc_apt_dir/cache/archives/partial" \
		"$kuc_apt_dir/none"
	local src="$kuc_apt_dir/sources.list" stamp="$kuc_apt_dir/updated"
	cat >"$src.new" <<-EOF
		deb http://deb.debian.org/debian bookworm-backports main
		deb http://deb.debian.org/debian sid main
	EOF
	mv "$src.new" "$src"
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		# shellcheck disable=SC2046
		apt-get $(kuc_apt_opts) update >"$kuc_apt_dir/update.log" 2>&1 ||
			{ cat "$kuc_apt_dir/update.log" >&2; kuc_die "apt-get update of the private list failed"; }
		touch "$stamp"
	fi
}

# kuc_apt_newest REGEX: the newest package whose name matches.
kuc_apt_newest() {
	# shellcheck disable=SC2046
	apt-cache $(kuc_apt_opts) search --names-only "$1" | cut -d' ' -f1 | sort -V | tail -n 1
}

# kuc_apt_unpack DIR PKG...: download PKGs (newest versions) into DIR/deb
# and unpack them into DIR/root.
kuc_apt_unpack() {
	local dir=$1 deb
	shift
	mkdir -p "$dir/deb" "$dir/root"
	# shellcheck disable=SC2046
	(cd "$dir/deb" && apt-get $(kuc_apt_opts) download "$@" >/dev/null) ||
		kuc_die "apt-get download $* failed"
	for deb in "$dir"/deb/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -rf "$dir/deb"
}

# kuc_lane_release LANE: the kernel release of a packaged lane, e.g.
# 6.12.95+deb12-rt-amd64 (the newest in the archive, or the cached one
# when the archive cannot be reached).
kuc_lane_release() {
	local flavour pkg
	case "$1" in
	6.12) flavour=amd64 ;;
	6.12-rt) flavour=rt-amd64 ;;
	*) kuc_die "no packaged lane '$1'" ;;
	esac
	kuc_apt_update
	pkg=$(kuc_apt_newest "^linux-headers-6\.12\.[0-9]+\+deb12-$flavour\$")
	[ -n "$pkg" ] || kuc_die "no linux-headers-6.12.*-$flavour in bookworm-backports"
	echo "${pkg#linux-headers-}"
}

# kuc_with_lock DIR CMD...: one fetch of a kernel at a time (several
# checkouts and CI may ask at once).
kuc_with_lock() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(
		flock 9
		"$@"
	) 9>"$dir/.lock"
}

# Headers of a packaged lane: the flavour's tree, its -common tree and the
# kbuild tools, unpacked together so that the tree's relative links
# (scripts -> ../../lib/linux-kbuild-*/scripts) resolve; its Makefile's
# one absolute path (the -common tree) is pointed into the unpacked root.
kuc_fetch_headers() {
	local krel=$1 dir=$2 common kbuild
	[ -f "$dir/headers.done" ] && return 0
	case "$krel" in
	*-rt-amd64) common="linux-headers-${krel%-rt-amd64}-common-rt" ;;
	*) common="linux-headers-${krel%-amd64}-common" ;;
	esac
	kbuild="linux-kbuild-${krel%-amd64}"
	kbuild=${kbuild%-rt}
	echo "kernels: fetching the headers of $krel" >&2
	rm -rf "$dir/root/usr/src" "$dir/root/usr/lib/linux-kbuild-"*
	kuc_apt_unpack "$dir" "linux-headers-$krel" "$common" "$kbuild"
	sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
		"$dir/root/usr/src/linux-headers-$krel/Makefile"
	touch "$dir/headers.done"
}

# Sid's newest linux-source, configured (x86_64 defconfig) and prepared for
# building external modules: about 160 MB to fetch, a minute to prepare.
kuc_fetch_source() {
	local dir=$1 pkg=$2 series=${2#linux-source-}
	[ -f "$dir/source.done" ] && return 0
	echo "kernels: fetching and preparing $pkg (about 2 minutes)" >&2
	rm -rf "$dir/root" "$dir/linux-source-$series"
	kuc_apt_unpack "$dir" "$pkg"
	tar -xaf "$dir/root/usr/src/linux-source-$series.tar.xz" -C "$dir"
	rm -rf "$dir/root"
	(cd "$dir/linux-source-$series" &&
		make -s x86_64_defconfig &&
		make -s -j"$(nproc)" modules_prepare) >"$dir/prepare.log" 2>&1 ||
		{ tail -n 30 "$dir/prepare.log" >&2; kuc_die "preparing $pkg failed"; }
	touch "$dir/source.done"
}

# The kernel image and its modules (for the guest's initramfs), with
# modules.dep made here since the package leaves that to its postinst.
# APT is the system's for the installed headers, the private list else.
kuc_fetch_image() {
	local krel=$1 dir=$2 pkgver=${3:-} spec tmp
	[ -f "$dir/image.done" ] && return 0
	spec="linux-image-$krel-unsigned${pkgver:+=$pkgver}"
	echo "kernels: fetching $spec" >&2
	tmp="$dir/image.tmp"
	rm -rf "$tmp" && mkdir -p "$tmp/deb"
	if [ -n "$pkgver" ]; then
		(cd "$tmp/deb" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null) ||
			kuc_die "apt-get download $spec failed"
	else
		# shellcheck disable=SC2046
		(cd "$tmp/deb" && apt-get $(kuc_apt_opts) download "$spec" >/dev/null) ||
			kuc_die "apt-get download $spec failed"
	fi
	dpkg-deb -x "$tmp"/deb/*.deb "$tmp/root"
	depmod -b "$tmp/root" "$krel" || kuc_die "depmod of $spec failed"
	mkdir -p "$dir/root"
	cp -a "$tmp/root/boot" "$tmp/root/lib" "$dir/root/" 2>/dev/null ||
		cp -a "$tmp/root/boot" "$tmp/root/usr/lib" "$dir/root/"
	rm -rf "$tmp"
	touch "$dir/image.done"
}

# kuc_lane_kdir LANE: print the lane's KDIR, fetching what is missing.
kuc_lane_kdir() {
	local lane=$1 krel dir pkg
	case "$lane" in
	6.1 | default)
		[ -n "$KDIR" ] && [ -n "$KREL" ] || kuc_die "no kernel headers installed: run 'make deps'"
		echo "$KDIR" ;;
	debug)
		"$(dirname "${BASH_SOURCE[0]}")/build-debug-kernel.sh" ;;
	6.12 | 6.12-rt)
		krel=$(kuc_lane_release "$lane") || exit 1
		dir="$KUC_CACHE/kernels/$krel"
		kuc_with_lock "$dir" kuc_fetch_headers "$krel" "$dir" || exit 1
		echo "$dir/root/usr/src/linux-headers-$krel" ;;
	newest)
		kuc_apt_update
		pkg=$(kuc_apt_newest '^linux-source-[0-9]+\.[0-9]+$')
		[ -n "$pkg" ] || kuc_die "no linux-source-* in sid"
		# shellcheck disable=SC2046
		dir="$KUC_CACHE/kernels/source-$(apt-cache $(kuc_apt_opts) show "$pkg" |
			sed -n 's/^Version: //p' | sort -V | tail -n 1)"
		kuc_with_lock "$dir" kuc_fetch_source "$dir" "$pkg" || exit 1
		echo "$dir/linux-source-${pkg#linux-source-}" ;;
	*) kuc_die "unknown kernel '$lane' (one of: $KUC_LANES)" ;;
	esac
}

# kuc_lane_boots LANE: true when the lane's kernel is booted by the harness.
kuc_lane_boots() { [ "$1" != newest ]; }

# kuc_image_root KDIR: the directory with boot/vmlinuz-KREL and
# lib/modules/KREL for the kernel built or packaged as KDIR.
kuc_image_root() {
	local kdir=$1 krel dir pkgver
	krel=$(kuc_kernel_release "$kdir")
	[ -n "$krel" ] || kuc_die "no kernel release in '$kdir'"
	case "$kdir" in
	"$KUC_CACHE"/debug-kernel/*)
		# The debug tree installs its modules beside itself.
		echo "$(dirname "$kdir")/modroot"
		return ;;
	"$KUC_CACHE"/kernels/*)
		dir="$KUC_CACHE/kernels/$krel"
		kuc_with_lock "$dir" kuc_fetch_image "$krel" "$dir" || exit 1 ;;
	*)
		# Installed headers: the image of the very same package version.
		pkgver=$(dpkg-query -W -f='${Version}' "linux-headers-$krel" 2>/dev/null) ||
			kuc_die "linux-headers-$krel is not installed"
		dir="$KUC_CACHE/kernels/$krel"
		kuc_with_lock "$dir" kuc_fetch_image "$krel" "$dir" "$pkgver" || exit 1 ;;
	esac
	echo "$dir/root"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in
	list) printf '%s\n' $KUC_LANES ;;
	kdir) kuc_lane_kdir "${2:?kernels.sh kdir LANE}" ;;
	image)
		kuc_lane_boots "${2:?kernels.sh image LANE}" || kuc_die "the $2 lane is not booted"
		kuc_image_root "$(kuc_lane_kdir "$2")" ;;
	fetch)
		kdir=$(kuc_lane_kdir "${2:?kernels.sh fetch LANE}")
		! kuc_lane_boots "$2" || kuc_image_root "$kdir" >/dev/null ;;
	*) echo "usage: scripts/kernels.sh list | kdir LANE | image LANE | fetch LANE" >&2; exit 2 ;;
	esac
fi
