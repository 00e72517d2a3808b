// SPDX-License-Identifier: MIT
/*
 * kuc_hostile: a userspace peer that breaks its rings on purpose, to see
 * the kernel refuse it (connection state CORRUPT: KUCOMMS_IOC_KICK fails
 * with EPROTO, poll() reports POLLERR) while a second, well-behaved
 * connection to the same device keeps echoing. Run by
 * tests/bats/echo.bats against kucomms_echo.ko in the test VM.
 *
 * The hostile connection is mapped by hand from the ABI (not through
 * libkuc, which never writes such values); the good one uses libkuc.
 * One case per run; "list" prints them. Exit 0 when the case ended as
 * expected, 1 when not, 2 on an error.
 *
 * One file despite its length: one table of hostile cases, each next to
 * the hand-made mapping it corrupts and the run that judges it; split,
 * a case would be read in three places.
 */
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <kuc.h>
#include <kucomms/kucomms_ring.h>

#define USAGE "usage: kuc_hostile [-s SECONDS] [-S SEED] NAME CASE|random|list\n"

/* How long the kernel gets to notice a broken ring. */
#define DETECT_MS	5000

static const char *errname(int err)
{
	const char *s = strerrorname_np(err < 0 ? -err : err);

	return s ? s : "E?";
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static uint64_t rng_state = 1;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- a connection mapped by hand ----------------------------------- */

struct raw {
	int fd;
	unsigned char *ro, *rw;
	size_t ro_len, rw_len;
	const struct kucomms_info *info;
	uint64_t size;
	/* Everything userspace may write. */
	struct kucomms_ring_prod *u2k_prod;
	struct kucomms_ring_cons *k2u_cons;
	unsigned char *u2k_data;	/* twice */
	/* Honest views through the ring code, for the legitimate traffic. */
	struct kucomms_ring tx, rx;
};

static int raw_open(const char *path, struct raw *r)
{
	struct kucomms_info info;

	memset(r, 0, sizeof(*r));
	r->fd = open(path, O_RDWR | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (ioctl(r->fd, KUCOMMS_IOC_INFO, &info))
		return -errno;
	r->size = info.ring_size;
	r->ro_len = KUCOMMS_RO_PAGES(r->size) * KUCOMMS_PAGE_SIZE;
	r->rw_len = KUCOMMS_RW_PAGES(r->size) * KUCOMMS_PAGE_SIZE;
	r->ro = mmap(NULL, r->ro_len, PROT_READ, MAP_SHARED, r->fd,
		     KUCOMMS_MMAP_RO);
	if (r->ro == MAP_FAILED)
		return -errno;
	r->rw = mmap(NULL, r->rw_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     r->fd, KUCOMMS_MMAP_RW);
	if (r->rw == MAP_FAILED)
		return -errno;
	r->info = (const struct kucomms_info *)r->ro;
	r->u2k_prod = (struct kucomms_ring_prod *)r->rw;
	r->k2u_cons = (struct kucomms_ring_cons *)(r->rw + KUCOMMS_PAGE_SIZE);
	r->u2k_data = r->rw + 2 * KUCOMMS_PAGE_SIZE;
	kucomms_ring_init(&r->tx, r->u2k_prod,
			  (struct kucomms_ring_cons *)(r->ro + KUCOMMS_PAGE_SIZE),
			  r->u2k_data, r->size, 0);
	kucomms_ring_init(&r->rx,
			  (struct kucomms_ring_prod *)(r->ro + 2 * KUCOMMS_PAGE_SIZE),
			  r->k2u_cons, r->ro + 3 * KUCOMMS_PAGE_SIZE, r->size, 0);
	return 0;
}

static void raw_close(struct raw *r)
{
	if (r->rw && r->rw != MAP_FAILED)
		munmap(r->rw, r->rw_len);
	if (r->ro && r->ro != MAP_FAILED)
		munmap(r->ro, r->ro_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static int raw_kick(struct raw *r)
{
	return ioctl(r->fd, KUCOMMS_IOC_KICK) ? -errno : 0;
}

/* A legitimate message of @len bytes through the ring code, kicked. */
static int raw_send(struct raw *r, uint64_t id, uint64_t len)
{
	static unsigned char buf[KUCOMMS_MSG_MAX(1 << KUCOMMS_RING_ORDER_MAX)];
	struct kucomms_msg_hdr h = { .length = len, .type = 7, .id = id };
	int ret;

	memset(buf, (int)id, len);
	ret = kucomms_ring_produce(&r->tx, &h, buf);
	return ret ? ret : raw_kick(r);
}

/* Wait for the echo of message @id; 0 when it came back intact. */
static int raw_expect(struct raw *r, uint64_t id, uint64_t len)
{
	int64_t end = now_ms() + DETECT_MS;
	struct kucomms_msg_hdr h;
	const unsigned char *data;
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	long long rec;
	uint64_t i;

	for (;;) {
		rec = kucomms_ring_peek(&r->rx, &h, (const void **)&data);
		if (rec > 0)
			break;
		if (rec != -EAGAIN)
			return (int)rec;
		if (now_ms() > end)
			return -ETIMEDOUT;
		poll(&p, 1, 50);
		if (p.revents & (POLLERR | POLLHUP))
			return -EPIPE;
	}
	for (i = 0; i < h.length; i++)
		if (data[i] != (unsigned char)id)
			break;
	kucomms_ring_release(&r->rx, (uint64_t)rec);
	return h.id == id && h.length == len && i == len ? 0 : -EBADMSG;
}

/*
 * Kick and poll until the kernel declared the connection broken: KICK
 * fails with EPROTO and the info page says CORRUPT. Returns 0 then, with
 * what was seen printed; -ETIMEDOUT when it did not happen in time.
 */
static int raw_wait_corrupt(struct raw *r)
{
	int64_t t0 = now_ms();
	struct pollfd p = { .fd = r->fd, .events = POLLIN | POLLOUT };
	bool pollerr = false;
	int kick = 0;

	while (now_ms() - t0 < DETECT_MS) {
		kick = raw_kick(r);
		p.revents = 0;
		poll(&p, 1, 10);
		pollerr |= !!(p.revents & POLLERR);
		if (kick == -EPROTO &&
		    __atomic_load_n(&r->info->state, __ATOMIC_ACQUIRE) ==
		    KUCOMMS_STATE_CORRUPT && pollerr)
			break;
	}
	printf("kick=%s poll=%s state=%u after %" PRId64 " ms\n",
	       kick ? errname(kick) : "OK", pollerr ? "POLLERR" : "-",
	       r->info->state, now_ms() - t0);
	if (kick != -EPROTO || !pollerr)
		return -ETIMEDOUT;
	/* Final: every ioctl now says so. */
	{
		struct kucomms_info info;

		if (!ioctl(r->fd, KUCOMMS_IOC_INFO, &info) || errno != EPROTO)
			return -EBADE;
	}
	return 0;
}

/* ---- the good connection -------------------------------------------- */

static int good_echo(struct kuc_channel *ch, int n)
{
	struct kucomms_msg_hdr h = { .type = 1 }, r;
	char out[100], in[100];
	int i, ret;

	for (i = 0; i < n; i++) {
		h.id = (uint64_t)i;
		h.length = (uint64_t)(i % (int)sizeof(out));
		memset(out, i, sizeof(out));
		ret = kuc_send_wait(ch, &h, out, DETECT_MS);
		if (!ret)
			ret = kuc_recv(ch, &r, in, sizeof(in), DETECT_MS);
		if (ret)
			return ret;
		if (r.id != h.id || r.length != h.length ||
		    memcmp(in, out, h.length))
			return -EBADMSG;
	}
	return 0;
}

/* ---- the cases ------------------------------------------------------- */

enum expect { BREAKS, WORKS };

struct hcase {
	const char *name;
	enum expect expect;
	const char *what;
	int (*run)(struct raw *r);
};

/* Publish a crafted record: header at the producer position, then @adv. */
static int craft(struct raw *r, uint64_t length, uint64_t adv)
{
	struct kucomms_msg_hdr *h =
		(struct kucomms_msg_hdr *)kucomms_ring_at(&r->tx, r->tx.pos);

	h->length = length;
	h->type = 7;
	h->id = 1000;
	h->value = 0;
	memset(h + 1, 0xa5, adv > KUCOMMS_HDR_SIZE ?
	       (adv - KUCOMMS_HDR_SIZE > r->size - KUCOMMS_HDR_SIZE ?
		r->size - KUCOMMS_HDR_SIZE : adv - KUCOMMS_HDR_SIZE) : 0);
	__atomic_store_n(&r->u2k_prod->pos, r->tx.pos + adv, __ATOMIC_RELEASE);
	return raw_kick(r);
}

static int set_prod(struct raw *r, uint64_t pos)
{
	__atomic_store_n(&r->u2k_prod->pos, pos, __ATOMIC_RELEASE);
	return raw_kick(r);
}

/* The kernel checks our consumer position when it sends: make it send. */
static int set_cons(struct raw *r, uint64_t pos)
{
	__atomic_store_n(&r->k2u_cons->pos, pos, __ATOMIC_RELEASE);
	return raw_send(r, 99, 8);
}

static int c_prod_back(struct raw *r)
{
	return set_prod(r, r->tx.pos - 8);
}

static int c_prod_beyond(struct raw *r)
{
	return set_prod(r, r->tx.pos + r->size + 8);
}

static int c_prod_misaligned(struct raw *r)
{
	return set_prod(r, r->tx.pos + 36);
}

static int c_prod_max(struct raw *r)
{
	return set_prod(r, UINT64_MAX);
}

static int c_cons_ahead(struct raw *r)
{
	return set_cons(r, r->rx.pos + 64);
}

static int c_cons_misaligned(struct raw *r)
{
	return set_cons(r, r->rx.pos - 4);
}

static int c_cons_max(struct raw *r)
{
	return set_cons(r, UINT64_MAX);
}

static int c_len_huge(struct raw *r)
{
	return craft(r, r->size - KUCOMMS_HDR_SIZE + 1, r->size);
}

static int c_len_max(struct raw *r)
{
	return craft(r, UINT64_MAX, KUCOMMS_HDR_SIZE);
}

static int c_len_max32(struct raw *r)
{
	return craft(r, UINT64_MAX - 31, KUCOMMS_HDR_SIZE);
}

static int c_len_beyond(struct raw *r)
{
	return craft(r, 64, KUCOMMS_HDR_SIZE + 8);
}

static int c_len_misaligned(struct raw *r)
{
	return craft(r, 5, KUCOMMS_HDR_SIZE + 5);
}

static int c_hdr_partial(struct raw *r)
{
	return craft(r, 0, 16);
}

/* Cases that must keep working: crafted, but legal. */
static int c_len_zero(struct raw *r)
{
	int ret = craft(r, 0, KUCOMMS_HDR_SIZE);

	r->tx.pos += KUCOMMS_HDR_SIZE;
	return ret ? ret : raw_expect(r, 1000, 0);
}

static int c_len_odd(struct raw *r)
{
	struct kucomms_msg_hdr *h =
		(struct kucomms_msg_hdr *)kucomms_ring_at(&r->tx, r->tx.pos);
	int ret;

	memset(h + 1, 1000 & 0xff, 8);	/* raw_expect()'s fill byte */
	h->length = 5;
	h->type = 7;
	h->id = 1000;
	__atomic_store_n(&r->u2k_prod->pos, r->tx.pos + KUCOMMS_HDR_SIZE + 8,
			 __ATOMIC_RELEASE);
	r->tx.pos += KUCOMMS_HDR_SIZE + 8;
	ret = raw_kick(r);
	return ret ? ret : raw_expect(r, 1000, 5);
}

/* Records across the end of the ring, in both directions. */
static int c_wrap(struct raw *r)
{
	uint64_t id, len, big = r->size / 2 + 100;
	int ret;

	for (id = 10; id < 20; id++) {
		len = (id & 1) ? big : 200 + id;
		ret = raw_send(r, id, len);
		if (!ret)
			ret = raw_expect(r, id, len);
		if (ret)
			return ret;
	}
	return 0;
}

/* mmap() with these arguments must fail with @err. */
static int refuse(const char *what, struct raw *r, size_t len, int prot,
		  int flags, off_t off, int err)
{
	void *p = mmap(NULL, len, prot, flags, r->fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		fprintf(stderr, "kuc_hostile: mmap %s: mapped, expected %s\n",
			what, errname(err));
		return -EBADE;
	}
	if (errno != err) {
		fprintf(stderr, "kuc_hostile: mmap %s: %s, expected %s\n",
			what, errname(errno), errname(err));
		return -EBADE;
	}
	return 0;
}

/* What mmap() must refuse; the connection stays usable afterwards. */
static int c_mmap(struct raw *r)
{
	size_t page = KUCOMMS_PAGE_SIZE;
	int rw = PROT_READ | PROT_WRITE, ret;

	ret = refuse("ro writable", r, r->ro_len, rw, MAP_SHARED,
		     KUCOMMS_MMAP_RO, EPERM);
	ret = ret ? ret : refuse("ro private", r, r->ro_len, PROT_READ,
				 MAP_PRIVATE, KUCOMMS_MMAP_RO, EINVAL);
	ret = ret ? ret : refuse("ro short", r, r->ro_len - page, PROT_READ,
				 MAP_SHARED, KUCOMMS_MMAP_RO, EINVAL);
	ret = ret ? ret : refuse("rw long", r, r->rw_len + page, rw,
				 MAP_SHARED, KUCOMMS_MMAP_RW, EINVAL);
	ret = ret ? ret : refuse("bad offset", r, page, PROT_READ, MAP_SHARED,
				 page, EINVAL);
	if (ret)
		return ret;
	/* The read-only region cannot be made writable afterwards either. */
	if (!mprotect(r->ro, r->ro_len, rw) || errno != EACCES) {
		fprintf(stderr, "kuc_hostile: mprotect(ro, WRITE) not refused\n");
		return -EBADE;
	}
	if (raw_send(r, 42, 42))
		return -EIO;
	return raw_expect(r, 42, 42);
}

static const struct hcase cases[] = {
	{ "prod-back", BREAKS, "u2k producer position moved backwards", c_prod_back },
	{ "prod-beyond", BREAKS, "u2k producer more than a ring ahead", c_prod_beyond },
	{ "prod-misaligned", BREAKS, "u2k producer position not 8-aligned", c_prod_misaligned },
	{ "prod-max", BREAKS, "u2k producer position 2^64-1", c_prod_max },
	{ "cons-ahead", BREAKS, "k2u consumer ahead of the producer", c_cons_ahead },
	{ "cons-misaligned", BREAKS, "k2u consumer position not 8-aligned", c_cons_misaligned },
	{ "cons-max", BREAKS, "k2u consumer position 2^64-1", c_cons_max },
	{ "len-huge", BREAKS, "record length msg_max + 1", c_len_huge },
	{ "len-max", BREAKS, "record length 2^64-1", c_len_max },
	{ "len-max32", BREAKS, "record length 2^64-32 (wraps the size sum)", c_len_max32 },
	{ "len-beyond", BREAKS, "record longer than what is published", c_len_beyond },
	{ "len-misaligned", BREAKS, "record published with an unaligned size", c_len_misaligned },
	{ "hdr-partial", BREAKS, "only half a header published", c_hdr_partial },
	{ "len-zero", WORKS, "record length 0 (legal)", c_len_zero },
	{ "len-odd", WORKS, "record length 5, padded (legal)", c_len_odd },
	{ "wrap", WORKS, "records across the ring's end (legal)", c_wrap },
	{ "mmap", WORKS, "mappings the kernel must refuse", c_mmap },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NCASES		ARRAY_SIZE(cases)

/* Warm the hostile connection up with honest traffic first. */
static int warm_up(struct raw *r)
{
	uint64_t id;
	int ret;

	for (id = 1; id <= 3; id++) {
		ret = raw_send(r, id, id * 40);
		if (!ret)
			ret = raw_expect(r, id, id * 40);
		if (ret)
			return ret;
	}
	return 0;
}

static int run_case(const char *path, const struct hcase *c,
		    struct kuc_channel *good)
{
	struct raw r;
	int ret;

	printf("case %s: %s\n", c->name, c->what);
	ret = raw_open(path, &r);
	if (!ret)
		ret = warm_up(&r);
	if (ret) {
		fprintf(stderr, "kuc_hostile: set-up: %s\n", errname(ret));
		raw_close(&r);
		return 2;
	}
	ret = c->run(&r);
	if (c->expect == BREAKS) {
		/* The crafting call's own kick may already have failed. */
		if (ret && ret != -EPROTO) {
			fprintf(stderr, "kuc_hostile: crafting: %s\n", errname(ret));
			raw_close(&r);
			return 2;
		}
		ret = raw_wait_corrupt(&r);
		if (ret)
			fprintf(stderr, "kuc_hostile: the kernel did not break the connection\n");
	} else {
		if (!ret)
			ret = raw_kick(&r);	/* still open? */
		printf("result=%s\n", ret ? errname(ret) : "OK");
	}
	raw_close(&r);
	if (ret)
		return 1;
	ret = good_echo(good, 20);
	printf("good connection: %s\n", ret ? errname(ret) : "echoes");
	return ret ? 1 : 0;
}

/*
 * random: for @secs seconds, open connections and throw garbage at
 * everything userspace can write (positions near and far from the
 * truth, headers, data, flags), kicking after each round, until the
 * kernel breaks the connection; then the next one.
 */
static int run_random(const char *path, unsigned int secs,
		      struct kuc_channel *good)
{
	int64_t end = now_ms() + secs * 1000LL;
	unsigned int conns = 0, broken = 0, rounds = 0;
	struct raw r;
	uint64_t v, off;
	int ret, i;

	while (now_ms() < end) {
		ret = raw_open(path, &r);
		if (ret) {
			fprintf(stderr, "kuc_hostile: open: %s\n", errname(ret));
			return 2;
		}
		conns++;
		for (i = 0; i < 1000 && now_ms() < end; i++, rounds++) {
			v = rnd();
			/* Mostly plausible values: those pass the cheap checks. */
			switch (rnd() % 8) {
			case 0:
				v = r.tx.pos + (v % (2 * r.size));
				break;
			case 1:
				v = r.tx.pos + (v % 512) * 8;
				break;
			case 2:
				v = r.tx.pos - (v % 64);
				break;
			default:
				break;
			}
			switch (rnd() % 6) {
			case 0:
				__atomic_store_n(&r.u2k_prod->pos, v, __ATOMIC_RELEASE);
				break;
			case 1:
				__atomic_store_n(&r.k2u_cons->pos, v, __ATOMIC_RELEASE);
				break;
			case 2:
				r.k2u_cons->flags = (uint32_t)v;
				r.u2k_prod->full = v;
				r.u2k_prod->wakeups = rnd();
				break;
			case 3:	/* a header where the kernel reads next */
				off = r.tx.pos & (r.size - 1);
				memcpy(r.u2k_data + off, &v, 8);
				break;
			default:
				off = rnd() % (2 * r.size - 8);
				memcpy(r.u2k_data + off, &v, 8);
				break;
			}
			if (rnd() % 4 == 0)
				raw_send(&r, rounds, rnd() % 300);
			if (raw_kick(&r) == -EPROTO) {
				broken++;
				break;
			}
			if (rnd() % 16 == 0)
				usleep(1000);
		}
		raw_close(&r);
	}
	ret = good_echo(good, 20);
	printf("random: seconds=%u conns=%u rounds=%u broken=%u good=%s\n",
	       secs, conns, rounds, broken, ret ? errname(ret) : "echoes");
	return !ret && broken ? 0 : 1;
}

int main(int argc, char **argv)
{
	char full[KUCOMMS_NAME_MAX + 1], path[KUCOMMS_NAME_MAX + 8];
	unsigned int secs = 5, i;
	struct kuc_channel *good;
	int c, ret;

	while ((c = getopt(argc, argv, "s:S:h")) != -1) {
		switch (c) {
		case 's':
			secs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'S':
			rng_state = strtoull(optarg, NULL, 0);
			break;
		default:
			fputs(USAGE, stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "list")) {
		for (i = 0; i < NCASES; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc - optind != 2) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (kuc_name_normalize(argv[optind], full, sizeof(full)))
		return 2;
	snprintf(path, sizeof(path), "/dev/%s", full);
	ret = kuc_open(full, &good);
	if (!ret)
		ret = good_echo(good, 5);
	if (ret) {
		fprintf(stderr, "kuc_hostile: good connection: %s\n", errname(ret));
		return 2;
	}
	if (!strcmp(argv[optind + 1], "random")) {
		ret = run_random(path, secs, good);
	} else {
		for (i = 0; i < NCASES; i++)
			if (!strcmp(argv[optind + 1], cases[i].name))
				break;
		if (i == NCASES) {
			fprintf(stderr, "kuc_hostile: no case '%s' (try 'list')\n",
				argv[optind + 1]);
			kuc_close(good);
			return 2;
		}
		ret = run_case(path, &cases[i], good);
	}
	kuc_close(good);
	return ret;
}
