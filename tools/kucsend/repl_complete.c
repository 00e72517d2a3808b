// SPDX-License-Identifier: MIT
/*
 * Tab completion in the interactive mode: the commands at the start of a
 * line, the display modes after "display", and the message's JSON keys
 * (with their quotes) anywhere else.
 */
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "kucsend.h"

static const char *const commands[] = {
	"send", "wait", "recv", "stats", "display", "reconnect", "help",
	"quit", "exit", NULL
};
static const char *const modes[] = { "json", "text", "hex", NULL };
static const char *const keys[] = {
	"\"type\"", "\"id\"", "\"value\"", "\"data\"", "\"hex\"",
	"\"base64\"", "\"file\"", NULL
};

static const char *const *candidates;

static char *generate(const char *text, int state)
{
	static size_t i;
	const char *c;

	if (!state)
		i = 0;
	while ((c = candidates[i]) != NULL) {
		i++;
		/* Keys match with or without their opening quote typed. */
		if (!strncmp(c, text, strlen(text)) ||
		    (candidates == keys && !strncmp(c + 1, text, strlen(text))))
			return strdup(c);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	const char *line = rl_line_buffer;
	size_t lead = strspn(line, " \t");

	(void)end;
	/* Never fall back to file names. */
	rl_attempted_completion_over = 1;
	if ((size_t)start <= lead && line[lead] != '{' && line[lead] != '[') {
		candidates = commands;
		rl_completion_append_character = ' ';
	} else if (!strncmp(line + lead, "display", 7)) {
		candidates = modes;
		rl_completion_append_character = ' ';
	} else {
		candidates = keys;
		rl_completion_append_character = ':';
	}
	return rl_completion_matches(text, generate);
}

void kucsend_complete_init(void)
{
	rl_attempted_completion_function = complete;
	/* A key starts after a brace, a comma or a space. */
	rl_basic_word_break_characters = " \t{},:[";
	rl_completer_quote_characters = NULL;
}
