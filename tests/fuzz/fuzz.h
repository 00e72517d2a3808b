/* SPDX-License-Identifier: MIT */
/*
 * What every harness under tests/fuzz/ shares: libFuzzer's entry point
 * (declared here, as -Wmissing-prototypes wants a prototype and
 * libFuzzer ships no header for it), and a reader that turns the fuzz
 * input into the numbers and byte strings a harness needs. Running out
 * of input yields zeros, so that every input is a whole run: a harness
 * never rejects an input for being short.
 */
#ifndef KUC_FUZZ_H
#define KUC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* The next @bytes (at most 8) bytes, little-endian. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* Up to @len bytes into @dst, the rest zero; returns how many came. */
static inline size_t fuzz_copy(struct fuzz_in *in, void *dst, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memcpy(dst, in->p, n);
	memset((unsigned char *)dst + n, 0, len - n);
	in->p += n;
	in->n -= n;
	return n;
}

/* A crash of the harness itself: an invariant of the code under test. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif /* KUC_FUZZ_H */
