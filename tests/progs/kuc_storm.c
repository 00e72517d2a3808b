// SPDX-License-Identifier: MIT
/*
 * kuc_storm: a seeded, randomized system-call storm against kucomms.ko,
 * to find what the kernel cannot survive (run by tests/bats/storm.bats in
 * the test VM, as root; `make storm` runs it for longer on the debug
 * kernel, KASAN, lockdep, kmemleak, UBSAN).
 *
 *   kuc_storm [--seed N] [--seconds S] [--procs N] [--grace S]
 *             [--module KO] [--echo-module KO] [--ops LIST] [--trace]
 *
 * Processes, all started at once and stopped at --seconds:
 *   N workers  open and close the devices (kucomms_echo, which
 *              kucomms_echo.ko serves, kucomms_storm0..2 which nothing
 *              serves, a name that does not exist) and the monitor
 *              /dev/kucomms-monitor; mmap with random offsets, lengths,
 *              protections and flags; mprotect, mremap, munmap, madvise,
 *              msync, mlock the mappings; write garbage into every field
 *              userspace may write (u2k producer page, k2u consumer page,
 *              u2k data), read the rest; send honest messages (echo and
 *              broadcast) and read the replies; valid ioctls with random
 *              arguments (pointers into read-only mappings, unmapped,
 *              kernel addresses), random ioctl numbers; read/write/splice
 *              on every fd; poll and epoll; /proc/self/mem writes into
 *              the read-only mappings; vmsplice of the ring pages into a
 *              pipe; fcntl; fork (the children use the inherited fds
 *              concurrently, then exit). A 10 ms SIGALRM interrupts any
 *              blocking call.
 *   1 admin    creates and removes the devices through the sysfs control
 *              files (also invalid names), writes random values to
 *              ring_size and max_connections, reads every attribute.
 *   1 loader   loads and unloads kucomms_echo.ko (finit_module and
 *              delete_module); with --module also, rarely, kucomms.ko
 *              itself (only possible when nothing holds it).
 * The parent watches: each second it reads MemAvailable (below 400 MiB
 * the workers close their files and open none, the admin sets 4 KiB
 * rings: the storm tests the kernel, not the OOM killer), and at the end
 * it waits --grace seconds (default 30) for every process; one still
 * alive then is a hang: its kernel stack (/proc/PID/stack), its last
 * operations and its state are printed, it is killed, exit status 3.
 *
 * Reproducing: the seed is printed first; every process draws its
 * choices from its own stream derived from (seed, role, index), so the
 * same seed repeats each process's sequence of operations as long as the
 * kernel answers the same (the interleaving differs, as it must). To
 * narrow a finding down: fewer --procs, --ops with a comma-separated
 * subset of the operation names printed in the table (admin and loader
 * run only when one of their operations is listed), and --trace, which
 * prints every operation with its arguments and result.
 *
 * At the end a table gives, for each kind of operation, how many ran,
 * how many succeeded and the rate per second. Exit status: 0 done, 1 an
 * ABI promise was broken (a read-only mapping became writable, a bad
 * magic, ...; printed as VIOLATION), 2 bad usage or set-up error, 3 a
 * hang. Kernel reports (KASAN, lockdep, WARNING, ...) are for the caller
 * to find in the kernel log (tests/vm/run fails the run on them).
 */
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <kucomms/kucomms_ring.h>
#include "kucomms_echo.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		KUCOMMS_PAGE_SIZE

#define NCONN		6	/* connection fds a worker holds at most */
#define NMON		3	/* monitor fds */
#define NMAP		24	/* mappings */
#define NPIPE		2	/* pipes holding vmspliced ring pages */
#define FD_MAX_MS	2000	/* a connection is closed after this long */
#define MAX_SLOTS	64	/* processes the parent tracks (forks too) */
#define LAST_OPS	16	/* operations remembered per process */
#define LOWMEM_KB	(400 * 1024)

static const char *const devices[] = {
	"kucomms_echo", "kucomms_echo", "kucomms_echo",	/* weight */
	"kucomms_storm0", "kucomms_storm1", "kucomms_storm2",
	"kucomms_nosuch",
};
#define CTL_DIR		KUCOMMS_SYSFS_CTL
#define CLASS_DIR	KUCOMMS_SYSFS_CLASS

/* ---- operations --------------------------------------------------------- */

enum role { R_WORKER, R_ADMIN, R_LOADER, R_FORK };

#define OPS(X)								\
	X(OPEN_CONN, "open_conn", R_WORKER, 8)				\
	X(OPEN_MON, "open_mon", R_WORKER, 3)				\
	X(CLOSE, "close", R_WORKER, 5)					\
	X(DUP, "dup", R_WORKER, 1)					\
	X(MMAP, "mmap", R_WORKER, 8)					\
	X(MUNMAP, "munmap", R_WORKER, 3)				\
	X(MPROTECT, "mprotect", R_WORKER, 3)				\
	X(MREMAP, "mremap", R_WORKER, 2)				\
	X(MADVISE, "madvise", R_WORKER, 3)				\
	X(MSYNC_MLOCK, "msync_mlock", R_WORKER, 1)			\
	X(GARBAGE, "garbage", R_WORKER, 10)				\
	X(HONEST, "honest", R_WORKER, 8)				\
	X(IOCTL_CONN, "ioctl_conn", R_WORKER, 8)			\
	X(IOCTL_MON, "ioctl_mon", R_WORKER, 5)				\
	X(IOCTL_RANDOM, "ioctl_random", R_WORKER, 3)			\
	X(READ_WRITE, "read_write", R_WORKER, 5)			\
	X(POLL, "poll", R_WORKER, 4)					\
	X(EPOLL, "epoll", R_WORKER, 2)					\
	X(PROCMEM, "procmem", R_WORKER, 2)				\
	X(VMSPLICE, "vmsplice", R_WORKER, 2)				\
	X(FCNTL, "fcntl", R_WORKER, 1)					\
	X(FORK, "fork", R_WORKER, 1)					\
	X(ENDPOINT_READ, "endpoint_read", R_WORKER, 2)			\
	X(SYSFS_READ, "sysfs_read", R_ADMIN, 6)				\
	X(CREATE, "create", R_ADMIN, 4)					\
	X(REMOVE, "remove", R_ADMIN, 2)					\
	X(BAD_NAME, "bad_name", R_ADMIN, 1)				\
	X(ATTR_WRITE, "attr_write", R_ADMIN, 3)				\
	X(INSMOD, "insmod", R_LOADER, 3)				\
	X(RMMOD, "rmmod", R_LOADER, 2)					\
	X(RELOAD_CORE, "reload_core", R_LOADER, 1)

#define X_ENUM(e, n, r, w)	OP_##e,
enum op { OPS(X_ENUM) NOPS };
#define X_INFO(e, n, r, w)	{ n, r, w },
static const struct {
	const char *name;
	enum role role;
	unsigned int weight;
} ops[] = { OPS(X_INFO) };

/* ---- state shared by every process (MAP_SHARED) -------------------------- */

struct slot {
	int pid;		/* 0: free */
	int role, index;
	unsigned int op;	/* running now (NOPS: none) */
	uint64_t seq;
	int64_t op_start_ms;
	char cur_arg[96];	/* of the operation running now */
	unsigned int last_op[LAST_OPS];
	char last_arg[LAST_OPS][40];
};

struct shared {
	uint64_t count[NOPS], ok[NOPS];
	uint64_t faults, violations, children, abnormal;
	int lowmem;
	int stop;
	int quiet;		/* the loader reloads kucomms.ko: let go */
	int quiet_workers;	/* workers holding nothing, waiting */
	struct slot slots[MAX_SLOTS];
};

static struct shared *sh;
static struct slot *me;

static struct opts {
	uint64_t seed;
	unsigned int seconds, procs, grace;
	const char *module, *echo_module;
	bool enabled[NOPS];
	bool trace;
} opt = {
	.seed = 1,
	.seconds = 15,
	.procs = 4,
	.grace = 30,
};

static int64_t end_ms;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static const char *errname(int err)
{
	const char *s = err ? strerrorname_np(err) : "OK";

	return s ? s : "E?";
}

