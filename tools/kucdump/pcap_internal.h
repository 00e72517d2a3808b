/* SPDX-License-Identifier: MIT */
/* What pcap.c and pcapng.c share: the reader's state and one packet. */
#ifndef KUCDUMP_PCAP_INTERNAL_H
#define KUCDUMP_PCAP_INTERNAL_H

#include "kucdump.h"

#define KUC_LINKTYPE_USER0	147
#define KUC_PSEUDO_LEN		48
/* The largest packet the reader accepts: a 4 MiB ring's message. */
#define KUC_PCAP_MAX		(KUC_PSEUDO_LEN + KUCOMMS_TAP_SNAPLEN_MAX)
/* The largest pcapng block: such a packet plus room for options. */
#define KUC_NG_BLOCK_MAX	(KUC_PCAP_MAX + 4096)
#define KUC_NG_IFS_MAX		64

struct kucdump_pcap {
	FILE *f;
	bool writing;
	bool swapped;		/* reading a file of the other byte order */
	bool nanosecs;
	bool ng;		/* pcapng (reading, or writing --pcapng) */
	uint8_t kind;		/* KUCDUMP_KIND_*: written, or last read */
	unsigned char *buf;	/* reading: one packet (or pcapng block) */
	/* pcapng: the time unit of each interface of the section. */
	unsigned int ng_ifs;
	uint64_t ng_per_sec[KUC_NG_IFS_MAX];
};

/*
 * One packet as the file holds it, before its pseudo-header is read; when
 * writing, @data is the pseudo-header alone and the message's data follows.
 */
struct kucdump_pkt {
	const unsigned char *data;
	uint32_t caplen, len;
	uint64_t ts_ns;
};

/* Write the reason to @err; returns -EPROTO (not such a file). */
__attribute__((format(printf, 3, 4)))
int kucdump_pcap_bad(char *err, size_t errsz, const char *fmt, ...);

/* pcapng.c: the file's first 12 bytes (in p->buf) are a section header. */
bool kucdump_ng_magic(const unsigned char *p);
int kucdump_ng_open(struct kucdump_pcap *p, char *err, size_t errsz);
/* 0 and *@pkt (in p->buf), 1 at the end, or -errno. */
int kucdump_ng_next(struct kucdump_pcap *p, struct kucdump_pkt *pkt,
		    char *err, size_t errsz);
/*
 * pcapng.c, writing: the section header and the one interface; then a
 * packet (@pkt: the pseudo-header, @rec: the data and the direction).
 * Return 0 or a negative errno.
 */
int kucdump_ng_write_head(struct kucdump_pcap *p, uint32_t snaplen);
int kucdump_ng_write_packet(struct kucdump_pcap *p,
			    const struct kucdump_pkt *pkt,
			    const struct kuc_tap_record *rec);

#endif /* KUCDUMP_PCAP_INTERNAL_H */
