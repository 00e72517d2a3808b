/* SPDX-License-Identifier: MIT */
/* Declarations shared by kucctl's source files. */
#ifndef KUCCTL_H
#define KUCCTL_H

#include <popt.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tool_json.h"		/* common/: the print layer */
#include "tool_report.h"	/* common/: tool_msg(), exit statuses */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One subcommand. */
struct kucctl_cmd {
	const char *name;
	const char *args;	/* its arguments, for usage lines */
	const char *summary;	/* one line for 'kucctl --help' */
	const char *help;	/* description and options for 'CMD --help' */
	/* Runs with argv[0] == name; returns an exit status. */
	int (*run)(const struct kucctl_cmd *cmd, int argc, const char **argv);
};

extern const struct kucctl_cmd kucctl_cmd_create;
extern const struct kucctl_cmd kucctl_cmd_remove;
extern const struct kucctl_cmd kucctl_cmd_list;
extern const struct kucctl_cmd kucctl_cmd_show;
extern const struct kucctl_cmd kucctl_cmd_monitor;

/* main.c */
void kucctl_cmd_help(const struct kucctl_cmd *cmd);
/* -j/--json and -p/--pretty given before the command (-p implies -j). */
extern int kucctl_json, kucctl_pretty;

/*
 * opts.c: the -j/-p options of list and show, which add to the global
 * ones; KUCCTL_OUT_INIT sets up @o from both.
 */
#define KUCCTL_JSON_OPTIONS(json, pretty)				\
	{ "json", 'j', POPT_ARG_NONE, &(json), 0, NULL, NULL },		\
	{ "pretty", 'p', POPT_ARG_NONE, &(pretty), 0, NULL, NULL }
void kucctl_out_init(struct tool_out *o, int json, int pretty);

/* opts.c: the option handling common to all subcommands. */
#define KUCCTL_OPT_HELP 'h'
#define KUCCTL_HELP_OPTION \
	{ "help", 'h', POPT_ARG_NONE, NULL, KUCCTL_OPT_HELP, NULL, NULL }
#define KUCCTL_CONTINUE (-1)
int kucctl_parse_opts(const struct kucctl_cmd *cmd, poptContext ctx);
int kucctl_one_arg(const struct kucctl_cmd *cmd, poptContext ctx,
		   const char *what, const char **arg);
int kucctl_name_arg(const struct kucctl_cmd *cmd, poptContext ctx,
		    char *name, size_t size);
int kucctl_target_arg(const struct kucctl_cmd *cmd, poptContext ctx,
		      char *name, size_t size, bool *shm);
int kucctl_no_args(const struct kucctl_cmd *cmd, poptContext ctx);

/* report.c: kucctl's messages (through common/tool_report.h). */
__attribute__((format(printf, 2, 3)))
int kucctl_usage_error(const struct kucctl_cmd *cmd, const char *fmt, ...);
const char *kucctl_cause(int err, char *buf, size_t size);
int kucctl_fail(const char *op, const char *name, int err);
int kucctl_fail_shm(const char *op, const char *name, int err);
int kucctl_name_error(const char *op, const char *name, int err);

/* ids.c: modes, users and groups. */
int kucctl_parse_mode(const char *s, mode_t *mode);
int kucctl_parse_user(const char *s, uid_t *uid);
int kucctl_parse_group(const char *s, gid_t *gid);
const char *kucctl_user_name(uid_t uid, char *buf, size_t size);
const char *kucctl_group_name(gid_t gid, char *buf, size_t size);

#endif /* KUCCTL_H */