/* ---- randomness: one splitmix64 stream per process ----------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int one_in)
{
	return below(one_in) == 0;
}

static void rng_seed(int role, int index, uint64_t extra)
{
	rng = opt.seed ^ ((uint64_t)role << 56) ^ ((uint64_t)index << 40) ^
	      (extra * 0x2545f4914f6cdd1dULL);
	rnd();
}

/* A value a field might be given: near the truth, extremes, noise. */
static uint64_t wild(uint64_t near)
{
	switch (below(8)) {
	case 0: return near + below(4096) * 8;
	case 1: return near - below(64) * 8;
	case 2: return near + below(64);
	case 3: return UINT64_MAX - below(64);
	case 4: return below(2) ? 0 : (1ULL << below(64));
	case 5: return (uint64_t)INT64_MAX + below(3) - 1;
	default: return rnd();
	}
}

/* ---- faults in our own mappings are expected ---------------------------- */

static sigjmp_buf fault_jb;
static volatile sig_atomic_t in_guard;

static void on_fault(int sig)
{
	if (!in_guard) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(fault_jb, 1);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Run @fn(@arg) with SIGSEGV and SIGBUS caught: 0, or -1 on a fault. */
static int guarded(void (*fn)(void *), void *arg)
{
	if (sigsetjmp(fault_jb, 1)) {
		in_guard = 0;
		add(&sh->faults, 1);
		return -1;
	}
	in_guard = 1;
	fn(arg);
	in_guard = 0;
	return 0;
}

static void signals_setup(bool alarm)
{
	struct sigaction sa = { .sa_handler = on_fault };
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	if (!alarm)
		return;
	/* No SA_RESTART: every blocking call gets interrupted in time. */
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- bookkeeping of an operation ---------------------------------------- */

static char argbuf[128];

static void op_begin(enum op o)
{
	me->op = o;
	me->seq++;
	me->op_start_ms = now_ms();
	argbuf[0] = '\0';
	me->cur_arg[0] = '\0';
}

static void arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void arg(const char *fmt, ...)
{
	size_t n = strlen(argbuf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(argbuf + n, sizeof(argbuf) - n, fmt, ap);
	va_end(ap);
	memcpy(me->cur_arg, argbuf, sizeof(me->cur_arg) - 1);
}

/* @ret < 0: failed with errno -@ret. */
static void op_end(enum op o, long ret)
{
	unsigned int i = me->seq % LAST_OPS;

	add(&sh->count[o], 1);
	if (ret >= 0)
		add(&sh->ok[o], 1);
	me->last_op[i] = o;
	snprintf(me->last_arg[i], sizeof(me->last_arg[i]), "%s -> %s", argbuf,
		 ret >= 0 ? "ok" : errname((int)-ret));
	if (opt.trace)
		fprintf(stderr, "storm %c%d.%" PRIu64 " %s %s -> %ld %s\n",
			"WALF"[me->role], me->index, me->seq, ops[o].name,
			argbuf, ret, ret >= 0 ? "" : errname((int)-ret));
	me->op = NOPS;
}

static long sysret(long r)
{
	return r < 0 ? -errno : r;
}

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	va_list ap;

	add(&sh->violations, 1);
	fprintf(stderr, "kuc_storm: VIOLATION (pid %d, seed %" PRIu64 "): ",
		getpid(), opt.seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- a worker's files and mappings --------------------------------------- */

enum region { REG_RO, REG_RW, REG_OTHER };

struct conn {
	int fd;			/* -1: free */
	int64_t opened_ms;
	uint64_t ring_size;	/* from KUCOMMS_IOC_INFO, 0 unknown */
	int ro_map, rw_map;	/* honest mappings (map index) or -1 */
	struct kucomms_ring tx, rx;
	uint64_t next_id;
};

struct map {
	unsigned char *addr;	/* NULL: free */
	size_t len;
	int conn;		/* the connection slot it came from */
	enum region reg;
	size_t first_page;	/* page of the region at addr */
	int prot;		/* -1: not known (partly changed) */
	bool intact;		/* whole region, untouched since mmap */
};

static struct conn conns[NCONN];
static int mons[NMON];
static int mon_attached[NMON];
static int64_t mon_opened_ms[NMON];
static struct map maps[NMAP];
static int pipes[NPIPE][2];
static int epfd = -1;
static bool is_fork_child;

static void forget_honest(int m)
{
	int c = maps[m].conn;

	if (c >= 0 && (conns[c].ro_map == m || conns[c].rw_map == m)) {
		conns[c].ro_map = -1;
		conns[c].rw_map = -1;
	}
}

/*
 * What /proc/self/maps says is at @addr: 1 and the permissions ("r--s")
 * and offset when it is a mapping of a kucomms device, 0 when something
 * else or nothing is there. A fork child's table names mappings it did
 * not inherit (VM_DONTCOPY), whose addresses may hold anything now.
 */
static int vma_at(const void *addr, char perms[5], unsigned long long *off)
{
	char line[512], path[256];
	unsigned long long lo, hi, o;
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %4s %llx %*s %*s %255s", &lo, &hi,
			   perms, &o, path) < 4)
			continue;
		if ((uintptr_t)addr < lo || (uintptr_t)addr >= hi)
			continue;
		found = !strncmp(path, "/dev/kucomms_", 13);
		*off = o + ((uintptr_t)addr - lo);
		break;
	}
	fclose(f);
	return found;
}

/* Is @addr in a mapping of a read-only region (and is it writable)? */
static bool ro_region_at(const void *addr, bool *writable)
{
	unsigned long long off;
	char perms[5] = "";

	if (!vma_at(addr, perms, &off) || off >= KUCOMMS_MMAP_RW)
		return false;
	*writable = perms[1] == 'w';
	return true;
}

static void map_drop(int m)
{
	forget_honest(m);
	memset(&maps[m], 0, sizeof(maps[m]));
	maps[m].conn = -1;
}

static int free_map(void)
{
	int m;

	for (m = 0; m < NMAP; m++)
		if (!maps[m].addr)
			return m;
	return -1;
}

static int pick_map(void)
{
	int m, n = 0, pick = -1;

	for (m = 0; m < NMAP; m++)
		if (maps[m].addr && below(++n) == 0)
			pick = m;
	return pick;
}

static int pick_conn(void)
{
	int c, n = 0, pick = -1;

	for (c = 0; c < NCONN; c++)
		if (conns[c].fd >= 0 && below(++n) == 0)
			pick = c;
	return pick;
}

static int pick_mon(void)
{
	int i, n = 0, pick = -1;

	for (i = 0; i < NMON; i++)
		if (mons[i] >= 0 && below(++n) == 0)
			pick = i;
	return pick;
}

/* Any of our fds: connections, monitors, sometimes a closed number. */
static int pick_fd(void)
{
	int c;

	if (chance(3) && (c = pick_mon()) >= 0)
		return mons[c];
	if ((c = pick_conn()) >= 0)
		return conns[c].fd;
	return chance(2) ? 1000 + (int)below(10) : -1;
}

static void conn_close(int c)
{
	int m;

	for (m = 0; m < NMAP; m++)
		if (maps[m].addr && maps[m].conn == c)
			maps[m].conn = -1;	/* the mapping outlives the fd */
	if (conns[c].fd >= 0)
		close(conns[c].fd);
	memset(&conns[c], 0, sizeof(conns[c]));
	conns[c].fd = -1;
	conns[c].ro_map = conns[c].rw_map = -1;
}

static void mon_close(int i)
{
	if (mons[i] >= 0)
		close(mons[i]);
	mons[i] = -1;
	mon_attached[i] = 0;
}

static void close_all(void)
{
	int i;

	for (i = 0; i < NCONN; i++)
		conn_close(i);
	for (i = 0; i < NMON; i++)
		mon_close(i);
	for (i = 0; i < NMAP; i++) {
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
		map_drop(i);
	}
	for (i = 0; i < NPIPE; i++) {
		if (pipes[i][0] >= 0) {
			close(pipes[i][0]);
			close(pipes[i][1]);
		}
		pipes[i][0] = pipes[i][1] = -1;
	}
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

static void state_init(void)
{
	int i;

	for (i = 0; i < NCONN; i++) {
		conns[i].fd = -1;
		conns[i].ro_map = conns[i].rw_map = -1;
	}
	for (i = 0; i < NMON; i++)
		mons[i] = -1;
	for (i = 0; i < NMAP; i++)
		map_drop(i);
	for (i = 0; i < NPIPE; i++)
		pipes[i][0] = pipes[i][1] = -1;
}

static uint64_t region_pages(uint64_t ring_size, enum region reg)
{
	return reg == REG_RO ? KUCOMMS_RO_PAGES(ring_size) :
	       KUCOMMS_RW_PAGES(ring_size);
}

/* A user pointer for an ioctl or read: good, bad, or hostile. */
static void *wild_ptr(void *good)
{
	int m;

	switch (below(8)) {
	case 0: return NULL;
	case 1: return (void *)(uintptr_t)0xffffffff81000000ULL;
	case 2: return (void *)(uintptr_t)(rnd() & 0x7ffffffff000ULL);
	case 3:
		m = pick_map();
		if (m >= 0)
			return maps[m].addr + below(maps[m].len);
		return good;
	case 4: return (char *)good + 1;
	default: return good;
	}
}

/* ---- worker operations --------------------------------------------------- */

static long map_one(int c, enum region reg, int prot, int flags,
		    off_t off, size_t len)
{
	int m = free_map();
	void *p;

	if (m < 0)
		return -ENOSPC;
	p = mmap(NULL, len, prot, flags, conns[c].fd, off);
	if (p == MAP_FAILED)
		return -errno;
	maps[m].addr = p;
	maps[m].len = len;
	maps[m].conn = c;
	maps[m].reg = reg;
	maps[m].first_page = 0;
	maps[m].prot = prot;
	maps[m].intact = conns[c].ring_size &&
			 len == region_pages(conns[c].ring_size, reg) * PAGE;
	return m;
}

/* The honest pair of mappings and the ring views over them. */
static void conn_map_honest(int c)
{
	struct conn *k = &conns[c];
	unsigned char *ro, *rw;
	long a, b;

	a = map_one(c, REG_RO, PROT_READ, MAP_SHARED, KUCOMMS_MMAP_RO,
		    region_pages(k->ring_size, REG_RO) * PAGE);
	if (a < 0)
		return;
	b = map_one(c, REG_RW, PROT_READ | PROT_WRITE, MAP_SHARED,
		    (off_t)KUCOMMS_MMAP_RW,
		    region_pages(k->ring_size, REG_RW) * PAGE);
	if (b < 0)
		return;
	ro = maps[a].addr;
	rw = maps[b].addr;
	k->ro_map = (int)a;
	k->rw_map = (int)b;
	kucomms_ring_init(&k->tx, (struct kucomms_ring_prod *)rw,
			  (struct kucomms_ring_cons *)(ro + PAGE),
			  rw + 2 * PAGE, k->ring_size, 0);
	kucomms_ring_init(&k->rx, (struct kucomms_ring_prod *)(ro + 2 * PAGE),
			  (struct kucomms_ring_cons *)(rw + PAGE),
			  ro + 3 * PAGE, k->ring_size, 0);
}

static long op_open_conn(void)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDONLY,
				     O_WRONLY, O_RDWR | O_NONBLOCK };
	const char *name = devices[below(ARRAY_SIZE(devices))];
	struct kucomms_info info;
	char path[96];
	int c, fd, flags;

	for (c = 0; c < NCONN; c++)
		if (conns[c].fd < 0)
			break;
	if (c == NCONN) {
		c = (int)below(NCONN);
		conn_close(c);
	}
	flags = modes[below(ARRAY_SIZE(modes))] | O_CLOEXEC;
	snprintf(path, sizeof(path), "/dev/%s", name);
	arg("%s flags=%#x", name, (unsigned int)flags);
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	conns[c].fd = fd;
	conns[c].opened_ms = now_ms();
	conns[c].ro_map = conns[c].rw_map = -1;
	if (!ioctl(fd, KUCOMMS_IOC_INFO, &info)) {
		if (info.magic != KUCOMMS_MAGIC || info.page_size != PAGE ||
		    info.ring_size < (1ULL << KUCOMMS_RING_ORDER_MIN) ||
		    info.ring_size > (1ULL << KUCOMMS_RING_ORDER_MAX) ||
		    (info.ring_size & (info.ring_size - 1)) ||
		    info.msg_max != KUCOMMS_MSG_MAX(info.ring_size))
			violation("KUCOMMS_IOC_INFO of %s: magic %#llx ring_size %llu",
				  name, (unsigned long long)info.magic,
				  (unsigned long long)info.ring_size);
		else
			conns[c].ring_size = info.ring_size;
	}
	if (conns[c].ring_size && (flags & O_ACCMODE) == O_RDWR && chance(2))
		conn_map_honest(c);
	return fd;
}

