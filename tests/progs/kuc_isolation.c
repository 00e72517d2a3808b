// SPDX-License-Identifier: MIT
/*
 * kuc_isolation: what one client of an endpoint can do to the others, for
 * tests/bats/hostile.bats (issue 14). Modes:
 *
 *   kuc_isolation victim DEVICE SECS LIMIT_MS HOSTILE
 *       forks a client that behaves as HOSTILE (below) on its own
 *       connection, and meanwhile ping-pongs 64-byte messages on another
 *       connection for SECS seconds. Prints "victim: roundtrips=N
 *       max_ms=M hostile=..." and fails when a reply took over LIMIT_MS.
 *       HOSTILE is one of
 *         noread    sends 512-byte messages as fast as it can, never reads
 *         slowread  sends as fast as it can, reads one reply every 50 ms
 *         flood     sends the largest messages and reads every reply
 *         kick      KUCOMMS_IOC_KICK in a loop
 *         closemid  opens, sends 3000 messages without reading, closes,
 *                   again and again
 *   kuc_isolation pingpong DEVICE N
 *       N round trips, each reply waited for with poll() (even ones) or
 *       epoll_wait() (odd ones) with a 2 s time-out, after a non-blocking
 *       receive found nothing. A time-out that fires is a lost wakeup:
 *       prints "pingpong: roundtrips=N timeouts=T" and fails when T > 0.
 *   kuc_isolation trickle DEVICE SECS CONNS INFLIGHT IDLE
 *       INFLIGHT (< 64) messages in flight on each of CONNS connections,
 *       sent in a burst once the last burst's replies are in,
 *       busy-polled (no system call while the kernel thread runs), for
 *       SECS seconds,
 *       while IDLE more connections stay open and silent: they make each
 *       of the kernel thread's passes long, so that it finds work on
 *       every pass, and never a full batch.
 *   kuc_isolation openclose DEVICE N
 *       N open()/close() pairs of /dev/DEVICE; prints
 *       "openclose: ok=A ebusy=B other=C".
 *   kuc_isolation send DEVICE TYPE ID VALUE
 *       one empty message, then close at once.
 *   kuc_isolation hold DEVICE TYPE ID VALUE SECS
 *       one empty message, then SECS seconds without reading, then close.
 *   kuc_isolation slowdrain DEVICE TYPE ID VALUE PAUSE_MS N
 *       one empty message, then no reading for PAUSE_MS or until a
 *       SIGUSR1, whichever comes first (a test that must see the peer
 *       still stalled signals when it has looked, so a slow kernel cannot
 *       end the pause early); then receives N messages (10 s time-out
 *       each); prints "slowdrain: got=N ms=T", T the time the N took
 *       after the pause.
 *
 * Exit status: 0 fine, 1 a check failed, 2 an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>

static unsigned char buf[1 << 22];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct kuc_channel *open_or_die(const char *dev)
{
	struct kuc_channel *ch;
	int err = kuc_open(dev, &ch);

	if (err) {
		fprintf(stderr, "kuc_isolation: open %s: %s\n", dev,
			kuc_strerror(err));
		exit(2);
	}
	return ch;
}

/* Receive whatever is there without waiting; returns how many. */
static unsigned long drain_now(struct kuc_channel *ch)
{
	struct kucomms_msg_hdr hdr;
	unsigned long n = 0;

	while (!kuc_recv(ch, &hdr, buf, sizeof(buf), 0))
		n++;
	return n;
}

static void hostile(const char *dev, const char *how, double end)
{
	struct kucomms_msg_hdr hdr = { .type = 7 };
	struct kuc_channel *ch = NULL;
	double next_read = 0;
	uint64_t i = 0;
	int n;

	if (strcmp(how, "closemid"))
		ch = open_or_die(dev);
	while (now_ms() < end) {
		if (!strcmp(how, "noread") || !strcmp(how, "slowread")) {
			hdr.length = 512;
			hdr.id = i++;
			if (kuc_send(ch, &hdr, buf) == -EAGAIN)
				usleep(1000);
			if (how[0] == 's' && now_ms() >= next_read) {
				kuc_recv(ch, &hdr, buf, sizeof(buf), 0);
				next_read = now_ms() + 50;
			}
		} else if (!strcmp(how, "flood")) {
			hdr.length = kuc_msg_max(ch);
			hdr.id = i++;
			kuc_send_wait(ch, &hdr, buf, 100);
			drain_now(ch);
		} else if (!strcmp(how, "kick")) {
			ioctl(kuc_fd(ch), KUCOMMS_IOC_KICK);
		} else if (!strcmp(how, "closemid")) {
			ch = open_or_die(dev);
			hdr.length = 0;
			for (n = 0; n < 3000 && now_ms() < end; n++)
				if (kuc_send_wait(ch, &hdr, NULL, 100))
					break;
			kuc_close(ch);
			ch = NULL;
		} else {
			fprintf(stderr, "kuc_isolation: unknown behaviour %s\n",
				how);
			exit(2);
		}
	}
	kuc_close(ch);
	exit(0);
}

