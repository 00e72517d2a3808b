// SPDX-License-Identifier: MIT
/*
 * kuc_storm: what every kuc_storm process uses: the tables and state it shares,
 * the clock, one splitmix64 random stream per process, the guard that
 * turns a fault in our own mappings into a counted event, and the
 * bookkeeping of each operation (the parent's report and the --trace
 * lines come from it).
 */
#include "storm.h"

const char *const devices[NDEVICES] = {
	"kucomms_echo", "kucomms_echo", "kucomms_echo",	/* weight */
	"kucomms_storm0", "kucomms_storm1", "kucomms_storm2",
	"kucomms_nosuch",
};

const struct op_info ops[NOPS] = { OPS(X_INFO) };

struct shared *sh;
struct slot *me;

struct opts opt = {
	.seed = 1,
	.seconds = 15,
	.procs = 4,
	.grace = 30,
};

int64_t end_ms;
unsigned int nworkers;

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

const char *errname(int err)
{
	const char *s = err ? strerrorname_np(err) : "OK";

	return s ? s : "E?";
}

/* ---- randomness: one splitmix64 stream per process ----------------------- */

static uint64_t rng;

uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

bool chance(unsigned int one_in)
{
	return below(one_in) == 0;
}

void rng_seed(int role, int index, uint64_t extra)
{
	rng = opt.seed ^ ((uint64_t)role << 56) ^ ((uint64_t)index << 40) ^
	      (extra * 0x2545f4914f6cdd1dULL);
	rnd();
}

/* A value a field might be given: near the truth, extremes, noise. */
uint64_t wild(uint64_t near)
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
int guarded(void (*fn)(void *), void *arg)
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

void signals_setup(bool alarm)
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

void arg(const char *fmt, ...)
{
	size_t n = strlen(argbuf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(argbuf + n, sizeof(argbuf) - n, fmt, ap);
	va_end(ap);
	memcpy(me->cur_arg, argbuf, sizeof(me->cur_arg) - 1);
}

/* The arguments arg() noted for the operation running now. */
const char *op_args(void)
{
	return argbuf;
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

/* The operations (storm.h), by number. */
typedef long (*op_fn)(void);

static long op_create(void) { return op_create_remove(true); }
static long op_remove(void) { return op_create_remove(false); }

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

/* One operation, noted in our slot, counted and traced. */
void run_op(enum op o)
{
	long r;

	op_begin(o);
	r = fns[o]();
	op_end(o, r);
}

long sysret(long r)
{
	return r < 0 ? -errno : r;
}

void violation(const char *fmt, ...)
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

