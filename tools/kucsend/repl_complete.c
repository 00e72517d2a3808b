// SPDX-License-Identifier: MIT
/*
 * Tab completion in the interactive mode: the commands at the start of a
 * line and the words a command's argument takes (both from the command
 * table in repl_cmds.c, the one help prints and repl_run_line() runs),
 * and the message's JSON keys (with their quotes) in messages: a line
 * starting with { or [, or the arguments of send.
 */
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "kucsend.h"

static const char *const keys[] = {
	"\"type\"", "\"id\"", "\"value\"", "\"data\"", "\"hex\"",
	"\"base64\"", "\"file\"", NULL
};

/* The candidates of the word being completed: the i-th, or NULL. */
static const char *(*candidate)(size_t i);
static const char *const *words;

static const char *command_at(size_t i)
{
	return kucsend_repl_cmds[i].name;
}

static const char *word_at(size_t i)
{
	return words[i];
}

static char *generate(const char *text, int state)
{
	static size_t i;
	const char *c;

	if (!state)
		i = 0;
	while ((c = candidate(i)) != NULL) {
		i++;
		/* Keys match with or without their opening quote typed. */
		if (!strncmp(c, text, strlen(text)) ||
		    (words == keys && !strncmp(c + 1, text, strlen(text))))
			return strdup(c);
	}
	return NULL;
}

/*
 * What the arguments of the command that starts @line take: its words,
 * the JSON keys for a command that takes messages, else nothing.
 */
static const char *const *argument_words(const char *line)
{
	static const char *const none[] = { NULL };
	const struct kucsend_repl_cmd *c;
	size_t len = strcspn(line, " \t");
	char *name = strndup(line, len);

	if (!name)
		return none;
	c = kucsend_repl_cmd(name);
	free(name);
	if (!c)
		return none;
	return c->json ? keys : c->values ? c->values : none;
}

static char **complete(const char *text, int start, int end)
{
	const char *line = rl_line_buffer;
	size_t lead = strspn(line, " \t");

	(void)end;
	/* Never fall back to file names. */
	rl_attempted_completion_over = 1;
	rl_completion_append_character = ' ';
	if (line[lead] == '{' || line[lead] == '[') {
		words = keys;
	} else if ((size_t)start <= lead) {
		candidate = command_at;
		words = NULL;
		return rl_completion_matches(text, generate);
	} else {
		words = argument_words(line + lead);
	}
	if (words == keys)
		rl_completion_append_character = ':';
	candidate = word_at;
	return rl_completion_matches(text, generate);
}

void kucsend_complete_init(void)
{
	rl_attempted_completion_function = complete;
	/* A key starts after a brace, a comma or a space. */
	rl_basic_word_break_characters = " \t{},:[";
	rl_completer_quote_characters = NULL;
}
