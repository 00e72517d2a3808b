// SPDX-License-Identifier: MIT
/*
 * kucdump --filter EXPR: the expression is parsed (filter.c), then
 * evaluated against records made from the rest of the input. The
 * expression is the input up to its first NUL (what argv can carry).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kucdump.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	struct fuzz_in in = { data + len, size - len };
	struct kucdump_filter *f;
	struct kuc_tap_record rec = { 0 };
	char err[256] = "";
	char *expr = strndup((const char *)data, len);
	int ret, i;

	FUZZ_ASSERT(expr);
	ret = kucdump_filter_parse(expr, &f, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	FUZZ_ASSERT(!ret == !!f);
	FUZZ_ASSERT(!ret || err[0]);
	for (i = 0; !ret && i < 4; i++) {
		rec.dir = (unsigned int)fuzz_take(&in, 1) & 1;
		rec.conn_id = fuzz_take(&in, 8);
		rec.hdr.length = fuzz_take(&in, 8);
		rec.hdr.type = fuzz_take(&in, 8);
		rec.hdr.id = fuzz_take(&in, 8);
		rec.hdr.value = fuzz_take(&in, 8);
		kucdump_filter_match(f, &rec);
	}
	kucdump_filter_free(f);
	free(expr);
	return 0;
}