static long op_open_mon(void)
{
	int i, fd, flags = O_RDWR | O_CLOEXEC;

	for (i = 0; i < NMON; i++)
		if (mons[i] < 0)
			break;
	if (i == NMON) {
		i = (int)below(NMON);
		mon_close(i);
	}
	if (!chance(4))
		flags |= O_NONBLOCK;
	if (chance(8))
		flags = (flags & ~O_ACCMODE) | O_RDONLY;
	arg("flags=%#x", (unsigned int)flags);
	fd = open(KUCOMMS_MONITOR_NODE, flags);
	if (fd < 0)
		return -errno;
	mons[i] = fd;
	mon_attached[i] = 0;
	mon_opened_ms[i] = now_ms();
	return fd;
}

static long op_close(void)
{
	int i;

	if (chance(3) && (i = pick_mon()) >= 0) {
		arg("mon fd=%d", mons[i]);
		mon_close(i);
		return 0;
	}
	i = pick_conn();
	if (i < 0)
		return -EBADF;
	arg("conn fd=%d", conns[i].fd);
	conn_close(i);
	return 0;
}

/* dup2 one of our fds over another of ours: the old file is closed. */
static long op_dup(void)
{
	int a = pick_conn(), b = pick_conn(), m, num, i;

	if (a < 0)
		return -EBADF;
	if (b < 0 || a == b) {
		m = pick_mon();
		if (m < 0)
			return -EBADF;
		/* The connection's number names the monitor, then nothing. */
		arg("dup2 mon %d -> conn %d", mons[m], conns[a].fd);
		num = dup2(mons[m], conns[a].fd);
		if (num < 0)
			return -errno;
		conn_close(a);
		return 0;
	}
	arg("dup2 conn %d -> conn %d", conns[a].fd, conns[b].fd);
	num = dup2(conns[a].fd, conns[b].fd);
	if (num < 0)
		return -errno;
	/* b's number names a's file now; b's mappings lose their fd. */
	for (i = 0; i < NMAP; i++)
		if (maps[i].addr && maps[i].conn == b)
			maps[i].conn = -1;
	memset(&conns[b], 0, sizeof(conns[b]));
	conns[b].fd = num;
	conns[b].opened_ms = now_ms();
	conns[b].ring_size = conns[a].ring_size;
	conns[b].ro_map = conns[b].rw_map = -1;
	return 0;
}

