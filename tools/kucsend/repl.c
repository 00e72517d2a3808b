// SPDX-License-Identifier: MIT
/* The interactive mode: not written yet. */
#include "kucsend.h"

int kucsend_repl(const struct kucsend_opts *o)
{
	(void)o;
	kucsend_msg("the interactive mode is not available yet");
	return KUCSEND_EXIT_USAGE;
}
