#!/usr/bin/env bash
# Build the debug kernel for `tests/vm/run --debug-kernel`: Debian's
# linux-source of the same package version as the installed headers,
# configured with allnoconfig plus tests/vm/debug-kernel.config (only what
# the test VM needs, with KASAN, lockdep, kmemleak, UBSAN, ...): about 12
# CPU-minutes to build. Built once and cached outside the clone in
# $KUC_CACHE/debug-kernel/<version>/ so later runs and CI reuse it.
# Prints the path of the built tree on stdout; progress goes to stderr.
set -euo pipefail
trap 'echo "build-debug-kernel: failed; see $log" >&2' ERR
log=/dev/null
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/kernel-env.sh"

[ -n "$KREL" ] || { echo "build-debug-kernel: no kernel headers found (run 'make deps')" >&2; exit 1; }
hdrpkg="linux-headers-$KREL"
pkgver=$(dpkg-query -W -f='${Version}' "$hdrpkg" 2>/dev/null) ||
	{ echo "build-debug-kernel: $hdrpkg is not installed" >&2; exit 1; }
series=$(echo "$pkgver" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
frag="$top/tests/vm/debug-kernel.config"
# The fragment's hash is part of the key: change it and the lane rebuilds.
key="$pkgver-$(sha256sum "$frag" | cut -c1-12)"
dir="$KUC_CACHE/debug-kernel/$key"
tree="$dir/linux-source-$series"

if [ -f "$dir/done" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/done" ]; then
	echo "$tree"
	exit 0
fi

log="$dir/build.log"
echo "build-debug-kernel: building linux-source-$series $pkgver with the debug config" >&2
echo "build-debug-kernel: about 6 minutes on 2 idle cores; log in $log" >&2
cd "$dir"
if [ ! -f "$tree/Makefile" ]; then
	rm -rf "$tree" src
	mkdir src
	(cd src && apt-get download -q "linux-source-$series=$pkgver") >>"$log" 2>&1
	dpkg-deb -x src/linux-source-"$series"_*.deb src/x
	tar -xaf "src/x/usr/src/linux-source-$series.tar.xz"
	rm -rf src
fi
cd "$tree"
# allnoconfig with the fragment as KCONFIG_ALLCONFIG: the fragment's
# options are set, every other option is off (or at its default where it
# is only visible with CONFIG_EXPERT, like futexes and epoll).
make allnoconfig KCONFIG_ALLCONFIG="$frag" >>"$log" 2>&1
# Every line of the fragment must survive allnoconfig: an option whose
# dependencies are missing is dropped without a word, and would weaken
# the lane unnoticed (a lost CONFIG_KASAN still boots and passes).
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=n) sym=${line%%=*}
		if grep -q "^$sym=" .config; then echo "build-debug-kernel: $sym still set" >&2; missing=1; fi ;;
	CONFIG_*) grep -qxF "$line" .config || { echo "build-debug-kernel: $line not in .config" >&2; missing=1; } ;;
	esac
done <"$frag"
if [ "$missing" != 0 ]; then
	echo "build-debug-kernel: tests/vm/debug-kernel.config asks for options allnoconfig dropped (above): add what they depend on" >&2
	exit 1
fi
nice -n 10 make -j"$(nproc)" bzImage modules >>"$log" 2>&1 ||
	{ tail -n 40 "$log" >&2; exit 1; }
rm -rf "$dir/modroot"
make modules_install INSTALL_MOD_PATH="$dir/modroot" >>"$log" 2>&1
touch "$dir/done"
echo "$tree"
