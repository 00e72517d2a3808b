#!/bin/sh
# DKMS hooks of dkms.conf: keep kucomms' Module.symvers for each kernel
# where the kit looks for it (SOURCE/symvers/KREL/Module.symvers, SOURCE
# being /usr/src/kucomms-VERSION), so that modules of other packages build
# against it (kucomms(7), "Building with the kit").
#   POST_BUILD:  kit/dkms-symvers.sh KREL           (run in DKMS's build dir)
#   POST_REMOVE: kit/dkms-symvers.sh --remove KREL  (run in the source dir)
set -e
if [ "$1" = --remove ]; then
	rm -f "symvers/$2/Module.symvers"
	rmdir "symvers/$2" symvers 2>/dev/null || true
	exit 0
fi
[ -n "$1" ] && [ -f module/Module.symvers ] || {
	echo "dkms-symvers: usage: dkms-symvers.sh KREL (in the build dir, after the build)" >&2
	exit 1
}
mkdir -p "../source/symvers/$1"
cp module/Module.symvers "../source/symvers/$1/Module.symvers"
echo "kucomms: kept Module.symvers for $1 in $(cd ../source && pwd -P)/symvers/$1"