static int victim(const char *dev, double secs, double limit,
		  const char *how)
{
	struct kucomms_msg_hdr hdr = { .type = 5, .length = 64 };
	struct kucomms_msg_hdr rep;
	struct kuc_channel *ch = open_or_die(dev);
	double start, end, t, rtt, max = 0;
	unsigned long n = 0;
	int status, err = 0;
	pid_t pid;

	start = now_ms();
	end = start + secs * 1000;
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid)
		hostile(dev, how, end);
	usleep(500 * 1000);	/* let it get going */
	while (now_ms() < end) {
		t = now_ms();
		hdr.id = n;
		err = kuc_send_wait(ch, &hdr, buf, 30000);
		if (!err)
			err = kuc_recv(ch, &rep, buf, sizeof(buf), 30000);
		if (err)
			break;
		rtt = now_ms() - t;
		if (rtt > max)
			max = rtt;
		if (rep.id != hdr.id) {
			err = -EBADMSG;
			break;
		}
		n++;
		usleep(2000);
	}
	waitpid(pid, &status, 0);
	printf("victim: roundtrips=%lu max_ms=%.1f hostile=%s err=%s\n", n, max,
	       how, err ? kuc_strerror(err) : "none");
	kuc_close(ch);
	if (err)
		return 2;
	return max > limit ? 1 : 0;
}

static int pingpong(const char *dev, unsigned long count)
{
	struct kucomms_msg_hdr hdr = { .type = 5, .length = 16 };
	struct kuc_channel *ch = open_or_die(dev);
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned long i, timeouts = 0;
	int ep, fd = kuc_fd(ch), err, n;
	struct pollfd p;

	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return 2;
	for (i = 0; i < count; i++) {
		hdr.id = i;
		err = kuc_send_wait(ch, &hdr, buf, 10000);
		if (err) {
			fprintf(stderr, "kuc_isolation: send: %s\n",
				kuc_strerror(err));
			return 2;
		}
		while ((err = kuc_recv(ch, &hdr, buf, sizeof(buf), 0)) ==
		       -ETIMEDOUT || err == -EAGAIN) {
			if (i & 1) {
				n = epoll_wait(ep, &ev, 1, 2000);
			} else {
				p.fd = fd;
				p.events = POLLIN;
				n = poll(&p, 1, 2000);
			}
			if (n == 0)
				timeouts++;
			else if (n < 0 && errno != EINTR)
				return 2;
		}
		if (err) {
			fprintf(stderr, "kuc_isolation: recv: %s\n",
				kuc_strerror(err));
			return 2;
		}
	}
	printf("pingpong: roundtrips=%lu timeouts=%lu\n", count, timeouts);
	kuc_close(ch);
	return timeouts ? 1 : 0;
}

/* Send @n messages on @ch in one go (one kick at most). */
static int burst(struct kuc_channel *ch, int n)
{
	struct kucomms_msg_hdr hdr = { .type = 5, .length = 8 };

	while (n--)
		if (kuc_send_more(ch, &hdr, buf))
			return -1;
	return kuc_flush(ch) ? -1 : 0;
}

static int trickle(const char *dev, double secs, int conns, int inflight,
		   int idle)
{
	char path[128];
	struct kuc_channel *ch[64];
	struct kucomms_msg_hdr hdr;
	int out[64];
	unsigned long n = 0;
	double end;
	int i, err;

	if (conns < 1 || conns > 64 || inflight < 1 || inflight >= 64)
		return 2;
	snprintf(path, sizeof(path), "/dev/%s", dev);
	for (i = 0; i < idle; i++)
		if (open(path, O_RDWR) < 0) {
			perror("kuc_isolation: open");
			return 2;
		}
	for (i = 0; i < conns; i++) {
		ch[i] = open_or_die(dev);
		if (burst(ch[i], inflight))
			return 2;
		out[i] = inflight;
	}
	/*
	 * The next burst only once every reply of the last one is in: the
	 * thread never finds more than INFLIGHT of a connection in one go
	 * (a full batch would have made even the old thread yield), but the
	 * burst is there by the time it looks again, after its long pass.
	 */
	end = now_ms() + secs * 1000;
	while (now_ms() < end) {
		for (i = 0; i < conns; i++) {
			err = kuc_recv(ch[i], &hdr, buf, sizeof(buf), 0);
			if (err == -EAGAIN || err == -ETIMEDOUT)
				continue;
			if (err)
				return 2;
			n++;
			if (--out[i])
				continue;
			if (burst(ch[i], inflight))
				return 2;
			out[i] = inflight;
		}
	}
	printf("trickle: roundtrips=%lu conns=%d\n", n, conns);
	for (i = 0; i < conns; i++)
		kuc_close(ch[i]);
	return 0;
}

