// SPDX-License-Identifier: MIT
/*
 * kuc_storm: a worker's files and mappings: the connections, monitors, mappings
 * and pipes it holds, the picking among them, and /proc/self/maps
 * lookups that tell what a mapping really is.
 */
#include "storm.h"

struct conn conns[NCONN];
int mons[NMON];
int mon_attached[NMON];
int64_t mon_opened_ms[NMON];
struct map maps[NMAP];
int pipes[NPIPE][2];
int epfd = -1;
bool is_fork_child;

void forget_honest(int m)
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
int vma_at(const void *addr, char perms[5], unsigned long long *off)
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
bool ro_region_at(const void *addr, bool *writable)
{
	unsigned long long off;
	char perms[5] = "";

	if (!vma_at(addr, perms, &off) || off >= KUCOMMS_MMAP_RW)
		return false;
	*writable = perms[1] == 'w';
	return true;
}

void map_drop(int m)
{
	forget_honest(m);
	memset(&maps[m], 0, sizeof(maps[m]));
	maps[m].conn = -1;
}

int free_map(void)
{
	int m;

	for (m = 0; m < NMAP; m++)
		if (!maps[m].addr)
			return m;
	return -1;
}

int pick_map(void)
{
	int m, n = 0, pick = -1;

	for (m = 0; m < NMAP; m++)
		if (maps[m].addr && below(++n) == 0)
			pick = m;
	return pick;
}

int pick_conn(void)
{
	int c, n = 0, pick = -1;

	for (c = 0; c < NCONN; c++)
		if (conns[c].fd >= 0 && below(++n) == 0)
			pick = c;
	return pick;
}

int pick_mon(void)
{
	int i, n = 0, pick = -1;

	for (i = 0; i < NMON; i++)
		if (mons[i] >= 0 && below(++n) == 0)
			pick = i;
	return pick;
}

/* Any of our fds: connections, monitors, sometimes a closed number. */
int pick_fd(void)
{
	int c;

	if (chance(3) && (c = pick_mon()) >= 0)
		return mons[c];
	if ((c = pick_conn()) >= 0)
		return conns[c].fd;
	return chance(2) ? 1000 + (int)below(10) : -1;
}

void conn_close(int c)
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

void mon_close(int i)
{
	if (mons[i] >= 0)
		close(mons[i]);
	mons[i] = -1;
	mon_attached[i] = 0;
}

void close_all(void)
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

void state_init(void)
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

uint64_t region_pages(uint64_t ring_size, enum region reg)
{
	return reg == REG_RO ? KUCOMMS_RO_PAGES(ring_size) :
	       KUCOMMS_RW_PAGES(ring_size);
}

/* A user pointer for an ioctl or read: good, bad, or hostile. */
void *wild_ptr(void *good)
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