static long op_mmap(void)
{
	static const int prots[] = {
		PROT_READ, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	int c = pick_conn(), prot, flags, m;
	uint64_t rs;
	enum region reg;
	off_t off;
	size_t len, pages;
	long r;

	if (c < 0)
		return -EBADF;
	rs = conns[c].ring_size ? conns[c].ring_size : 65536;
	switch (below(10)) {
	case 0: case 1: case 2: case 3:
		reg = REG_RO; off = KUCOMMS_MMAP_RO; break;
	case 4: case 5: case 6: case 7:
		reg = REG_RW; off = (off_t)KUCOMMS_MMAP_RW; break;
	case 8:
		reg = REG_OTHER; off = (off_t)(below(64) * PAGE); break;
	default:
		reg = REG_OTHER;
		off = (off_t)(rnd() & 0x7ffffffffffff000ULL);
		break;
	}
	if (off == KUCOMMS_MMAP_RO)
		reg = REG_RO;
	else if (off == (off_t)KUCOMMS_MMAP_RW)
		reg = REG_RW;
	pages = reg == REG_OTHER ? region_pages(rs, REG_RW) :
		region_pages(rs, reg);
	switch (below(8)) {
	case 0: len = (pages - 1) * PAGE; break;
	case 1: len = (pages + 1) * PAGE; break;
	case 2: len = below(pages + 2) * PAGE; break;
	case 3: len = 1 + below(4 * PAGE); break;
	default: len = pages * PAGE; break;
	}
	prot = prots[below(ARRAY_SIZE(prots))];
	flags = chance(6) ? MAP_PRIVATE : MAP_SHARED;
	/* Half the time what the ABI asks for, so that mappings exist. */
	if (reg != REG_OTHER && chance(2)) {
		len = pages * PAGE;
		prot = reg == REG_RO ? PROT_READ : PROT_READ | PROT_WRITE;
		flags = MAP_SHARED;
	}
	if (chance(6))
		flags |= MAP_POPULATE;
	if (chance(12))
		flags |= MAP_LOCKED;
	if (chance(12))
		flags |= MAP_NORESERVE;
	arg("fd=%d off=%#llx len=%zu prot=%d flags=%#x", conns[c].fd,
	    (unsigned long long)off, len, prot, (unsigned int)flags);
	r = map_one(c, reg, prot, flags, off, len);
	if (r < 0)
		return r;
	m = (int)r;
	/* The ABI's promises on what must not be mapped writable. */
	if (reg == REG_RO && (prot & PROT_WRITE) && (flags & MAP_SHARED))
		violation("the read-only region mapped writable (%s)", argbuf);
	if ((flags & MAP_PRIVATE))
		violation("a private mapping of a connection was accepted (%s)",
			  argbuf);
	return m;
}

static long op_munmap(void)
{
	int m = pick_map();
	size_t pages, k;
	long r;

	if (m < 0)
		return -ENOENT;
	pages = maps[m].len / PAGE;
	switch (pages > 1 ? below(4) : 0) {
	case 0:		/* all of it */
		arg("all %p+%zu", (void *)maps[m].addr, maps[m].len);
		r = sysret(munmap(maps[m].addr, maps[m].len));
		map_drop(m);
		return r;
	case 1:		/* a head */
		k = 1 + below(pages - 1);
		arg("head %zu of %zu pages", k, pages);
		r = sysret(munmap(maps[m].addr, k * PAGE));
		if (!r) {
			forget_honest(m);
			maps[m].addr += k * PAGE;
			maps[m].len -= k * PAGE;
			maps[m].first_page += k;
			maps[m].intact = false;
		}
		return r;
	case 2:		/* a tail */
		k = 1 + below(pages - 1);
		arg("tail %zu of %zu pages", k, pages);
		r = sysret(munmap(maps[m].addr + (pages - k) * PAGE,
				  k * PAGE));
		if (!r) {
			forget_honest(m);
			maps[m].len -= k * PAGE;
			maps[m].intact = false;
		}
		return r;
	default:	/* a hole: the rest beyond it is let go, unmapped */
		k = 1 + below(pages - 1);
		arg("hole at page %zu of %zu", k, pages);
		r = sysret(munmap(maps[m].addr + k * PAGE, PAGE));
		if (!r) {
			forget_honest(m);
			if (k + 1 < pages)
				munmap(maps[m].addr + (k + 1) * PAGE,
				       (pages - k - 1) * PAGE);
			maps[m].len = k * PAGE;
			maps[m].intact = false;
		}
		return r;
	}
}

static void range(int m, unsigned char **a, size_t *len, bool *whole)
{
	size_t pages = maps[m].len / PAGE, first, n;

	if (chance(2) || pages < 2) {
		*a = maps[m].addr;
		*len = maps[m].len;
		*whole = true;
		return;
	}
	first = below(pages);
	n = 1 + below(pages - first);
	*a = maps[m].addr + first * PAGE;
	*len = n * PAGE;
	*whole = n == pages;
}

static long op_mprotect(void)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE, PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	int m = pick_map(), prot = prots[below(ARRAY_SIZE(prots))];
	unsigned char *a;
	size_t len;
	bool whole, w = false;
	long r;

	if (m < 0)
		return -ENOENT;
	range(m, &a, &len, &whole);
	arg("%s reg=%d len=%zu prot=%d", whole ? "whole" : "part",
	    maps[m].reg, len, prot);
	r = sysret(mprotect(a, len, prot));
	if (r)
		return r;
	if (maps[m].reg == REG_RO && (prot & PROT_WRITE) &&
	    ro_region_at(a, &w) && w)
		violation("mprotect made the read-only region writable (%s)",
			  argbuf);
	maps[m].prot = whole ? prot : -1;
	return 0;
}

