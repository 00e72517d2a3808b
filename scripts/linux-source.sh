# shellcheck shell=bash
# Sourced by scripts/checkpatch.sh and scripts/kerneldoc.sh (after
# kernel-env.sh): where a script of the kernel's own tree is found.
#
#   kuc_linux_script NAME FILE...
#     prints the path of scripts/NAME of Debian's linux-source of the
#     installed headers' version: the debug-kernel tree's when it is built,
#     otherwise the FILEs (patterns below the tree's top, NAME's own among
#     them) are extracted once from the linux-source package (apt-get
#     download) into $KUC_CACHE/NAME-without-extension/SERIES.

kuc_linux_script_find() {
	local f
	for f in "$KUC_CACHE"/debug-kernel/*/linux-source-*/scripts/"$1" \
		"$KUC_CACHE/$2"/*/scripts/"$1"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

kuc_linux_script() {
	local name=$1 dir=${1%.*} pkgver series tmp f pats=()
	shift
	kuc_linux_script_find "$name" "$dir" && return 0
	pkgver=$(dpkg-query -W -f='${Version}' "linux-headers-$KREL")
	series=$(echo "$pkgver" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	for f in "$@"; do
		pats+=("*/$f")
	done
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-source-$series=$pkgver" >/dev/null) &&
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb |
		tar -xO "./usr/src/linux-source-$series.tar.xz" |
		tar -xJ -C "$tmp" --wildcards "${pats[@]}" &&
	mkdir -p "$KUC_CACHE/$dir" &&
	rm -rf "${KUC_CACHE:?}/$dir/$series" &&
	mv "$tmp/linux-source-$series" "$KUC_CACHE/$dir/$series"
	rm -rf "$tmp"
	kuc_linux_script_find "$name" "$dir" && return 0
	echo "no scripts/$name: linux-source-$series=$pkgver could not be" \
		"downloaded or lacks it" >&2
	return 1
}
