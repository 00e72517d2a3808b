// SPDX-License-Identifier: MIT
/*
 * pcapng (writing it, --pcapng, is at the end of this file). Reading
 * pcapng (the format Wireshark saves by default, and what
 * editcap/mergecap make of kucdump's pcap files): a Section Header Block
 * (its byte-order magic says the byte order of the section), Interface
 * Description Blocks (link type, which must be LINKTYPE_USER0, and the
 * time resolution, option if_tsresol), and Enhanced Packet Blocks, whose
 * data is the same pseudo-header and message data as in kucdump's pcap.
 * Other blocks (statistics, name resolution, comments) are skipped.
 * Everything in the file is checked before it is used: lengths against
 * the block, interfaces against those described.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_internal.h"

#define NG_SHB			0x0a0d0d0aU
#define NG_IDB			1U
#define NG_SPB			3U
#define NG_EPB			6U
#define NG_BYTE_ORDER		0x1a2b3c4dU
#define NG_OPT_END		0
#define NG_OPT_TSRESOL		9

bool kucdump_ng_magic(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v == NG_SHB;	/* a palindrome: either byte order */
}

static uint32_t ng32(const struct kucdump_pcap *p, const unsigned char *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return p->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t ng16(const struct kucdump_pcap *p, const unsigned char *b)
{
	uint16_t v;

	memcpy(&v, b, 2);
	return p->swapped ? __builtin_bswap16(v) : v;
}

/*
 * The rest of a block whose first @have bytes (type, length and, for a
 * section header, its byte-order magic) are in p->buf: read it whole,
 * check its trailing length. Returns the body's length (after type and
 * length, before the trailing length) or a negative errno.
 */
static long ng_block(struct kucdump_pcap *p, size_t have, char *err,
		     size_t errsz)
{
	uint32_t total = ng32(p, p->buf + 4);

	if (total < 12 + (have > 8 ? 4 : 0) || total % 4 ||
	    total > KUC_NG_BLOCK_MAX)
		return kucdump_pcap_bad(err, errsz, "bad pcapng block length %u",
					total);
	if (fread(p->buf + have, total - have, 1, p->f) != 1)
		return kucdump_pcap_bad(err, errsz, "truncated pcapng block");
	if (ng32(p, p->buf + total - 4) != total)
		return kucdump_pcap_bad(err, errsz,
					"pcapng block lengths differ");
	return (long)total - 12;
}

/* A section header: its byte order; the interfaces start anew. */
static int ng_section(struct kucdump_pcap *p, char *err, size_t errsz)
{
	uint32_t bom;
	long body;

	memcpy(&bom, p->buf + 8, 4);
	if (bom == NG_BYTE_ORDER)
		p->swapped = false;
	else if (bom == __builtin_bswap32(NG_BYTE_ORDER))
		p->swapped = true;
	else
		return kucdump_pcap_bad(err, errsz,
					"not a pcapng file (byte-order magic 0x%08x)",
					bom);
	body = ng_block(p, 12, err, errsz);
	if (body < 0)
		return (int)body;
	if (body < 16 || ng16(p, p->buf + 12) != 1)
		return kucdump_pcap_bad(err, errsz,
					"unsupported pcapng version");
	p->ng_ifs = 0;
	return 0;
}

/* An interface: LINKTYPE_USER0, and its time unit from if_tsresol. */
static int ng_interface(struct kucdump_pcap *p, long body, char *err,
			size_t errsz)
{
	const unsigned char *o = p->buf + 16, *end = p->buf + 8 + body;
	uint64_t per_sec = 1000000;	/* the default: microseconds */
	uint16_t code, len, link;
	unsigned int i;

	if (body < 8)
		return kucdump_pcap_bad(err, errsz, "short pcapng interface");
	link = ng16(p, p->buf + 8);
	if (link != KUC_LINKTYPE_USER0)
		return kucdump_pcap_bad(err, errsz,
					"not a kucdump capture (link type %u, not %u)",
					link, KUC_LINKTYPE_USER0);
	while (end - o >= 4) {
		code = ng16(p, o);
		len = ng16(p, o + 2);
		o += 4;
		if (code == NG_OPT_END)
			break;
		if (len > end - o)
			return kucdump_pcap_bad(err, errsz,
						"bad pcapng option length");
		if (code == NG_OPT_TSRESOL && len >= 1) {
			/* 10^-v seconds; base-2 units are not written by
			 * the tools that convert kucdump captures. */
			if (o[0] & 0x80 || o[0] > 9)
				return kucdump_pcap_bad(err, errsz,
							"unsupported pcapng time resolution 0x%02x",
							o[0]);
			for (per_sec = 1, i = 0; i < o[0]; i++)
				per_sec *= 10;
		}
		o += (len + 3u) & ~3u;
	}
	if (p->ng_ifs == KUC_NG_IFS_MAX)
		return kucdump_pcap_bad(err, errsz,
					"more than %d pcapng interfaces",
					KUC_NG_IFS_MAX);
	p->ng_per_sec[p->ng_ifs++] = per_sec;
	return 0;
}

int kucdump_ng_open(struct kucdump_pcap *p, char *err, size_t errsz)
{
	/* The first 12 bytes are in p->buf: type, length, byte order. */
	p->ng = true;
	return ng_section(p, err, errsz);
}

int kucdump_ng_next(struct kucdump_pcap *p, struct kucdump_pkt *pkt,
		    char *err, size_t errsz)
{
	uint64_t ts, per_sec;
	uint32_t type, ifc;
	long body;
	size_t n;
	int ret;

	for (;;) {
		n = fread(p->buf, 1, 8, p->f);
		if (n == 0 && feof(p->f))
			return 1;
		if (n != 8)
			return kucdump_pcap_bad(err, errsz,
						"truncated pcapng block");
		type = ng32(p, p->buf);
		if (type == NG_SHB) {
			if (fread(p->buf + 8, 4, 1, p->f) != 1)
				return kucdump_pcap_bad(err, errsz,
							"truncated pcapng block");
			ret = ng_section(p, err, errsz);
			if (ret)
				return ret;
			continue;
		}
		body = ng_block(p, 8, err, errsz);
		if (body < 0)
			return (int)body;
		if (type == NG_IDB) {
			ret = ng_interface(p, body, err, errsz);
			if (ret)
				return ret;
			continue;
		}
		if (type == NG_SPB)
			return kucdump_pcap_bad(err, errsz,
						"pcapng simple packet blocks (no time stamps) are not supported");
		if (type != NG_EPB)
			continue;
		if (body < 20)
			return kucdump_pcap_bad(err, errsz,
						"short pcapng packet block");
		ifc = ng32(p, p->buf + 8);
		if (ifc >= p->ng_ifs)
			return kucdump_pcap_bad(err, errsz,
						"pcapng packet of undescribed interface %u",
						ifc);
		pkt->caplen = ng32(p, p->buf + 20);
		pkt->len = ng32(p, p->buf + 24);
		if (pkt->caplen > (uint64_t)body - 20)
			return kucdump_pcap_bad(err, errsz,
						"bad packet length %u",
						pkt->caplen);
		per_sec = p->ng_per_sec[ifc];
		ts = (uint64_t)ng32(p, p->buf + 12) << 32 |
		     ng32(p, p->buf + 16);
		pkt->ts_ns = ts / per_sec * 1000000000ULL +
			     ts % per_sec * (1000000000ULL / per_sec);
		pkt->data = p->buf + 28;
		return 0;
	}
}

/*
 * Writing: one section (host byte order), one interface (LINKTYPE_USER0,
 * nanosecond times), then an Enhanced Packet Block per message whose
 * epb_flags carry its direction, so that Wireshark shows it without the
 * dissector: u2k is outbound from the user side (the client of a
 * segment), k2u inbound.
 */
#define NG_OPT_EPB_FLAGS	2
#define NG_FLAG_INBOUND		1U
#define NG_FLAG_OUTBOUND	2U

static int ng_put(struct kucdump_pcap *p, const void *b, size_t n)
{
	return !n || fwrite(b, n, 1, p->f) == 1 ? 0 : -EIO;
}

static void put32(unsigned char *b, uint32_t v)
{
	memcpy(b, &v, 4);
}

static void put16(unsigned char *b, uint16_t v)
{
	memcpy(b, &v, 2);
}

int kucdump_ng_write_head(struct kucdump_pcap *p, uint32_t snaplen)
{
	unsigned char shb[28] = { 0 }, idb[32] = { 0 };

	put32(shb, NG_SHB);
	put32(shb + 4, sizeof(shb));
	put32(shb + 8, NG_BYTE_ORDER);
	put16(shb + 12, 1);			/* version 1.0 */
	memset(shb + 16, 0xff, 8);		/* section length: unknown */
	put32(shb + 24, sizeof(shb));

	put32(idb, NG_IDB);
	put32(idb + 4, sizeof(idb));
	put16(idb + 8, KUC_LINKTYPE_USER0);
	put32(idb + 12, KUC_PSEUDO_LEN + snaplen);
	put16(idb + 16, NG_OPT_TSRESOL);
	put16(idb + 18, 1);
	idb[20] = 9;				/* 10^-9 s; padded to 4 */
	/* idb[24..27]: opt_endofopt, zeros */
	put32(idb + 28, sizeof(idb));
	if (ng_put(p, shb, sizeof(shb)) || ng_put(p, idb, sizeof(idb)))
		return -EIO;
	return 0;
}

int kucdump_ng_write_packet(struct kucdump_pcap *p,
			    const struct kucdump_pkt *pkt,
			    const struct kuc_tap_record *rec)
{
	static const unsigned char pad[4];
	unsigned char head[28], tail[16] = { 0 };
	uint32_t padded = (pkt->caplen + 3u) & ~3u;
	uint32_t total = sizeof(head) + padded + sizeof(tail);

	put32(head, NG_EPB);
	put32(head + 4, total);
	put32(head + 8, 0);			/* the one interface */
	put32(head + 12, (uint32_t)(pkt->ts_ns >> 32));
	put32(head + 16, (uint32_t)pkt->ts_ns);
	put32(head + 20, pkt->caplen);
	put32(head + 24, pkt->len);
	put16(tail, NG_OPT_EPB_FLAGS);
	put16(tail + 2, 4);
	put32(tail + 4, rec->dir == KUCOMMS_TAP_U2K ? NG_FLAG_OUTBOUND :
						       NG_FLAG_INBOUND);
	/* tail[8..11]: opt_endofopt */
	put32(tail + 12, total);
	if (ng_put(p, head, sizeof(head)) ||
	    ng_put(p, pkt->data, KUC_PSEUDO_LEN) ||
	    ng_put(p, rec->data, rec->caplen) ||
	    ng_put(p, pad, padded - pkt->caplen) ||
	    ng_put(p, tail, sizeof(tail)))
		return errno ? -errno : -EIO;
	return 0;
}
