// SPDX-License-Identifier: MIT
/*
 * kuc_storm: the worker's other system calls on its fds and mappings: read,
 * write, poll, epoll, /proc/self/mem writes, vmsplice, fcntl, and the
 * endpoint's sysfs reads.
 */
#include "storm.h"

long op_read_write(void)
{
	static unsigned char buf[1 << 17];
	size_t n;
	int fd = pick_fd(), p[2];
	long r;

	switch (below(8)) {
	case 0: n = 0; break;
	case 1: n = 1 + below(KUCOMMS_TAP_REC_SIZE); break;
	case 2: n = KUCOMMS_TAP_REC_SIZE; break;
	default: n = below(sizeof(buf)); break;
	}
	switch (below(6)) {
	case 0:
		arg("write fd=%d n=%zu", fd, n);
		return sysret(write(fd, buf, n));
	case 1:
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
			return -errno;
		arg("splice fd=%d n=%zu", fd, n);
		r = sysret(splice(fd, NULL, p[1], NULL, n, SPLICE_F_NONBLOCK));
		close(p[0]);
		close(p[1]);
		return r;
	default:
		arg("read fd=%d n=%zu", fd, n);
		return sysret(read(fd, below(4) ? (void *)buf :
				   wild_ptr(buf), n));
	}
}

long op_poll(void)
{
	struct pollfd pf[NCONN + NMON];
	int n = 0, i;

	for (i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0) {
			pf[n].fd = conns[i].fd;
			pf[n++].events = (short)(chance(4) ? rnd() :
						 POLLIN | POLLOUT);
		}
	for (i = 0; i < NMON; i++)
		if (mons[i] >= 0) {
			pf[n].fd = mons[i];
			pf[n++].events = POLLIN;
		}
	arg("%d fds", n);
	return sysret(poll(pf, (nfds_t)n, (int)below(5)));
}

long op_epoll(void)
{
	static const uint32_t evs[] = {
		EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT | EPOLLET,
		EPOLLIN | EPOLLONESHOT, EPOLLIN | EPOLLEXCLUSIVE,
		EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI,
	};
	struct epoll_event ev[8];
	int fd;

	if (epfd < 0 || chance(20)) {
		if (epfd >= 0)
			close(epfd);
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0)
			return -errno;
	}
	fd = pick_fd();
	switch (below(4)) {
	case 0:
		ev[0].events = evs[below(ARRAY_SIZE(evs))];
		ev[0].data.u64 = (uint64_t)fd;
		arg("add fd=%d ev=%#x", fd, ev[0].events);
		return sysret(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev));
	case 1:
		ev[0].events = evs[below(ARRAY_SIZE(evs))];
		arg("mod fd=%d", fd);
		return sysret(epoll_ctl(epfd, EPOLL_CTL_MOD, fd, ev));
	case 2:
		arg("del fd=%d", fd);
		return sysret(epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL));
	default:
		arg("wait");
		return sysret(epoll_wait(epfd, ev, 8, (int)below(3)));
	}
}

/* Writes through /proc/self/mem must respect the mapping's protection. */
long op_procmem(void)
{
	int m = pick_map(), fd;
	uint64_t v = rnd();
	off_t off;
	long r;

	if (m < 0)
		return -ENOENT;
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	off = (off_t)(uintptr_t)(maps[m].addr + below(maps[m].len / 8) * 8);
	if (chance(2)) {
		arg("pread reg=%d", maps[m].reg);
		r = sysret(pread(fd, &v, sizeof(v), off));
	} else {
		arg("pwrite reg=%d", maps[m].reg);
		r = sysret(pwrite(fd, &v, sizeof(v), off));
		if (r > 0 && maps[m].reg == REG_RO &&
		    ro_region_at((void *)(uintptr_t)off, &(bool){ false }))
			violation("/proc/self/mem wrote into the read-only region at %p",
				  (void *)(uintptr_t)off);
	}
	close(fd);
	return r;
}

/* Ring pages into a pipe: they must outlive the connection there. */
long op_vmsplice(void)
{
	static unsigned char buf[65536];
	struct iovec iov;
	int m = pick_map(), i = (int)below(NPIPE);
	long r;

	if (pipes[i][0] >= 0 && chance(2)) {
		arg("drain pipe %d", i);
		r = sysret(read(pipes[i][0], buf, sizeof(buf)));
		if (chance(2)) {
			close(pipes[i][0]);
			close(pipes[i][1]);
			pipes[i][0] = pipes[i][1] = -1;
		}
		return r;
	}
	if (m < 0)
		return -ENOENT;
	if (pipes[i][0] < 0 && pipe2(pipes[i], O_NONBLOCK | O_CLOEXEC))
		return -errno;
	iov.iov_base = maps[m].addr + below(maps[m].len / PAGE) * PAGE;
	iov.iov_len = PAGE * (1 + below(8));
	if ((unsigned char *)iov.iov_base + iov.iov_len >
	    maps[m].addr + maps[m].len)
		iov.iov_len = (size_t)(maps[m].addr + maps[m].len -
				       (unsigned char *)iov.iov_base);
	arg("reg=%d len=%zu", maps[m].reg, iov.iov_len);
	return sysret(vmsplice(pipes[i][1], &iov, 1,
			       SPLICE_F_NONBLOCK |
			       (chance(2) ? SPLICE_F_GIFT : 0)));
}

long op_fcntl(void)
{
	int fd = pick_fd(), fl;

	switch (below(5)) {
	case 0:
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			return -errno;
		arg("setfl fd=%d", fd);
		return sysret(fcntl(fd, F_SETFL,
				    fl ^ (O_NONBLOCK | (chance(2) ? O_ASYNC : 0))));
	case 1:
		arg("setown fd=%d", fd);
		return sysret(fcntl(fd, F_SETOWN, getpid()));
	case 2:
		arg("flock fd=%d", fd);
		return sysret(flock(fd, LOCK_EX | LOCK_NB));
	case 3:
		arg("lseek fd=%d", fd);
		return sysret(lseek(fd, (off_t)below(1 << 20), SEEK_SET));
	default:
		arg("fsync fd=%d", fd);
		return sysret(fsync(fd));
	}
}

/* The endpoint attribute while the loader unloads the echo module. */
long op_endpoint_read(void)
{
	char buf[64];
	long r = 0;
	int i, fd;

	for (i = 0; i < 10; i++) {
		fd = open(CLASS_DIR "/kucomms_echo/endpoint", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (read(fd, buf, sizeof(buf)) < 0)
			r = -errno;
		close(fd);
	}
	return r;
}

