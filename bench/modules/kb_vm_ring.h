/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The size of every buffer of a VM case, in one place for kucbench and
 * the reference module kucbench_chr.ko: kucomms' device rings (kucbench
 * sets the device's ring_size), kucbench_chr's buffer (compiled from it;
 * its buf_bytes, which kucbench checks, catches a stale build) and the
 * echo window (window_for() in vm.c). 1 MiB so that 64 KiB echoes stream
 * 14 in flight, as a user streaming them would size a ring: at 256 KiB
 * the window was 2 and every echo waited for the one before (measured in
 * one boot: kuc-dev 64 KiB 0.63x the chardev at 256 KiB, 1.0x at 1 MiB;
 * the chardev, which echoes in the caller's system call, the same either
 * way).
 */
#ifndef KB_VM_RING_H
#define KB_VM_RING_H

#define KB_VM_RING	(1024 * 1024)

#endif /* KB_VM_RING_H */
