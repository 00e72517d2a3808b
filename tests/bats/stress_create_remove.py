#!/usr/bin/env python3
"""Concurrent create/remove stress for kucomms' control files.

Usage: stress_create_remove.py CTL_DIR PROCESSES SECONDS

Each process loops for SECONDS over shared names (contended by everyone)
and private names (its own), creating, removing and opening devices.
Shared names may answer OK, EEXIST or ENOENT; a private name must behave
exactly like a set only this process touches. Any other answer fails.
"""
import errno
import multiprocessing
import os
import random
import sys
import time

SHARED = ["kucomms_shared%d" % i for i in range(3)]


def ctl(path, name):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, (name + "\n").encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def worker(ctl_dir, idx, seconds, q):
    create = os.path.join(ctl_dir, "create_device")
    remove = os.path.join(ctl_dir, "remove_device")
    mine = {"kucomms_p%d_%d" % (idx, i): False for i in range(3)}
    rnd = random.Random(idx)
    ops = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ops += 1
        if rnd.random() < 0.5:
            name = rnd.choice(SHARED)
            r = ctl(create if rnd.random() < 0.5 else remove, name)
            if r not in (0, errno.EEXIST, errno.ENOENT):
                q.put("shared %s: %s" % (name, errno.errorcode.get(r, r)))
                return
            try:
                os.close(os.open("/dev/" + name, os.O_RDWR))
            except OSError:
                pass
        else:
            name = rnd.choice(list(mine))
            exists = mine[name]
            r = ctl(remove if exists else create, name)
            if r != 0:
                q.put("private %s (exists=%s): %s"
                      % (name, exists, errno.errorcode.get(r, r)))
                return
            mine[name] = not exists
            if os.path.exists("/dev/" + name) != mine[name]:
                q.put("private %s: /dev node disagrees" % name)
                return
    q.put("ok %d" % ops)


def main():
    ctl_dir, nproc, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker,
                                     args=(ctl_dir, i, seconds, q))
             for i in range(nproc)]
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    bad = [r for r in results if not r.startswith("ok ")]
    total = sum(int(r.split()[1]) for r in results if r.startswith("ok "))
    print("stress: %d operations in %d processes" % (total, nproc))
    if bad:
        for b in bad:
            print("stress: FAIL " + b)
        return 1
    print("stress: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
