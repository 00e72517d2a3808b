// SPDX-License-Identifier: MIT
/*
 * Capture files: classic pcap with nanosecond timestamps (magic
 * 0xa1b23c4d, written in host byte order) and link type LINKTYPE_USER0
 * (147). Each packet is a 48-byte pseudo-header, big-endian, then the
 * captured data:
 *
 *   0  u8   version (1)
 *   1  u8   direction: 0 u2k (userspace to kernel), 1 k2u
 *   2  u16  pseudo-header length (48)
 *   4  u8   channel kind: 0 device (or not said), 1 shm segment
 *   5  u8   reserved (0), and 6 u16 reserved (0)
 *   8  u64  connection id
 *   16 u64  length (the message's original data length)
 *   24 u64  type
 *   32 u64  id
 *   40 u64  value
 *
 * The packet's caplen and len are 48 + the captured and the original data
 * length. tools/kucdump/kucomms.lua dissects it in Wireshark and tshark.
 * The reader takes microsecond and nanosecond files of either byte order,
 * and pcapng files (pcapng.c) with the same packets; the writer writes
 * pcapng too when asked (--pcapng).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_internal.h"

#define PCAP_MAGIC_NS		0xa1b23c4dU
#define PCAP_MAGIC_US		0xa1b2c3d4U
#define LINKTYPE_USER0		KUC_LINKTYPE_USER0
#define KUC_PSEUDO_VERSION	1

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_frac, caplen, len;
};


void kucdump_pcap_set_kind(struct kucdump_pcap *p, unsigned int kind)
{
	p->kind = (uint8_t)kind;
}

unsigned int kucdump_pcap_kind(const struct kucdump_pcap *p)
{
	return p->kind;
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static int pcap_write_head(struct kucdump_pcap *p, uint32_t snaplen)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_NS,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = KUC_PSEUDO_LEN + snaplen,
		.linktype = LINKTYPE_USER0,
	};

	return fwrite(&h, sizeof(h), 1, p->f) == 1 ? 0 : -EIO;
}

int kucdump_pcap_create(const char *path, uint32_t snaplen, bool ng,
			struct kucdump_pcap **out)
{
	struct kucdump_pcap *p = calloc(1, sizeof(*p));
	int ret;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->writing = true;
	p->ng = ng;
	p->f = strcmp(path, "-") ? fopen(path, "wbe") : stdout;
	if (!p->f) {
		ret = -errno;
		free(p);
		return ret;
	}
	errno = 0;
	ret = ng ? kucdump_ng_write_head(p, snaplen) :
		   pcap_write_head(p, snaplen);
	if (ret) {
		ret = errno ? -errno : ret;	/* fwrite's reason */
		kucdump_pcap_close(p);
		return ret;
	}
	*out = p;
	return 0;
}

int kucdump_pcap_write(struct kucdump_pcap *p,
		       const struct kuc_tap_record *rec)
{
	struct kucdump_pkt pkt;
	unsigned char ph[KUC_PSEUDO_LEN] = { 0 };
	uint64_t len = KUC_PSEUDO_LEN + rec->hdr.length;
	struct pcap_rec_hdr rh;

	ph[0] = KUC_PSEUDO_VERSION;
	ph[1] = (unsigned char)rec->dir;
	put_be(ph + 2, KUC_PSEUDO_LEN, 2);
	ph[4] = p->kind;
	put_be(ph + 8, rec->conn_id, 8);
	put_be(ph + 16, rec->hdr.length, 8);
	put_be(ph + 24, rec->hdr.type, 8);
	put_be(ph + 32, rec->hdr.id, 8);
	put_be(ph + 40, rec->hdr.value, 8);
	pkt.data = ph;
	pkt.caplen = KUC_PSEUDO_LEN + rec->caplen;
	pkt.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	pkt.ts_ns = rec->ts_ns;
	errno = 0;
	if (p->ng)
		return kucdump_ng_write_packet(p, &pkt, rec);
	rh = (struct pcap_rec_hdr){
		.ts_sec = (uint32_t)(pkt.ts_ns / 1000000000ULL),
		.ts_frac = (uint32_t)(pkt.ts_ns % 1000000000ULL),
		.caplen = pkt.caplen,
		.len = pkt.len,
	};
	if (fwrite(&rh, sizeof(rh), 1, p->f) != 1 ||
	    fwrite(ph, sizeof(ph), 1, p->f) != 1 ||
	    (rec->caplen && fwrite(rec->data, rec->caplen, 1, p->f) != 1))
		return errno ? -errno : -EIO;
	return 0;
}

int kucdump_pcap_close(struct kucdump_pcap *p)
{
	int ret = 0;

	if (!p)
		return 0;
	if (p->writing && (fflush(p->f) || ferror(p->f)))
		ret = errno ? -errno : -EIO;
	if (p->f != stdout && p->f != stdin && fclose(p->f) && !ret)
		ret = p->writing ? -errno : 0;
	free(p->buf);
	free(p);
	return ret;
}