static long op_mremap(void)
{
	int m = pick_map();
	size_t pages, k;
	void *p, *dst;

	if (m < 0)
		return -ENOENT;
	pages = maps[m].len / PAGE;
	switch (below(6)) {
	case 0:		/* shrink in place */
		if (pages < 2)
			return -EINVAL;
		k = 1 + below(pages - 1);
		arg("shrink %zu -> %zu pages", pages, k);
		p = mremap(maps[m].addr, maps[m].len, k * PAGE, 0);
		if (p == MAP_FAILED)
			return -errno;
		forget_honest(m);
		maps[m].len = k * PAGE;
		maps[m].intact = false;
		return 0;
	case 1:		/* grow: VM_DONTEXPAND says no */
		arg("grow %zu -> %zu pages", pages, pages + 1);
		p = mremap(maps[m].addr, maps[m].len, maps[m].len + PAGE,
			   MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return -errno;
		forget_honest(m);
		maps[m].addr = p;
		maps[m].len += PAGE;
		maps[m].intact = false;
		return 0;
	case 2:		/* duplicate (old_size 0) */
		arg("dup %zu pages", pages);
		p = mremap(maps[m].addr, 0, maps[m].len, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return -errno;
		munmap(p, maps[m].len);
		return 0;
	case 3:		/* keep the old range too */
		arg("dontunmap %zu pages", pages);
		p = mremap(maps[m].addr, maps[m].len, maps[m].len,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		if (p == MAP_FAILED)
			return -errno;
		forget_honest(m);	/* the old range has no pages now */
		munmap(p, maps[m].len);
		return 0;
	default:	/* move elsewhere, possibly a part */
		dst = mmap(NULL, maps[m].len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst == MAP_FAILED)
			return -errno;
		arg("move %zu pages", pages);
		p = mremap(maps[m].addr, maps[m].len, maps[m].len,
			   MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		if (p == MAP_FAILED) {
			munmap(dst, maps[m].len);
			return -errno;
		}
		forget_honest(m);
		maps[m].addr = p;
		return 0;
	}
}

static long op_madvise(void)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DOFORK, MADV_DONTFORK, MADV_WILLNEED,
		MADV_COLD, MADV_PAGEOUT, MADV_REMOVE, MADV_FREE,
		MADV_DONTDUMP, MADV_DODUMP, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
		MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_MERGEABLE,
		MADV_UNMERGEABLE, MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL,
		22 /* MADV_POPULATE_READ */, 23 /* MADV_POPULATE_WRITE */,
		25 /* MADV_COLLAPSE */,
	};
	int m = pick_map(), adv = advice[below(ARRAY_SIZE(advice))];
	unsigned char *a;
	size_t len;
	bool whole;
	long r;

	if (m < 0)
		return -ENOENT;
	range(m, &a, &len, &whole);
	arg("advice=%d len=%zu", adv, len);
	r = sysret(madvise(a, len, adv));
	if (!r && (adv == MADV_DONTNEED || adv == MADV_FREE))
		forget_honest(m);	/* the pages are gone: SIGBUS */
	return r;
}

static long op_msync_mlock(void)
{
	int m = pick_map();
	unsigned char *a;
	size_t len;
	bool whole;

	if (m < 0)
		return -ENOENT;
	range(m, &a, &len, &whole);
	switch (below(5)) {
	case 0:
		arg("msync sync");
		return sysret(msync(a, len, MS_SYNC));
	case 1:
		arg("msync invalidate");
		return sysret(msync(a, len, MS_ASYNC | MS_INVALIDATE));
	case 2:
		arg("mlock");
		return sysret(mlock(a, len));
	case 3:
		arg("mlock2 onfault");
		return sysret(syscall(SYS_mlock2, a, len, 1 /* ONFAULT */));
	default:
		arg("munlock");
		return sysret(munlock(a, len));
	}
}

/* ---- garbage: every field userspace may write --------------------------- */

struct garbage_arg {
	int m;
	unsigned int writes;
};

static void garbage_fn(void *p)
{
	struct garbage_arg *g = p;
	struct map *mp = &maps[g->m];
	volatile unsigned char *b = mp->addr;
	volatile uint64_t *w;
	size_t off, page0 = mp->first_page, i;
	uint64_t v;
	unsigned int n = 1 + (unsigned int)below(16);

	for (i = 0; i < n; i++) {
		v = wild(below(1 << 20) * 8);
		/* Mostly the positions, the fields the kernel reads. */
		switch (below(6)) {
		case 0:		/* u2k producer pos (RW page 0) */
			off = (0 - page0) * PAGE;
			break;
		case 1:		/* k2u consumer pos */
			off = (1 - page0) * PAGE;
			break;
		case 2:		/* k2u consumer flags, reserved */
			off = (1 - page0) * PAGE + 8 + below(2) * 4;
			v = below(2) ? (uint32_t)rnd() : KUCOMMS_RING_NEED_WAKEUP;
			break;
		case 3:		/* u2k producer full, wakeups */
			off = (0 - page0) * PAGE + 8 + below(2) * 8;
			break;
		default:	/* data: headers and bytes */
			off = below(mp->len / 8) * 8;
			break;
		}
		if (off + 8 > mp->len)
			off = below(mp->len / 8) * 8;
		if (mp->reg == REG_RO || mp->reg == REG_OTHER) {
			/* Only reading here, unless it is writable. */
			v = *(volatile uint64_t *)(b + off);
			if (!(mp->prot >= 0 && (mp->prot & PROT_WRITE)))
				continue;
		}
		w = (volatile uint64_t *)(b + off);
		if (chance(4))
			__atomic_store_n(w, v, __ATOMIC_RELEASE);
		else
			*w = v;
		g->writes++;
	}
	if (chance(4)) {
		/* A burst of bytes somewhere in the data. */
		off = below(mp->len);
		n = (unsigned int)below(512);
		for (i = 0; i < n && off + i < mp->len; i++)
			b[off + i] = (unsigned char)rnd();
	}
}

static void info_check_fn(void *p)
{
	const volatile struct kucomms_info *info = p;

	if (info->magic != KUCOMMS_MAGIC || info->page_size != PAGE ||
	    info->abi_version != KUCOMMS_ABI_VERSION)
		violation("info page: magic %#llx abi %u page %u",
			  (unsigned long long)info->magic, info->abi_version,
			  info->page_size);
}

static long op_garbage(void)
{
	struct garbage_arg g = { 0, 0 };
	int m = pick_map(), c;

	if (m < 0)
		return -ENOENT;
	g.m = m;
	arg("reg=%d len=%zu page0=%zu prot=%d", maps[m].reg, maps[m].len,
	    maps[m].first_page, maps[m].prot);
	/* The info page of an untouched read-only mapping must be right. */
	c = maps[m].conn;
	if (maps[m].reg == REG_RO && maps[m].first_page == 0 &&
	    maps[m].prot == PROT_READ && c >= 0 && conns[c].ring_size)
		guarded(info_check_fn, maps[m].addr);
	if (guarded(garbage_fn, &g))
		return -EFAULT;
	arg(" writes=%u", g.writes);
	if (c >= 0 && conns[c].fd >= 0 && chance(2))
		ioctl(conns[c].fd, KUCOMMS_IOC_KICK);
	return g.writes;
}

/* ---- honest traffic through the ring code -------------------------------- */

struct honest_arg {
	struct conn *k;
	int sent, got, err;
};

static void honest_fn(void *p)
{
	struct honest_arg *h = p;
	struct conn *k = h->k;
	static unsigned char buf[8192];
	struct kucomms_msg_hdr hdr;
	const void *data;
	long long rec;
	int i, n = 1 + (int)below(8), ret;

	for (i = 0; i < n; i++) {
		hdr.length = below(k->tx.msg_max < sizeof(buf) ?
				   k->tx.msg_max : sizeof(buf));
		if (chance(4))
			hdr.length = below(64);
		hdr.type = chance(16) ? ECHO_TYPE_BROADCAST : rnd();
		hdr.id = k->next_id++;
		hdr.value = rnd();
		memset(buf, (int)hdr.id, hdr.length);
		ret = kucomms_ring_produce(&k->tx, &hdr, buf);
		if (ret) {
			h->err = ret;
			break;
		}
		h->sent++;
	}
	/* Read the replies (not always: a full reply ring is a case too). */
	if (!chance(6)) {
		for (i = 0; i < 64; i++) {
			rec = kucomms_ring_peek(&k->rx, &hdr, &data);
			if (rec < 0) {
				if (rec != -EAGAIN)
					h->err = (int)rec;
				break;
			}
			kucomms_ring_release(&k->rx, (uint64_t)rec);
			h->got++;
		}
	}
}

static long op_honest(void)
{
	struct honest_arg h = { 0 };
	int c, i, n = 0;

	/* A connection with its honest mappings intact. */
	c = -1;
	for (i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0 && conns[i].ro_map >= 0 &&
		    below(++n) == 0)
			c = i;
	if (c < 0)
		return -ENOENT;
	h.k = &conns[c];
	if (guarded(honest_fn, &h))
		return -EFAULT;
	arg("fd=%d sent=%d got=%d err=%s", conns[c].fd, h.sent, h.got,
	    errname(-h.err));
	if (!chance(8))
		return sysret(ioctl(conns[c].fd, KUCOMMS_IOC_KICK));
	return h.err;
}

/* ---- ioctls -------------------------------------------------------------- */

static long op_ioctl_conn(void)
{
	struct kucomms_info info;
	int c = pick_conn(), fd;

	if (c < 0)
		return -EBADF;
	fd = conns[c].fd;
	switch (below(6)) {
	case 0: case 1:
		arg("KICK fd=%d", fd);
		return sysret(ioctl(fd, KUCOMMS_IOC_KICK));
	case 2: case 3:
		arg("INFO fd=%d", fd);
		return sysret(ioctl(fd, KUCOMMS_IOC_INFO, wild_ptr(&info)));
	case 4:
		arg("TAP_ATTACH on a connection");
		return sysret(ioctl(fd, KUCOMMS_IOC_TAP_ATTACH, wild_ptr(&info)));
	default:
		arg("KICK with arg");
		return sysret(ioctl(fd, KUCOMMS_IOC_KICK, rnd()));
	}
}

static void attach_fill(struct kucomms_tap_attach *a)
{
	const char *name = devices[below(ARRAY_SIZE(devices))];

	memset(a, 0, sizeof(*a));
	switch (below(10)) {
	case 0:	/* not NUL-terminated */
		memset(a->name, 'a', sizeof(a->name));
		break;
	case 1:
		snprintf(a->name, sizeof(a->name), "kucomms_%c%c",
			 (char)(33 + below(94)), (char)(33 + below(94)));
		break;
	default:
		snprintf(a->name, sizeof(a->name), "%s", name);
		break;
	}
	switch (below(6)) {
	case 0: a->snaplen = (uint32_t)rnd(); break;
	case 1: a->snaplen = (uint32_t)below(64); break;
	case 2: a->snaplen = 0; break;
	default: a->snaplen = (uint32_t)below(4096); break;
	}
	switch (below(8)) {
	case 0: a->buf_order = (uint32_t)rnd(); break;
	case 1: a->buf_order = 0; break;
	case 2: a->buf_order = KUCOMMS_TAP_BUF_ORDER_MIN - 1; break;
	case 3:
		/* The largest buffers cost 16 MiB each: rarely, with memory. */
		a->buf_order = __atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED) ?
			       KUCOMMS_TAP_BUF_ORDER_MIN :
			       KUCOMMS_TAP_BUF_ORDER_MIN + (uint32_t)below(9);
		break;
	default:
		a->buf_order = KUCOMMS_TAP_BUF_ORDER_MIN + (uint32_t)below(3);
		break;
	}
	if (a->buf_order > 20 && !chance(4))
		a->buf_order = 0;
	if (chance(10))
		a->flags = rnd();
}

static long op_ioctl_mon(void)
{
	struct kucomms_tap_attach a;
	struct kucomms_tap_stats st;
	int i = pick_mon();
	long r;

	if (i < 0)
		return -EBADF;
	if (below(3)) {
		attach_fill(&a);
		arg("ATTACH %.20s snap=%u order=%u flags=%llx", a.name,
		    a.snaplen, a.buf_order, (unsigned long long)a.flags);
		r = sysret(ioctl(mons[i], KUCOMMS_IOC_TAP_ATTACH,
				 chance(8) ? wild_ptr(&a) : (void *)&a));
		if (!r)
			mon_attached[i] = 1;
		return r;
	}
	arg("STATS attached=%d", mon_attached[i]);
	r = sysret(ioctl(mons[i], KUCOMMS_IOC_TAP_STATS, &st));
	if (r == -ENOTCONN && mon_attached[i])
		violation("TAP_STATS says ENOTCONN after a successful attach");
	return r;
}

static long op_ioctl_random(void)
{
	static const unsigned long generic[] = {
		FIONREAD, FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX, FIOQSIZE,
		FIGETBSZ, FS_IOC_GETFLAGS, FS_IOC_GETVERSION,
		FS_IOC_FSGETXATTR, TCGETS, 0,
	};
	unsigned long cmd;
	unsigned char buf[256];
	int fd = pick_fd();

	memset(buf, 0, sizeof(buf));
	switch (below(4)) {
	case 0:
		cmd = generic[below(ARRAY_SIZE(generic))];
		break;
	case 1:		/* our magic, any number, direction and size */
		cmd = _IOC(below(4), KUCOMMS_IOC_MAGIC, below(16),
			   below(2) ? below(128) : below(1 << 14));
		break;
	case 2:		/* our numbers with the wrong size */
		cmd = _IOC(below(4), KUCOMMS_IOC_MAGIC, below(4), below(256));
		break;
	default:
		cmd = (uint32_t)rnd();
		break;
	}
	/*
	 * Never freeze or thaw the file system the node lives on, nor make
	 * the node immutable or append-only (later opens would fail).
	 */
	if (cmd == FIFREEZE || cmd == FITHAW || cmd == FS_IOC_SETFLAGS ||
	    cmd == FS_IOC32_SETFLAGS || cmd == FS_IOC_FSSETXATTR ||
	    cmd == FS_IOC_SETVERSION || cmd == FS_IOC32_SETVERSION)
		cmd = FIONREAD;
	arg("fd=%d cmd=%#lx", fd, cmd);
	return sysret(ioctl(fd, cmd, chance(2) ? (void *)buf : wild_ptr(buf)));
}

/* ---- read, write, poll ---------------------------------------------------- */

static long op_read_write(void)
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

static long op_poll(void)
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

static long op_epoll(void)
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
static long op_procmem(void)
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
static long op_vmsplice(void)
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

static long op_fcntl(void)
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
static long op_endpoint_read(void)
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

/* ---- admin and loader ------------------------------------------------------ */

static const char *const attrs[] = {
	"ring_size", "max_connections", "connections", "endpoint", "msgs_in",
	"bytes_in", "msgs_out", "bytes_out", "ring_full", "kicks", "wakeups",
	"protocol_errors", "work_runs", "timer_runs", "dev", "uevent",
};

static long write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = sysret(write(fd, data, len));
	close(fd);
	return r;
}

