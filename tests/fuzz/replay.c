// SPDX-License-Identifier: MIT
/*
 * A harness without libFuzzer: feed it files, each once, and print one
 * TAP line per file. Built with gcc and ASan/UBSan as build/unit/fuzz_NAME
 * so that make check replays every seed and every crash that was fixed
 * (tests/fuzz/corpus/NAME/, tests/fuzz/crashes/NAME/) without clang. A
 * file that still crashes kills the run; the "#" line before it names
 * the file. Without arguments it reads those two directories (make check
 * runs it from the top of the tree).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../unit/tap.h"

static void replay(const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "rbe");

	if (!f) {
		TAP_OK(0, "%s: cannot open", path);
		return;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	printf("# %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	TAP_OK(1, "%s", path);
}

/* Every file of @dir in name order; a directory that is missing is none. */
static void replay_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int i, n = scandir(dir, &names, NULL, alphasort);

	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir,
				 names[i]->d_name);
			replay(path);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

int main(int argc, char **argv)
{
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay(argv[i]);
	} else {
		replay_dir("tests/fuzz/corpus/" FUZZ_NAME);
		replay_dir("tests/fuzz/crashes/" FUZZ_NAME);
	}
	return tap_done();
}