int kucdump_pcap_bad(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

static uint32_t u32_of(const struct kucdump_pcap *p, uint32_t v)
{
	return p->swapped ? __builtin_bswap32(v) : v;
}

int kucdump_pcap_open(const char *path, struct kucdump_pcap **out,
		      char *err, size_t errsz)
{
	struct kucdump_pcap *p = calloc(1, sizeof(*p));
	struct pcap_file_hdr h;
	int ret;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->f = strcmp(path, "-") ? fopen(path, "rbe") : stdin;
	if (!p->f) {
		ret = -errno;
		free(p);
		snprintf(err, errsz, "%s", strerror(-ret));
		return ret;
	}
	p->buf = malloc(KUC_NG_BLOCK_MAX);
	if (!p->buf) {
		kucdump_pcap_close(p);
		return -ENOMEM;
	}
	/* 12 bytes tell pcapng (type, length, byte order) from pcap. */
	if (fread(p->buf, 12, 1, p->f) != 1) {
		ret = kucdump_pcap_bad(err, errsz, "not a pcap file (too short)");
		goto fail;
	}
	if (kucdump_ng_magic(p->buf)) {
		ret = kucdump_ng_open(p, err, errsz);
		if (ret)
			goto fail;
		*out = p;
		return 0;
	}
	if (fread(p->buf + 12, sizeof(h) - 12, 1, p->f) != 1) {
		ret = kucdump_pcap_bad(err, errsz, "not a pcap file (too short)");
		goto fail;
	}
	memcpy(&h, p->buf, sizeof(h));
	if (h.magic == PCAP_MAGIC_NS || h.magic == PCAP_MAGIC_US) {
		p->nanosecs = h.magic == PCAP_MAGIC_NS;
	} else if (h.magic == __builtin_bswap32(PCAP_MAGIC_NS) ||
		   h.magic == __builtin_bswap32(PCAP_MAGIC_US)) {
		p->swapped = true;
		p->nanosecs = h.magic == __builtin_bswap32(PCAP_MAGIC_NS);
	} else {
		ret = kucdump_pcap_bad(err, errsz, "not a pcap file (magic 0x%08x)",
			  h.magic);
		goto fail;
	}
	if (u32_of(p, h.linktype) != LINKTYPE_USER0) {
		ret = kucdump_pcap_bad(err, errsz,
			  "not a kucdump capture (link type %u, not %u)",
			  u32_of(p, h.linktype), LINKTYPE_USER0);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	kucdump_pcap_close(p);
	return ret;
}

/* The next packet of a pcap file. */
static int pcap_next(struct kucdump_pcap *p, struct kucdump_pkt *pkt,
		     char *err, size_t errsz)
{
	struct pcap_rec_hdr rh;
	uint32_t frac;
	size_t n;

	n = fread(&rh, 1, sizeof(rh), p->f);
	if (n == 0 && feof(p->f))
		return 1;
	if (n != sizeof(rh))
		return kucdump_pcap_bad(err, errsz, "truncated packet header");
	pkt->caplen = u32_of(p, rh.caplen);
	pkt->len = u32_of(p, rh.len);
	if (pkt->caplen > KUC_PCAP_MAX)
		return kucdump_pcap_bad(err, errsz, "bad packet length %u",
					pkt->caplen);
	if (pkt->caplen && fread(p->buf, pkt->caplen, 1, p->f) != 1)
		return kucdump_pcap_bad(err, errsz, "truncated packet");
	frac = u32_of(p, rh.ts_frac);
	pkt->ts_ns = (uint64_t)u32_of(p, rh.ts_sec) * 1000000000ULL +
		     (p->nanosecs ? frac : frac * 1000ULL);
	pkt->data = p->buf;
	return 0;
}

int kucdump_pcap_read(struct kucdump_pcap *p, struct kuc_tap_record *rec,
		      char *err, size_t errsz)
{
	struct kucdump_pkt pkt;
	const unsigned char *b;
	int ret;

	ret = p->ng ? kucdump_ng_next(p, &pkt, err, errsz) :
		      pcap_next(p, &pkt, err, errsz);
	if (ret)
		return ret;
	b = pkt.data;
	if (pkt.caplen < KUC_PSEUDO_LEN || pkt.caplen > KUC_PCAP_MAX ||
	    pkt.caplen > pkt.len)
		return kucdump_pcap_bad(err, errsz, "bad packet length %u",
					pkt.caplen);
	if (b[0] != KUC_PSEUDO_VERSION || b[1] > KUCOMMS_TAP_K2U ||
	    get_be(b + 2, 2) != KUC_PSEUDO_LEN)
		return kucdump_pcap_bad(err, errsz,
					"unknown pseudo-header (version %u)",
					b[0]);
	rec->ts_ns = pkt.ts_ns;
	rec->dir = b[1];
	p->kind = b[4];
	rec->conn_id = get_be(b + 8, 8);
	rec->hdr.length = get_be(b + 16, 8);
	rec->hdr.type = get_be(b + 24, 8);
	rec->hdr.id = get_be(b + 32, 8);
	rec->hdr.value = get_be(b + 40, 8);
	rec->caplen = pkt.caplen - KUC_PSEUDO_LEN;
	if (rec->caplen > rec->hdr.length)
		return kucdump_pcap_bad(err, errsz,
					"captured more than the message length");
	rec->data = b + KUC_PSEUDO_LEN;
	return 0;
}
