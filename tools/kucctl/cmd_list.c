// SPDX-License-Identifier: MIT
/*
 * kucctl list: the devices and the shared-memory segments as a table for
 * people or as JSON for programs (the JSON schema is documented in
 * kucctl(8)). kuc_list() gives both kinds as struct kuc_device_info; a
 * segment has no device number (major/minor).
 */
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
	if (d->kind == KUC_KIND_DEVICE)
		snprintf(r->devt, sizeof(r->devt), "%u:%u", d->major,
			 d->minor);
	else
		strcpy(r->devt, "-");
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
		tool_msg("list: out of memory");
		return TOOL_EXIT_FAILURE;
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
	return TOOL_EXIT_OK;
}

/* One device as a JSON object; the node's fields are null without it. */
static void list_json_device(struct tool_json *j,
			     const struct kuc_device_info *d)
{
	bool node = d->node_present, dev = d->kind == KUC_KIND_DEVICE;
	struct list_row r;

	list_fill_row(d, &r);
	tj_open_object(j, NULL);
	tj_string(j, "name", d->name);
	tj_string(j, "kind", r.kind);
	tj_string(j, "path", d->path);
	tj_u64_or_null(j, "major", dev, d->major);
	tj_u64_or_null(j, "minor", dev, d->minor);
	tj_string(j, "mode", node ? r.mode : NULL);
	tj_string(j, "owner", node ? r.owner : NULL);
	tj_string(j, "group", node ? r.group : NULL);
	tj_u64_or_null(j, "uid", node, d->uid);
	tj_u64_or_null(j, "gid", node, d->gid);
	tj_close_object(j);
}

/* Write errors surface when main() flushes stdout. */
static int list_json(struct tool_out *o, const struct kuc_device_info *devs,
		     size_t n)
{
	size_t i;

	tool_out_open(o, NULL);
	tj_open_array(&o->j, "devices");
	for (i = 0; i < n; i++)
		list_json_device(&o->j, &devs[i]);
	tj_close_array(&o->j);
	tool_out_close(o);
	return TOOL_EXIT_OK;
}

static int list_run(const struct kucctl_cmd *cmd, int argc, const char **argv)
{
	int json = 0, pretty = 0, shm_only = 0;
	struct poptOption opts[] = {
		KUCCTL_JSON_OPTIONS(json, pretty),
		{ "shm", '\0', POPT_ARG_NONE, &shm_only, 0, NULL, NULL },
		KUCCTL_HELP_OPTION,
		POPT_TABLEEND
	};
	struct kuc_device_info *devs = NULL;
	struct tool_out o;
	poptContext ctx;
	size_t n = 0;
	bool no_module;
	int ret, err;

	ctx = poptGetContext(cmd->name, argc, argv, opts, 0);
	ret = kucctl_parse_opts(cmd, ctx);
	if (ret == KUCCTL_CONTINUE)
		ret = kucctl_no_args(cmd, ctx);
	if (ret != KUCCTL_CONTINUE)
		goto out;
	/*
	 * Without the module no device can exist: the list of what exists
	 * is complete and the status is 0, so that "kucctl list --json | jq"
	 * under pipefail works on a host with segments only. A note on
	 * stderr tells a person why no device shows.
	 */
	err = kuc_list(&devs, &n, shm_only ? KUC_LIST_SHM :
			KUC_LIST_DEVICES | KUC_LIST_SHM);
	if (err) {
		ret = kucctl_fail(cmd->name, NULL, err);
		goto out;
	}
	no_module = !shm_only && !kuc_module_loaded();
	kucctl_out_init(&o, json, pretty);
	ret = o.json ? list_json(&o, devs, n) : list_text(devs, n);
	if (no_module)
		tool_note("kucomms module not loaded: no devices (try 'modprobe kucomms')");
out:
	kuc_device_list_free(devs);
	poptFreeContext(ctx);
	return ret;
}

const struct kucctl_cmd kucctl_cmd_list = {
	.name = "list",
	.args = "[-j] [-p] [--shm]",
	.summary = "list the devices and shared-memory segments",
	.help =
"List the devices and the shared-memory segments (/dev/shm/kucomms_*),\n"
"sorted by name, with their kind (device or shm): a table with a header\n"
"line (only the header when there are none), or with --json a JSON\n"
"document, whose format kucctl(8) describes. A device whose node is\n"
"missing shows - (or null) for mode, owner and group; a segment has no\n"
"MAJ:MIN (null in JSON). Without the kucomms module there are no\n"
"devices: the segments are listed, a note on stderr says so, exit 0.\n"
"\n"
"Options:\n"
"  -j, --json    print JSON instead of a table\n"
"  -p, --pretty  JSON, indented over several lines (implies -j)\n"
"      --shm     list the segments only (needs no module)\n"
"  -h, --help    show this help\n",
	.run = list_run,
};