static long op_sysfs_read(void)
{
	const char *dev = devices[below(ARRAY_SIZE(devices))];
	char path[160], buf[256];
	long r = 0, n;
	size_t i;
	int fd;

	arg("%s", dev);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (chance(2))
			continue;
		snprintf(path, sizeof(path), CLASS_DIR "/%s/%s", dev, attrs[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			r = -errno;
		close(fd);
	}
	return r;
}

static long op_create_remove(bool create)
{
	const char *dev = devices[below(ARRAY_SIZE(devices) - 1)];

	arg("%s", dev);
	return write_file(create ? CTL_DIR "/create_device" :
			  CTL_DIR "/remove_device", dev, strlen(dev));
}

static long op_bad_name(void)
{
	char name[160];
	size_t len, i;

	len = below(sizeof(name));
	for (i = 0; i < len; i++)
		name[i] = (char)rnd();
	if (chance(2) && len > 8)
		memcpy(name, "kucomms_", 8);
	arg("len=%zu", len);
	return write_file(chance(2) ? CTL_DIR "/create_device" :
			  CTL_DIR "/remove_device", name, len);
}

static long op_attr_write(void)
{
	static const char *const sizes[] = {
		"4096", "8192", "16384", "65536", "65536", "262144",
		"4194304", "0", "4095", "-1", "0x1000", "99999999999999999999",
		"",
	};
	const char *dev = devices[below(ARRAY_SIZE(devices))], *v;
	char path[160], num[32];

	if (chance(2)) {
		v = sizes[below(ARRAY_SIZE(sizes))];
		/* 4 MiB rings only when memory allows, and rarely. */
		if (!strcmp(v, "4194304") &&
		    (__atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED) || !chance(4)))
			v = "4096";
		if (__atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED))
			v = "4096";
		snprintf(path, sizeof(path), CLASS_DIR "/%s/ring_size", dev);
	} else {
		snprintf(num, sizeof(num), "%lld",
			 chance(4) ? (long long)rnd() : (long long)below(70));
		v = num;
		snprintf(path, sizeof(path), CLASS_DIR "/%s/max_connections",
			 dev);
	}
	arg("%s %s", path + sizeof(CLASS_DIR), v);
	return write_file(path, v, strlen(v));
}

static long load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = sysret(syscall(SYS_finit_module, fd, params, 0));
	close(fd);
	return r;
}

static long op_insmod(void)
{
	if (!opt.echo_module)
		return -ENOENT;
	arg("kucomms_echo");
	return load_module(opt.echo_module, "");
}

static long op_rmmod(void)
{
	arg("kucomms_echo");
	return sysret(syscall(SYS_delete_module, "kucomms_echo", O_NONBLOCK));
}

static unsigned int nworkers;
static bool stopping(void);

/*
 * kucomms.ko itself, out and in again: the workers let go of everything
 * first (up to 2 s), the admin goes on creating and removing meanwhile.
 * Sometimes with few max_devices.
 */
static long op_reload_core(void)
{
	int64_t t0 = now_ms();
	char params[32];
	long r;
	int i;

	if (!opt.module)
		return -ENOENT;
	__atomic_store_n(&sh->quiet, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->quiet_workers, __ATOMIC_SEQ_CST) <
	       (int)nworkers && now_ms() - t0 < 2000 && !stopping())
		usleep(5000);
	syscall(SYS_delete_module, "kucomms_echo", O_NONBLOCK);
	/* Released connections may still be on their way out. */
	for (i = 0; i < 20; i++) {
		r = sysret(syscall(SYS_delete_module, "kucomms", O_NONBLOCK));
		if (r != -EWOULDBLOCK && r != -EBUSY)
			break;
		usleep(20000);
	}
	arg("quiet=%dms unload %s", (int)(now_ms() - t0), errname((int)-r));
	if (!r || r == -ENOENT) {
		snprintf(params, sizeof(params), "max_devices=%u",
			 chance(3) ? 1 + (unsigned int)below(4) : 64);
		arg(" load %s", params);
		r = load_module(opt.module, params);
		if (opt.echo_module)
			load_module(opt.echo_module, "");
	}
	__atomic_store_n(&sh->quiet, 0, __ATOMIC_SEQ_CST);
	return r;
}

