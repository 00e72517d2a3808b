// SPDX-License-Identifier: MIT
/*
 * kuc_shm_hostile: a peer of a shm channel that breaks the rules, to show
 * that the other side survives it (tests/host/shm.bats). Both sides of a
 * segment can write all of it, so each must treat the other as the
 * kernel treats userspace.
 *
 *   kuc_shm_hostile client NAME   attach as a client through libkuc, then
 *                                 write an impossible producer position
 *                                 into c2s and wake the server; prints
 *                                 what libkuc reports next (the server
 *                                 must drop us: EPROTO)
 *   kuc_shm_hostile server NAME   serve NAME through libkuc; when a client
 *                                 sent a message, write an impossible
 *                                 producer position into s2c and wake
 *                                 it, then hold on for 3 s
 *
 * Exit status: 0 when the scenario ran (the checks are the caller's), 2 on
 * an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_shm.h>

static const char *errname(int err)
{
	const char *s = strerrorname_np(err < 0 ? -err : err);

	return s ? s : "E?";
}

/* Our own mapping of the position pages, beside libkuc's. */
static unsigned char *map_pages(const char *name)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/%s", name);
	fd = shm_open(path, O_RDWR, 0);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, KUCOMMS_SHM_HDR_PAGES * KUCOMMS_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* Write an impossible position (misaligned, far ahead) and wake. */
static void scribble(unsigned char *pages, int page)
{
	__u64 *pos = (__u64 *)(pages + (size_t)page * KUCOMMS_PAGE_SIZE);

	__atomic_store_n(pos, 0x123456789abcdefULL, __ATOMIC_RELEASE);
	syscall(SYS_futex, (uint32_t *)pos, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int as_client(const char *name)
{
	char spec[128], full[KUCOMMS_NAME_MAX + 1];
	struct kucomms_msg_hdr h = { .length = 0 };
	struct kuc_channel *ch;
	unsigned char *pages;
	int ret;

	if (kuc_name_normalize(name, full, sizeof(full)))
		return 2;
	snprintf(spec, sizeof(spec), "shm:%s", full);
	ret = kuc_open(spec, &ch);
	if (ret) {
		printf("open: %s\n", errname(ret));
		return 2;
	}
	pages = map_pages(full);
	if (!pages)
		return 2;
	scribble(pages, KUCOMMS_SHM_C2S_PROD);
	ret = kuc_recv(ch, &h, NULL, 0, 5000);
	printf("recv: %s\n", ret ? errname(ret) : "message");
	kuc_close(ch);
	return 0;
}

static int as_server(const char *name)
{
	char full[KUCOMMS_NAME_MAX + 1];
	struct kucomms_msg_hdr h;
	struct kuc_channel *ch;
	unsigned char *pages;
	char buf[8192];
	int ret;

	if (kuc_name_normalize(name, full, sizeof(full)))
		return 2;
	ret = kuc_serve(full, &ch);
	if (ret) {
		printf("serve: %s\n", errname(ret));
		return 2;
	}
	pages = map_pages(full);
	if (!pages)
		return 2;
	printf("serving\n");
	fflush(stdout);
	ret = kuc_recv(ch, &h, buf, sizeof(buf), 20000);
	printf("recv: %s\n", ret ? errname(ret) : "message");
	fflush(stdout);
	scribble(pages, KUCOMMS_SHM_S2C_PROD);
	sleep(3);
	kuc_close(ch);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: kuc_shm_hostile client|server NAME\n");
		return 2;
	}
	if (!strcmp(argv[1], "client"))
		return as_client(argv[2]);
	if (!strcmp(argv[1], "server"))
		return as_server(argv[2]);
	fprintf(stderr, "kuc_shm_hostile: unknown role '%s'\n", argv[1]);
	return 2;
}
