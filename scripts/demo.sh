#!/usr/bin/env bash
# make demo: build kucomms, boot the test kernel and show the device
# lifecycle with kucctl, saying what happens at each step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

echo "demo: building the module, libkuc and the tools"
make -s all
echo "demo: booting Debian's kernel $(bash scripts/kernel-env.sh --krel) under QEMU (software emulation, ~10 s)"
exec tests/vm/run -- bash scripts/demo-guest.sh