/* ---- the loops ------------------------------------------------------------ */

typedef long (*op_fn)(void);

static long op_create(void) { return op_create_remove(true); }
static long op_remove(void) { return op_create_remove(false); }
static long op_fork(void);

static const op_fn fns[NOPS] = {
	[OP_OPEN_CONN] = op_open_conn,
	[OP_OPEN_MON] = op_open_mon,
	[OP_CLOSE] = op_close,
	[OP_DUP] = op_dup,
	[OP_MMAP] = op_mmap,
	[OP_MUNMAP] = op_munmap,
	[OP_MPROTECT] = op_mprotect,
	[OP_MREMAP] = op_mremap,
	[OP_MADVISE] = op_madvise,
	[OP_MSYNC_MLOCK] = op_msync_mlock,
	[OP_GARBAGE] = op_garbage,
	[OP_HONEST] = op_honest,
	[OP_IOCTL_CONN] = op_ioctl_conn,
	[OP_IOCTL_MON] = op_ioctl_mon,
	[OP_IOCTL_RANDOM] = op_ioctl_random,
	[OP_READ_WRITE] = op_read_write,
	[OP_POLL] = op_poll,
	[OP_EPOLL] = op_epoll,
	[OP_PROCMEM] = op_procmem,
	[OP_VMSPLICE] = op_vmsplice,
	[OP_FCNTL] = op_fcntl,
	[OP_FORK] = op_fork,
	[OP_ENDPOINT_READ] = op_endpoint_read,
	[OP_SYSFS_READ] = op_sysfs_read,
	[OP_CREATE] = op_create,
	[OP_REMOVE] = op_remove,
	[OP_BAD_NAME] = op_bad_name,
	[OP_ATTR_WRITE] = op_attr_write,
	[OP_INSMOD] = op_insmod,
	[OP_RMMOD] = op_rmmod,
	[OP_RELOAD_CORE] = op_reload_core,
};

/* A weighted choice among the enabled operations of @role. */
static enum op pick_op(enum role role)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < NOPS; i++)
		if (ops[i].role == role && opt.enabled[i] &&
		    !(is_fork_child && i == OP_FORK))
			total += ops[i].weight;
	if (!total)
		return NOPS;
	r = (unsigned int)below(total);
	for (i = 0; i < NOPS; i++) {
		if (ops[i].role != role || !opt.enabled[i] ||
		    (is_fork_child && i == OP_FORK))
			continue;
		if (r < ops[i].weight)
			return (enum op)i;
		r -= ops[i].weight;
	}
	return NOPS;
}

static bool role_enabled(enum role role)
{
	unsigned int i;

	for (i = 0; i < NOPS; i++)
		if (ops[i].role == role && opt.enabled[i])
			return true;
	return false;
}

static void run_op(enum op o)
{
	long r;

	op_begin(o);
	r = fns[o]();
	op_end(o, r);
}

static struct slot *slot_claim(int role, int index)
{
	int i, zero;

	for (i = 0; i < MAX_SLOTS; i++) {
		zero = 0;
		if (__atomic_compare_exchange_n(&sh->slots[i].pid, &zero,
						getpid(), false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			sh->slots[i].role = role;
			sh->slots[i].index = index;
			sh->slots[i].op = NOPS;
			sh->slots[i].seq = 0;
			return &sh->slots[i];
		}
	}
	return NULL;
}

static void slot_release(void)
{
	__atomic_store_n(&me->pid, 0, __ATOMIC_SEQ_CST);
}

static int nkids;

static void reap_kids(bool block)
{
	pid_t pid;

	while (nkids > 0) {
		pid = waitpid(-1, NULL, block ? 0 : WNOHANG);
		if (pid > 0)
			nkids--;
		else if (!(pid < 0 && errno == EINTR))
			break;
	}
}

static bool stopping(void)
{
	return now_ms() >= end_ms || __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

static void worker_housekeeping(void)
{
	int64_t t = now_ms();
	int i;

	/* No connection lives long: one that stalls the endpoint ends. */
	for (i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0 &&
		    (t - conns[i].opened_ms > FD_MAX_MS ||
		     __atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED)))
			conn_close(i);
	for (i = 0; i < NMON; i++)
		if (mons[i] >= 0 && (t - mon_opened_ms[i] > FD_MAX_MS ||
				     __atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED)))
			mon_close(i);
	reap_kids(false);
}

/*
 * The loader wants kucomms.ko out: nothing of ours may hold it (files,
 * mappings, which hold their files). A fork child just ends.
 */
static bool worker_quiet(void)
{
	if (!__atomic_load_n(&sh->quiet, __ATOMIC_SEQ_CST))
		return false;
	if (is_fork_child)
		return true;
	close_all();
	reap_kids(true);
	__atomic_fetch_add(&sh->quiet_workers, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->quiet, __ATOMIC_SEQ_CST) && !stopping())
		usleep(5000);
	__atomic_fetch_sub(&sh->quiet_workers, 1, __ATOMIC_SEQ_CST);
	return false;
}

static void worker_loop(unsigned int max_ops)
{
	unsigned int n = 0;
	enum op o;

	while (!stopping() && (!max_ops || n++ < max_ops)) {
		if (worker_quiet())
			break;
		worker_housekeeping();
		o = pick_op(R_WORKER);
		if (o == NOPS)
			break;
		if (__atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED) &&
		    (o == OP_OPEN_CONN || o == OP_OPEN_MON)) {
			usleep(1000);
			continue;
		}
		run_op(o);
	}
}

/* A child that shares our files (not our mappings: VM_DONTCOPY). */
static long op_fork(void)
{
	pid_t pid;

	if (nkids >= 2) {
		reap_kids(true);
		return -EAGAIN;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		uint64_t seq = me->seq;
		int idx = me->index;

		is_fork_child = true;
		nkids = 0;
		for (int i = 0; i < NMAP; i++) {
			unsigned long long off;
			char perms[5];

			/* Only what MADV_DOFORK let through is still ours. */
			if (maps[i].addr && !vma_at(maps[i].addr, perms, &off))
				map_drop(i);
		}
		me = slot_claim(R_FORK, idx);
		if (!me)
			_exit(0);
		rng_seed(R_FORK, idx, seq);
		signals_setup(true);
		worker_loop(5 + (unsigned int)below(30));
		/* Files and mappings go with the process. */
		slot_release();
		_exit(0);
	}
	nkids++;
	add(&sh->children, 1);
	arg("pid=%d", pid);
	return pid;
}

static void admin_loop(void)
{
	enum op o;

	while (!stopping()) {
		o = pick_op(R_ADMIN);
		if (o == NOPS)
			break;
		/* The echo device exists most of the time. */
		if (o == OP_REMOVE && chance(2))
			o = OP_CREATE;
		run_op(o);
		if (chance(4))
			usleep((useconds_t)below(2000));
	}
}

static void loader_loop(void)
{
	enum op o;

	while (!stopping()) {
		o = pick_op(R_LOADER);
		if (o == NOPS)
			break;
		if (o == OP_RELOAD_CORE && !chance(4))
			o = OP_INSMOD;
		run_op(o);
		/* Loaded most of the time, so that connections open. */
		usleep((useconds_t)(o == OP_INSMOD ? 20000 + below(200000) :
				    below(30000)));
	}
}

static void child_main(enum role role, int index)
{
	me = slot_claim(role, index);
	if (!me)
		_exit(2);
	rng_seed(role, index, 0);
	state_init();
	switch (role) {
	case R_WORKER:
		signals_setup(true);
		worker_loop(0);
		setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } },
			  NULL);
		close_all();
		reap_kids(true);
		break;
	case R_ADMIN:
		signals_setup(false);
		admin_loop();
		break;
	default:
		signals_setup(false);
		loader_loop();
		break;
	}
	slot_release();
	_exit(0);
}

/* ---- the parent: memory guard, watchdog, report ---------------------------- */

/*
 * Collect whoever ended (workers, and their fork children orphaned to us:
 * we are a subreaper). A death by a signal is a crash of ours or the OOM
 * killer: reported, and the run fails.
 */
