// SPDX-License-Identifier: MIT
/*
 * Shared-memory segments: create, remove, describe and list
 * /dev/shm/kucomms_NAME (kuc.h), and the checks every attach makes first.
 * The layout is kucomms_shm.h's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kuc.h"
#include "shm_segment.h"

#define KUC_SHM_DIR_LEN	(sizeof(KUCOMMS_SHM_DIR) - 1)

int kuc_shm_name(const char *name, char *shm_name, size_t size, char *full,
		 size_t full_size)
{
	char n[KUCOMMS_NAME_MAX + 1];
	int ret;

	if (!name)
		return -EINVAL;
	if (!strncmp(name, KUCOMMS_SHM_DIR, KUC_SHM_DIR_LEN)) {
		name += KUC_SHM_DIR_LEN;
		if (strncmp(name, KUCOMMS_PREFIX, KUCOMMS_PREFIX_LEN))
			return -EINVAL;
	}
	/* "/dev/kucomms_x" names a device, never a segment. */
	if (name[0] == '/')
		return -EINVAL;
	ret = kuc_name_normalize(name, n, sizeof(n));
	if (ret)
		return ret;
	if ((size_t)snprintf(shm_name, size, "/%s", n) >= size)
		return -ENAMETOOLONG;
	if (full && (size_t)snprintf(full, full_size, "%s", n) >= full_size)
		return -ENAMETOOLONG;
	return 0;
}

int kuc_shm_ring_size_check(uint64_t ring_size)
{
	return kucomms_ring_size_valid(ring_size) ? 0 : -EINVAL;
}

void kuc_shm_hdr_init(struct kucomms_shm_hdr *h, uint64_t ring_size)
{
	memset(h, 0, sizeof(*h));
	h->magic = KUCOMMS_SHM_MAGIC;
	h->abi_version = KUCOMMS_SHM_VERSION;
	h->page_size = KUCOMMS_PAGE_SIZE;
	h->ring_size = ring_size;
	h->msg_max = KUCOMMS_MSG_MAX(ring_size);
}

int kuc_shm_validate(int fd, uint64_t *ring_size, char *why, size_t why_size)
{
	struct kucomms_shm_hdr h;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	n = pread(fd, &h, sizeof(h), 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(h)) {
		snprintf(why, why_size, "too short for a header (%lld bytes)",
			 (long long)st.st_size);
		return -EPROTO;
	}
	if (h.magic != KUCOMMS_SHM_MAGIC) {
		snprintf(why, why_size, "bad magic 0x%016llx",
			 (unsigned long long)h.magic);
		return -EPROTO;
	}
	if (h.abi_version != KUCOMMS_SHM_VERSION) {
		snprintf(why, why_size, "layout version %u, expected %u",
			 h.abi_version, KUCOMMS_SHM_VERSION);
		return -EPROTO;
	}
	if (h.page_size != KUCOMMS_PAGE_SIZE ||
	    sysconf(_SC_PAGESIZE) != KUCOMMS_PAGE_SIZE) {
		snprintf(why, why_size, "page size %u, expected %u",
			 h.page_size, KUCOMMS_PAGE_SIZE);
		return -EPROTO;
	}
	if (kuc_shm_ring_size_check(h.ring_size) ||
	    h.msg_max != KUCOMMS_MSG_MAX(h.ring_size)) {
		snprintf(why, why_size, "bad ring size %llu",
			 (unsigned long long)h.ring_size);
		return -EPROTO;
	}
	if ((uint64_t)st.st_size != kucomms_shm_size(h.ring_size)) {
		snprintf(why, why_size, "size %lld, header says %llu",
			 (long long)st.st_size,
			 (unsigned long long)kucomms_shm_size(h.ring_size));
		return -EPROTO;
	}
	*ring_size = h.ring_size;
	return 0;
}

/* The one byte @byte of a segment's lock bytes, for an OFD lock. */
static struct flock kuc_shm_lock_byte(int byte)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};

	return fl;
}

int kuc_shm_lock(int fd, int byte)
{
	struct flock fl = kuc_shm_lock_byte(byte);

	if (!fcntl(fd, F_OFD_SETLK, &fl))
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
}

bool kuc_shm_locked(int fd, int byte)
{
	struct flock fl = kuc_shm_lock_byte(byte);

	/* If we cannot tell, say it is held: never declare a live peer dead. */
	if (fcntl(fd, F_OFD_GETLK, &fl))
		return true;
	return fl.l_type != F_UNLCK;
}

/* ---- the public management calls ------------------------------------ */

