#!/usr/bin/env bash
# make demo: build kucomms, boot the test kernel and show the device
# lifecycle with kucctl, saying what happens at each step; then the same
# echo handler serving a shared-memory channel from userspace.
#
# Without root (or without QEMU or kernel headers) the kernel part cannot
# run: the demo says so and shows the shared-memory channels on the host,
# which need neither. KUC_DEMO=shm chooses that part alone.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

why=
if [ "${KUC_DEMO:-}" = shm ]; then
	why="KUC_DEMO=shm"
elif [ "$(id -u)" != 0 ]; then
	why="not root"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	why="no qemu-system-x86_64"
elif [ -z "$(bash scripts/kernel-env.sh --kdir 2>/dev/null)" ]; then
	why="no kernel headers"
fi

if [ -n "$why" ]; then
	echo "demo: $why: no kernel module and no VM; showing the shared-memory"
	echo "demo: channels, which need neither (the kernel part needs root,"
	echo "demo: QEMU and kernel headers, and KUC_DEMO unset)"
	echo "demo: building libkuc, the tools and the examples"
	make -s lib tools progs examples
	exec bash scripts/demo-shm.sh
fi
echo "demo: building the module, libkuc and the tools"
make -s all
echo "demo: booting Debian's kernel $(bash scripts/kernel-env.sh --krel) under QEMU (software emulation, ~10 s)"
exec tests/vm/run -- bash scripts/demo-guest.sh
