/* SPDX-License-Identifier: MIT */
/*
 * kuc_storm's shared declarations: the operation table, the state every
 * process shares (MAP_SHARED), a worker's files and mappings, and what
 * each file of the program offers the others. The program itself is
 * described at the top of main.c.
 */
#ifndef KUC_STORM_H
#define KUC_STORM_H

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

/* The device names a worker opens (weighted), defined in shared.c. */
#define NDEVICES	7
extern const char *const devices[NDEVICES];
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
struct op_info {
	const char *name;
	enum role role;
	unsigned int weight;
};
extern const struct op_info ops[NOPS];

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

struct opts {
	uint64_t seed;
	unsigned int seconds, procs, grace;
	const char *module, *echo_module;
	bool enabled[NOPS];
	bool trace;
};

extern struct shared *sh;	/* every process's counters and slots */
extern struct slot *me;		/* this process's slot in sh */
extern struct opts opt;
extern int64_t end_ms;		/* when the storm stops */
extern unsigned int nworkers;	/* the workers reload_core waits for */

/* shared.c: clock, randomness, fault guard, bookkeeping of an operation */
int64_t now_ms(void);
void add(uint64_t *p, uint64_t v);
const char *errname(int err);
uint64_t rnd(void);
uint64_t below(uint64_t n);
bool chance(unsigned int one_in);
void rng_seed(int role, int index, uint64_t extra);
uint64_t wild(uint64_t near);
int guarded(void (*fn)(void *), void *arg);
void signals_setup(bool alarm);
void arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *op_args(void);
void run_op(enum op o);
long sysret(long r);
void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- a worker's files and mappings (worker_state.c) ---------------------- */

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

/* worker_state.c: a worker's files and mappings, and picking among them */
extern struct conn conns[NCONN];
extern int mons[NMON];
extern int mon_attached[NMON];
extern int64_t mon_opened_ms[NMON];
extern struct map maps[NMAP];
extern int pipes[NPIPE][2];
extern int epfd;
extern bool is_fork_child;
void forget_honest(int m);
int vma_at(const void *addr, char perms[5], unsigned long long *off);
bool ro_region_at(const void *addr, bool *writable);
void map_drop(int m);
int free_map(void);
int pick_map(void);
int pick_conn(void);
int pick_mon(void);
int pick_fd(void);
void conn_close(int c);
void mon_close(int i);
void close_all(void);
void state_init(void);
uint64_t region_pages(uint64_t ring_size, enum region reg);
void *wild_ptr(void *good);

/* The operations, one function each: 0 or more on success, -errno. */
/* ops_files.c: opening, closing and duplicating the files */
long map_one(int c, enum region reg, int prot, int flags,
	     off_t off, size_t len);
long op_open_conn(void);
long op_open_mon(void);
long op_close(void);
long op_dup(void);

/* ops_memory.c: the mappings' life: mmap, munmap, mprotect, ... */
long op_mmap(void);
long op_munmap(void);
long op_mprotect(void);
long op_mremap(void);
long op_madvise(void);
long op_msync_mlock(void);

/* ops_ring.c: the shared ring fields: garbage and honest traffic */
long op_garbage(void);
long op_honest(void);

/* ops_ioctl.c */
long op_ioctl_conn(void);
long op_ioctl_mon(void);
long op_ioctl_random(void);

/* ops_io.c: read, write, poll, epoll, /proc/self/mem, vmsplice, fcntl */
long op_read_write(void);
long op_poll(void);
long op_epoll(void);
long op_procmem(void);
long op_vmsplice(void);
long op_fcntl(void);
long op_endpoint_read(void);

/* ops_admin.c: the admin's sysfs operations and the loader's modules */
long op_sysfs_read(void);
long op_create_remove(bool create);
long op_bad_name(void);
long op_attr_write(void);
long op_insmod(void);
long op_rmmod(void);
long op_reload_core(void);

/* loops.c: each process's loop */
bool role_enabled(enum role role);
bool stopping(void);
long op_fork(void);
void child_main(enum role role, int index);

#endif
