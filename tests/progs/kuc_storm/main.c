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
 *              delete_module; plain, direct=1, zerocopy=1 or both, so
 *              that the workers' KUCOMMS_IOC_RUN may run the handler in
 *              their own calls); with --module also, rarely, kucomms.ko
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
#include "storm.h"

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
