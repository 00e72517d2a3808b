// SPDX-License-Identifier: MIT
/*
 * kucctl list: the devices as a table for people or as JSON for programs
 * (the JSON schema is documented in kucctl(8); keep the two in step).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kuc.h>

#include "kucctl.h"

/* One table row, as text. */
struct list_row {
	const char *name;
	char devt[24];
	char mode[8];
	char owner[256];
	char group[256];
	const char *kind;
};

static void list_fill_row(const struct kuc_device_info *d,
			  struct list_row *r)
{
	r->name = d->name;
	snprintf(r->devt, sizeof(r->devt), "%u:%u", d->major, d->minor);
	r->kind = kuc_kind_name(d->kind);
	if (!d->node_present) {
		/* The device exists but its node does not (yet). */
		strcpy(r->mode, "-");
		strcpy(r->owner, "-");
		strcpy(r->group, "-");
		return;
	}
	snprintf(r->mode, sizeof(r->mode), "%04o", (unsigned int)d->mode);
	kucctl_user_name(d->uid, r->owner, sizeof(r->owner));
	kucctl_group_name(d->gid, r->group, sizeof(r->group));
}

static int list_width(int w, const char *s)
{
	int len = (int)strlen(s);

	return len > w ? len : w;
}

/* A header line always, then one line per device. */
static int list_text(const struct kuc_device_info *devs, size_t n)
{
	int wname = 4, wdevt = 7, wmode = 4, wowner = 5, wgroup = 5;
	struct list_row *rows;
	size_t i;

	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		kucctl_msg("list: out of memory");
		return KUCCTL_EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		list_fill_row(&devs[i], &rows[i]);
		wname = list_width(wname, rows[i].name);
		wdevt = list_width(wdevt, rows[i].devt);
		wmode = list_width(wmode, rows[i].mode);
		wowner = list_width(wowner, rows[i].owner);
		wgroup = list_width(wgroup, rows[i].group);
	}
	printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wname, "NAME",
	       wdevt, "MAJ:MIN", wmode, "MODE", wowner, "OWNER",
	       wgroup, "GROUP", "KIND");
	for (i = 0; i < n; i++)
		printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n",
		       wname, rows[i].name, wdevt, rows[i].devt,
		       wmode, rows[i].mode, wowner, rows[i].owner,
		       wgroup, rows[i].group, rows[i].kind);
	free(rows);
	return KUCCTL_EXIT_OK;
}

/* One device as a JSON object; the node's fields are null without it. */
static json_t *list_json_device(const struct kuc_device_info *d)
{
	struct list_row r;
	bool node = d->node_present;

	list_fill_row(d, &r);
	return json_pack("{s:s, s:s, s:s, s:I, s:I,"
			 " s:s?, s:s?, s:s?, s:o?, s:o?}",
			 "name", d->name,
			 "kind", r.kind,
			 "path", d->path,
			 "major", (json_int_t)d->major,
			 "minor", (json_int_t)d->minor,
			 "mode", node ? r.mode : NULL,
			 "owner", node ? r.owner : NULL,
			 "group", node ? r.group : NULL,
			 "uid", node ? json_integer(d->uid) : NULL,
			 "gid", node ? json_integer(d->gid) : NULL);
}

static int list_json(const struct kuc_device_info *devs, size_t n)
{
	json_t *root, *arr, *dev;
	size_t i;
	int ret = KUCCTL_EXIT_FAILURE;

	arr = json_array();
	root = json_pack("{s:o}", "devices", arr);
	if (!root)
		goto nomem;
	for (i = 0; i < n; i++) {
		dev = list_json_device(&devs[i]);
		if (!dev || json_array_append_new(arr, dev))
			goto nomem;
	}
	/* Write errors surface when main() flushes stdout. */
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	ret = KUCCTL_EXIT_OK;
	goto out;
nomem:
	kucctl_msg("list: out of memory");
out:
	json_decref(root);
	return ret;
}

static int list_run(const struct kucctl_cmd *cmd, int argc, const char **argv)
{
	int json = 0;
	struct poptOption opts[] = {
		{ "json", '\0', POPT_ARG_NONE, &json, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	struct kuc_device_info *devs;
	poptContext ctx;
	size_t n;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_no_args(cmd, ctx);
	if (ret != KUCCTL_CONTINUE)
		goto out;
	err = kuc_device_list(&devs, &n);
	if (err) {
		ret = kucctl_fail(cmd->name, NULL, err);
		goto out;
	}
	ret = json ? list_json(devs, n) : list_text(devs, n);
	kuc_device_list_free(devs);
out:
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_list = {
	.name = "list",
	.args = "[--json]",
	.summary = "list the devices",
	.help =
"List the devices, sorted by name: a table with a header line (only the\n"
"header when there are none), or with --json a JSON document, whose\n"
"format kucctl(8) describes. A device whose node is missing shows - (or\n"
"null) for mode, owner and group.\n"
"\n"
"Options:\n"
"  --json      print JSON instead of a table\n"
"  -h, --help  show this help\n",
	.run = list_run,
};