static int openclose(const char *dev, unsigned long count)
{
	unsigned long i, ok = 0, ebusy = 0, other = 0;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	for (i = 0; i < count; i++) {
		fd = open(path, O_RDWR);
		if (fd >= 0) {
			ok++;
			close(fd);
		} else if (errno == EBUSY) {
			ebusy++;
		} else {
			other++;
		}
	}
	printf("openclose: ok=%lu ebusy=%lu other=%lu\n", ok, ebusy, other);
	return other ? 1 : 0;
}

static int send_one(const char *dev, char **argv)
{
	struct kucomms_msg_hdr hdr = {
		.type = strtoull(argv[0], NULL, 0),
		.id = strtoull(argv[1], NULL, 0),
		.value = strtoull(argv[2], NULL, 0),
	};
	struct kuc_channel *ch = open_or_die(dev);
	int err = kuc_send_wait(ch, &hdr, NULL, 5000);

	kuc_close(ch);
	return err ? 2 : 0;
}

static int hold(const char *dev, char **argv, double secs, double pause_ms,
		unsigned long n)
{
	struct kucomms_msg_hdr hdr = {
		.type = strtoull(argv[0], NULL, 0),
		.id = strtoull(argv[1], NULL, 0),
		.value = strtoull(argv[2], NULL, 0),
	};
	struct kuc_channel *ch;
	unsigned long got = 0;
	struct timespec pause;
	sigset_t usr1;
	double t;
	int err;

	/* Blocked before anything is sent: a SIGUSR1 that comes early stays
	 * pending and ends the pause at once instead of killing us. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	ch = open_or_die(dev);
	err = kuc_send_wait(ch, &hdr, NULL, 5000);
	if (err)
		return 2;
	if (secs > 0) {
		usleep((useconds_t)(secs * 1e6));
		kuc_close(ch);
		return 0;
	}
	pause.tv_sec = (time_t)(pause_ms / 1e3);
	pause.tv_nsec = (long)((pause_ms - pause.tv_sec * 1e3) * 1e6);
	while (sigtimedwait(&usr1, NULL, &pause) < 0 && errno == EINTR)
		;
	t = now_ms();
	while (got < n && !kuc_recv(ch, &hdr, buf, sizeof(buf), 10000))
		got++;
	printf("slowdrain: got=%lu ms=%.0f\n", got, now_ms() - t);
	kuc_close(ch);
	return got == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "hold"))
		return hold(argv[2], argv + 3, atof(argv[6]), 0, 0);
	if (argc == 8 && !strcmp(argv[1], "slowdrain"))
		return hold(argv[2], argv + 3, 0, atof(argv[6]),
			    strtoul(argv[7], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "victim"))
		return victim(argv[2], atof(argv[3]), atof(argv[4]), argv[5]);
	if (argc == 4 && !strcmp(argv[1], "pingpong"))
		return pingpong(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 7 && !strcmp(argv[1], "trickle"))
		return trickle(argv[2], atof(argv[3]), atoi(argv[4]),
			       atoi(argv[5]), atoi(argv[6]));
	if (argc == 4 && !strcmp(argv[1], "openclose"))
		return openclose(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send_one(argv[2], argv + 3);
	fprintf(stderr, "usage: kuc_isolation victim DEVICE SECS LIMIT_MS HOSTILE\n"
		"       kuc_isolation pingpong DEVICE N\n"
		"       kuc_isolation trickle DEVICE SECS CONNS INFLIGHT IDLE\n"
		"       kuc_isolation openclose DEVICE N\n"
		"       kuc_isolation send DEVICE TYPE ID VALUE\n"
		"       kuc_isolation hold DEVICE TYPE ID VALUE SECS\n"
		"       kuc_isolation slowdrain DEVICE TYPE ID VALUE PAUSE_MS N\n");
	return 2;
}