static void collect(void)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < MAX_SLOTS; i++)
			if (sh->slots[i].pid == pid) {
				if (WIFSIGNALED(status))
					fprintf(stderr, "kuc_storm: pid %d (role %d) in %s: %s %s\n",
						pid, sh->slots[i].role,
						sh->slots[i].op < NOPS ?
						ops[sh->slots[i].op].name : "-",
						sh->slots[i].cur_arg,
						strsignal(WTERMSIG(status)));
				__atomic_store_n(&sh->slots[i].pid, 0,
						 __ATOMIC_SEQ_CST);
			}
		if (WIFSIGNALED(status)) {
			add(&sh->abnormal, 1);
			fprintf(stderr, "kuc_storm: pid %d killed by %s\n", pid,
				strsignal(WTERMSIG(status)));
		}
	}
}

static long mem_available_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void dump_file(const char *path, const char *prefix)
{
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "%s%s", prefix, line);
	fclose(f);
}

static void report_slot(struct slot *s, int64_t t)
{
	char path[64];
	unsigned int i, k;

	fprintf(stderr, "kuc_storm: HANG: pid %d (%s %d) in %s %s for %" PRId64
		" ms, operation #%" PRIu64 "\n", s->pid,
		(const char *[]){ "worker", "admin", "loader", "fork" }[s->role],
		s->index, s->op < NOPS ? ops[s->op].name : "(between ops)",
		s->op < NOPS ? s->cur_arg : "",
		s->op < NOPS ? t - s->op_start_ms : 0, s->seq);
	snprintf(path, sizeof(path), "/proc/%d/stat", s->pid);
	dump_file(path, "kuc_storm:   stat: ");
	snprintf(path, sizeof(path), "/proc/%d/wchan", s->pid);
	dump_file(path, "kuc_storm:   wchan: ");
	fputc('\n', stderr);
	snprintf(path, sizeof(path), "/proc/%d/stack", s->pid);
	dump_file(path, "kuc_storm:   ");
	fprintf(stderr, "kuc_storm:   last operations, oldest first:\n");
	for (i = 1; i <= LAST_OPS; i++) {
		k = (unsigned int)((s->seq + i) % LAST_OPS);
		if (s->last_op[k] < NOPS && s->last_arg[k][0])
			fprintf(stderr, "kuc_storm:     %s %s\n",
				ops[s->last_op[k]].name, s->last_arg[k]);
	}
}

static void print_table(double secs)
{
	uint64_t total = 0;
	unsigned int i;

	printf("%-14s %10s %10s %10s\n", "operation", "count", "ok", "per_s");
	for (i = 0; i < NOPS; i++) {
		if (!sh->count[i])
			continue;
		total += sh->count[i];
		printf("%-14s %10" PRIu64 " %10" PRIu64 " %10.1f\n", ops[i].name,
		       sh->count[i], sh->ok[i], sh->count[i] / secs);
	}
	printf("%-14s %10" PRIu64 " %10s %10.1f\n", "total", total, "",
	       total / secs);
}

static int parse_ops(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	unsigned int i;

	memset(opt.enabled, 0, sizeof(opt.enabled));
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NOPS; i++)
			if (!strcmp(tok, ops[i].name))
				break;
		if (i == NOPS) {
			fprintf(stderr, "kuc_storm: no operation '%s'\n", tok);
			free(copy);
			return -1;
		}
		opt.enabled[i] = true;
	}
	free(copy);
	return 0;
}

#define USAGE								\
	"usage: kuc_storm [--seed N] [--seconds S] [--procs N] [--grace S]\n" \
	"                 [--module KO] [--echo-module KO] [--ops LIST] [--trace]\n"

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "grace", required_argument, NULL, 'g' },
		{ "module", required_argument, NULL, 'm' },
		{ "echo-module", required_argument, NULL, 'e' },
		{ "ops", required_argument, NULL, 'o' },
		{ "trace", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t start, t, last_status = 0;
	long kb, min_kb = -1;
	int c, live, hung = 0, i;
	unsigned int k;
	pid_t pid;

	for (k = 0; k < NOPS; k++)
		opt.enabled[k] = true;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 't': opt.seconds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'p': opt.procs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'g': opt.grace = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': opt.module = optarg; break;
		case 'e': opt.echo_module = optarg; break;
		case 'o':
			if (parse_ops(optarg))
				return 2;
			break;
		case 'T': opt.trace = true; break;
		case 'h':
			fputs(USAGE "operations (--ops), by process:", stdout);
			for (k = 0; k < NOPS; k++)
				printf("%s%s", k && ops[k].role == ops[k - 1].role ?
				       " " : "\n  ", ops[k].name);
			putchar('\n');
			return 0;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (optind != argc || opt.procs > 32) {
		fputs(USAGE, stderr);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("kuc_storm: mmap");
		return 2;
	}
	printf("kuc_storm: --seed %" PRIu64 " --seconds %u --procs %u\n",
	       opt.seed, opt.seconds, opt.procs);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	start = now_ms();
	end_ms = start + opt.seconds * 1000LL;

	nworkers = role_enabled(R_WORKER) ? opt.procs : 0;
	for (k = 0; k < opt.procs + 2; k++) {
		enum role role = k < opt.procs ? R_WORKER :
				 k == opt.procs ? R_ADMIN : R_LOADER;

		if (!role_enabled(role))
			continue;
		pid = fork();
		if (pid < 0) {
			perror("kuc_storm: fork");
			__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
			break;
		}
		if (pid == 0)
			child_main(role, (int)k);
	}

	/* Watch until everyone is done, or the grace period is over. */
	for (;;) {
		collect();
		t = now_ms();
		live = 0;
		for (i = 0; i < MAX_SLOTS; i++) {
			int p = __atomic_load_n(&sh->slots[i].pid, __ATOMIC_SEQ_CST);

			if (p && kill(p, 0) == 0)
				live++;
		}
		if (!live && (t >= end_ms || __atomic_load_n(&sh->stop, __ATOMIC_RELAXED)))
			break;
		kb = mem_available_kb();
		if (kb >= 0) {
			if (min_kb < 0 || kb < min_kb)
				min_kb = kb;
			__atomic_store_n(&sh->lowmem, kb < LOWMEM_KB,
					 __ATOMIC_RELAXED);
		}
		if (t - last_status >= 10000) {
			uint64_t total = 0;

			for (k = 0; k < NOPS; k++)
				total += __atomic_load_n(&sh->count[k], __ATOMIC_RELAXED);
			fprintf(stderr, "kuc_storm: t=%" PRId64 "s ops=%" PRIu64
				" live=%d MemAvailable=%ld kB%s\n",
				(t - start) / 1000, total, live, kb,
				sh->lowmem ? " (low: holding back)" : "");
			last_status = t;
		}
		if (t > end_ms + opt.grace * 1000LL) {
			for (i = 0; i < MAX_SLOTS; i++) {
				struct slot *s = &sh->slots[i];

				if (s->pid && kill(s->pid, 0) == 0) {
					report_slot(s, t);
					hung++;
				}
			}
			for (i = 0; i < MAX_SLOTS; i++)
				if (sh->slots[i].pid)
					kill(sh->slots[i].pid, SIGKILL);
			break;
		}
		usleep(100000);
	}
	/* Collect everyone (a task stuck in the kernel cannot be killed). */
	t = now_ms();
	while (now_ms() - t < 10000) {
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid < 0)
			break;
		if (pid == 0)
			usleep(100000);
	}

	{
		double secs = (now_ms() - start) / 1000.0;

		if (secs > opt.seconds && opt.seconds)
			secs = opt.seconds;
		print_table(secs > 0 ? secs : 1);
	}
	printf("kuc_storm: seed=%" PRIu64 " seconds=%u procs=%u forks=%" PRIu64
	       " faults=%" PRIu64 " violations=%" PRIu64 " killed=%" PRIu64
	       " hangs=%d min_MemAvailable=%ld kB\n", opt.seed, opt.seconds,
	       opt.procs, sh->children, sh->faults, sh->violations,
	       sh->abnormal, hung, min_kb);
	if (hung)
		return 3;
	return sh->violations || sh->abnormal ? 1 : 0;
}