int kuc_shm_create(const char *name, uint64_t ring_size, mode_t mode,
		   uid_t owner, gid_t group)
{
	char shm_name[KUCOMMS_NAME_MAX + 2];
	struct kucomms_shm_hdr h;
	int fd, ret = 0;

	if (!ring_size)
		ring_size = 1ULL << KUCOMMS_RING_ORDER_DEFAULT;
	ret = kuc_shm_name(name, shm_name, sizeof(shm_name), NULL, 0);
	if (ret)
		return ret;
	if (kuc_shm_ring_size_check(ring_size) || (mode & ~07777))
		return -EINVAL;
	/*
	 * Made 0600 and given its mode last, on the descriptor: nobody else
	 * can attach before the header is written and the segment belongs
	 * to @owner and @group. fchmod(): not subject to the umask, the
	 * mode asked for is the mode.
	 */
	fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	kuc_shm_hdr_init(&h, ring_size);
	errno = 0;	/* a short pwrite() sets none */
	if (ftruncate(fd, kucomms_shm_size(ring_size)) ||
	    pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    ((owner != (uid_t)-1 || group != (gid_t)-1) &&
	     fchown(fd, owner, group)) ||
	    fchmod(fd, mode)) {
		ret = errno ? -errno : -EIO;
		shm_unlink(shm_name);
	}
	close(fd);
	return ret;
}

int kuc_shm_remove(const char *name)
{
	char shm_name[KUCOMMS_NAME_MAX + 2];
	int ret = kuc_shm_name(name, shm_name, sizeof(shm_name), NULL, 0);

	if (ret)
		return ret;
	return shm_unlink(shm_name) ? -errno : 0;
}

/* The two sides' traffic counters (kucomms_shm.h), read once each. */
static int kuc_shm_info_stats(int fd, struct kuc_shm_info *out)
{
	struct kucomms_shm_stats c, s;

	if (pread(fd, &c, sizeof(c), KUCOMMS_SHM_STATS_CLIENT) !=
	    (ssize_t)sizeof(c) ||
	    pread(fd, &s, sizeof(s), KUCOMMS_SHM_STATS_SERVER) !=
	    (ssize_t)sizeof(s))
		return -EIO;
	out->msgs_in = c.msgs;
	out->bytes_in = c.bytes;
	out->msgs_out = s.msgs;
	out->bytes_out = s.bytes;
	out->ring_full = c.full + s.full;
	out->kicks = c.kicks + c.rx_kicks;
	out->wakeups = s.kicks + s.rx_kicks;
	out->protocol_errors = s.protocol_errors;
	return 0;
}

int kuc_shm_info(const char *name, struct kuc_shm_info *out)
{
	char shm_name[KUCOMMS_NAME_MAX + 2];
	struct kucomms_shm_hdr h;
	uint64_t ring_size;
	struct stat st;
	int fd, ret;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ret = kuc_shm_name(name, shm_name, sizeof(shm_name), out->name,
			   sizeof(out->name));
	if (ret)
		return ret;
	snprintf(out->path, sizeof(out->path), KUCOMMS_SHM_DIR "%s",
		 out->name);
	fd = shm_open(shm_name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		/* Unreadable: still describe what stat() tells. */
		if (ret != -EACCES || stat(out->path, &st))
			return ret;
		out->size = st.st_size;
		out->mode = st.st_mode & 07777;
		out->uid = st.st_uid;
		out->gid = st.st_gid;
		snprintf(out->problem, sizeof(out->problem),
			 "not readable: permission denied");
		return 0;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	out->size = st.st_size;
	out->mode = st.st_mode & 07777;
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	ret = kuc_shm_validate(fd, &ring_size, out->problem,
			       sizeof(out->problem));
	if (ret == -EPROTO) {
		ret = 0;	/* described, with its problem */
		goto out;
	}
	if (ret || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		ret = ret ? ret : -EIO;
		goto out;
	}
	out->ring_size = ring_size;
	out->server_attached = kuc_shm_locked(fd, KUCOMMS_SHM_LOCK_SERVER);
	out->client_attached = kuc_shm_locked(fd, KUCOMMS_SHM_LOCK_CLIENT);
	out->server_pid = out->server_attached ? (pid_t)h.server_pid : 0;
	out->client_pid = out->client_attached ? (pid_t)h.client_pid : 0;
	out->connections = h.client_gen;
	ret = kuc_shm_info_stats(fd, out);
out:
	close(fd);
	return ret;
}

static int kuc_shm_info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kuc_shm_info *)a)->name,
		      ((const struct kuc_shm_info *)b)->name);
}

int kuc_shm_list(struct kuc_shm_info **out, size_t *n)
{
	struct kuc_shm_info *list = NULL, *bigger;
	size_t len = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	if (!out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	dir = opendir(KUCOMMS_SHM_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, KUCOMMS_PREFIX, KUCOMMS_PREFIX_LEN) ||
		    !kucomms_name_valid(de->d_name, strlen(de->d_name)))
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 8;
			bigger = realloc(list, cap * sizeof(*list));
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			list = bigger;
		}
		/* Gone meanwhile: left out, as for devices. */
		if (!kuc_shm_info(de->d_name, &list[len]))
			len++;
	}
	closedir(dir);
	if (ret) {
		free(list);
		return ret;
	}
	if (!len) {
		free(list);
		return 0;
	}
	qsort(list, len, sizeof(*list), kuc_shm_info_cmp);
	*out = list;
	*n = len;
	return 0;
}

void kuc_shm_list_free(struct kuc_shm_info *list)
{
	free(list);
}
