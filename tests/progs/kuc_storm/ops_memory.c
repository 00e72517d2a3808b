// SPDX-License-Identifier: MIT
/*
 * kuc_storm: the worker operations on the mappings' life: mmap with random
 * offsets, lengths, protections and flags, munmap, mprotect, mremap,
 * madvise, msync and mlock.
 */
#include "storm.h"

long op_mmap(void)
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
		violation("the read-only region mapped writable (%s)", op_args());
	if ((flags & MAP_PRIVATE))
		violation("a private mapping of a connection was accepted (%s)",
			  op_args());
	return m;
}

long op_munmap(void)
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

long op_mprotect(void)
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
			  op_args());
	maps[m].prot = whole ? prot : -1;
	return 0;
}

long op_mremap(void)
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

long op_madvise(void)
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

long op_msync_mlock(void)
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

