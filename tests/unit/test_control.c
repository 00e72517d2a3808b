// SPDX-License-Identifier: MIT
/*
 * Device control, listing and figures against fake sysfs and /dev trees,
 * through the KUC_SYSFS_ROOT and KUC_DEV_ROOT test hooks: no kernel needed.
 *
 * One file despite its length (under 600 lines): the fake trees
 * and the tests that build them belong to one program; a split would
 * only move the tree helpers into a header of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <kuc.h>

#include "tap.h"

#define CTL	KUCOMMS_SYSFS_CTL
#define CLASS	KUCOMMS_SYSFS_CLASS
#define MAXDEV	"/sys/module/kucomms/parameters/max_devices"
/* kuc_device_create()'s arguments that leave the node as made. */
#define KEEP	KUC_MODE_KEEP, (uid_t)-1, (gid_t)-1

static char root[64];

/* @root followed by the formatted path, in a static buffer. */
__attribute__((format(printf, 1, 2)))
static const char *at(const char *fmt, ...)
{
	static char buf[512];
	size_t len = strlen(root);
	va_list ap;

	memcpy(buf, root, len);
	va_start(ap, fmt);
	vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	return buf;
}

static void mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

/* Create @path (and its directories) holding @text. */
static void put(const char *path, const char *text)
{
	char dir[512], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(EXIT_FAILURE);
	}
}

/* The contents of @path, or "(missing)". */
static const char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh, empty fake root: no module loaded. */
static void reset(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdirs(root);
	mkdirs(at("/dev"));
}

/* A fake loaded module: control files, class directory, parameter. */
static void load(void)
{
	put(at(CTL "/create_device"), "");
	put(at(CTL "/remove_device"), "");
	put(at(CLASS "/kucomms/uevent"), "");	/* the control device */
	put(at(MAXDEV), "64\n");
}

static void add_dev(const char *name, const char *devt)
{
	put(at(CLASS "/%s/dev", name), devt);
}

static void test_not_loaded(void)
{
	struct kuc_device_info *list = (void *)1, info;
	size_t n = 1;
	int ret;

	reset();
	TAP_OK(!kuc_module_loaded(), "not loaded: kuc_module_loaded() false");
	ret = kuc_device_list(&list, &n);
	TAP_OK(ret == -ENODEV && !list && !n, "not loaded: list -ENODEV (%d)",
	       ret);
	ret = kuc_device_create("foo", KEEP);
	TAP_OK(ret == -ENODEV, "not loaded: create -ENODEV (%d)", ret);
	ret = kuc_device_remove("foo");
	TAP_OK(ret == -ENODEV, "not loaded: remove -ENODEV (%d)", ret);
	ret = kuc_device_info("foo", &info);
	TAP_OK(ret == -ENODEV, "not loaded: info -ENODEV (%d)", ret);
	ret = kuc_max_devices();
	TAP_OK(ret == -ENODEV, "not loaded: max_devices -ENODEV (%d)", ret);
	/* The name is checked first: its error does not need the module. */
	ret = kuc_device_create("Bad", KEEP);
	TAP_OK(ret == -EINVAL, "not loaded: bad name still -EINVAL (%d)",
	       ret);
}

static void test_create_remove(void)
{
	int ret;

	reset();
	load();
	TAP_OK(kuc_module_loaded(), "loaded: kuc_module_loaded() true");
	ret = kuc_device_create("foo", KEEP);
	TAP_OK(ret == 0 && !strcmp(get(at(CTL "/create_device")),
				   "kucomms_foo\n"),
	       "create writes the full name and a newline (%d)", ret);
	put(at(CTL "/create_device"), "");
	ret = kuc_device_create("/dev/kucomms_bar", KEEP);
	TAP_OK(ret == 0 && !strcmp(get(at(CTL "/create_device")),
				   "kucomms_bar\n"),
	       "create takes a /dev path (%d)", ret);
	ret = kuc_device_remove("kucomms_foo");
	TAP_OK(ret == 0 && !strcmp(get(at(CTL "/remove_device")),
				   "kucomms_foo\n"),
	       "remove writes to remove_device (%d)", ret);
	ret = kuc_device_create("a-b", KEEP);
	TAP_OK(ret == -EINVAL, "create refuses a bad name (%d)", ret);
	ret = kuc_device_remove("");
	TAP_OK(ret == -EINVAL, "remove refuses an empty name (%d)", ret);
	/* The module went away between the check and the open. */
	unlink(at(CTL "/remove_device"));
	ret = kuc_device_remove("foo");
	TAP_OK(ret == -ENODEV, "missing control file: -ENODEV (%d)", ret);
}

/* The node of @name, as "MODE UID GID", or why there is none. */
static const char *node_is(const char *name)
{
	static char buf[64];
	struct stat st;

	if (lstat(at("/dev/%s", name), &st))
		return "(missing)";
	snprintf(buf, sizeof(buf), "%o %u %u", (unsigned int)st.st_mode & 07777,
		 (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	return buf;
}

/*
 * kuc_device_create() with a mode, owner and group: the fake module
 * "creates" a device whose class entry and node the test made before.
 */
static void test_create_perms(void)
{
	const char *got;
	int ret;

	reset();
	load();
	ret = kuc_device_create("foo", 01660, (uid_t)-1, (gid_t)-1);
	TAP_OK(ret == -EINVAL && !strcmp(get(at(CTL "/create_device")), ""),
	       "mode beyond 0777: -EINVAL, nothing created (%d)", ret);
	ret = kuc_device_create("Bad", 0660, 0, 0);
	TAP_OK(ret == -EINVAL && !strcmp(get(at(CTL "/create_device")), ""),
	       "bad name with a mode: -EINVAL, nothing created (%d)", ret);

	add_dev("kucomms_a", "240:5\n");
	add_dev("kucomms_b", "240:6\n");
	add_dev("kucomms_c", "240:7\n");
	add_dev("kucomms_d", "240:8\n");
	if (mknod(at("/dev/kucomms_a"), S_IFCHR | 0600, makedev(240, 5)) ||
	    mknod(at("/dev/kucomms_b"), S_IFCHR | 0600, makedev(240, 6)) ||
	    mknod(at("/dev/kucomms_real"), S_IFCHR | 0600, makedev(240, 7)) ||
	    mknod(at("/dev/kucomms_d"), S_IFCHR | 0600, makedev(240, 99))) {
		TAP_OK(1, "# SKIP mknod needs root (%s)", strerror(errno));
		return;
	}
	if (symlink("kucomms_real", at("/dev/kucomms_c")))
		perror("symlink");	/* the check below then fails */

	ret = kuc_device_create("a", 0660, 65534, 65533);
	got = node_is("kucomms_a");
	TAP_OK(ret == 0 && !strcmp(got, "660 65534 65533") &&
	       !strcmp(get(at(CTL "/create_device")), "kucomms_a\n") &&
	       !strcmp(get(at(CTL "/remove_device")), ""),
	       "mode, owner and group applied to the node (%d, %s)", ret, got);
	ret = kuc_device_create("b", KUC_MODE_KEEP, (uid_t)-1, 65533);
	got = node_is("kucomms_b");
	TAP_OK(ret == 0 && !strcmp(got, "600 0 65533"),
	       "group alone: mode and owner kept (%d, %s)", ret, got);

	/* Not the node sysfs names: waited for 2 s, then undone. */
	ret = kuc_device_create("d", 0666, (uid_t)-1, (gid_t)-1);
	got = node_is("kucomms_d");
	TAP_OK(ret == -ETIMEDOUT && !strcmp(got, "600 0 0") &&
	       !strcmp(get(at(CTL "/remove_device")), "kucomms_d\n"),
	       "node of another device number: -ETIMEDOUT, removed again, untouched (%d, %s)",
	       ret, got);
	put(at(CTL "/remove_device"), "");
	ret = kuc_device_create("c", 0666, (uid_t)-1, (gid_t)-1);
	got = node_is("kucomms_real");
	TAP_OK(ret == -ETIMEDOUT && !strcmp(got, "600 0 0") &&
	       !strcmp(get(at(CTL "/remove_device")), "kucomms_c\n"),
	       "a symlink at the node is not followed: removed again (%d, %s)",
	       ret, got);
	put(at(CTL "/remove_device"), "");
	/* The device went away before its node could be set up. */
	ret = kuc_device_create("gone", 0666, (uid_t)-1, (gid_t)-1);
	TAP_OK(ret == -ENOENT &&
	       !strcmp(get(at(CTL "/remove_device")), "kucomms_gone\n"),
	       "no such device after creating: -ENOENT, removed again (%d)",
	       ret);
}

static void test_max_devices(void)
{
	int ret;

	reset();
	load();
	ret = kuc_max_devices();
	TAP_OK(ret == 64, "max_devices 64 (%d)", ret);
	put(at(MAXDEV), "1024");
	ret = kuc_max_devices();
	TAP_OK(ret == 1024, "max_devices without newline (%d)", ret);
	put(at(MAXDEV), "x\n");
	ret = kuc_max_devices();
	TAP_OK(ret == -EIO, "max_devices garbage: -EIO (%d)", ret);
	put(at(MAXDEV), "0\n");
	ret = kuc_max_devices();
	TAP_OK(ret == -EIO, "max_devices 0: -EIO (%d)", ret);
}

static void test_list_empty(void)
{
	struct kuc_device_info *list = (void *)1;
	size_t n = 1;
	int ret;

	reset();
	load();
	ret = kuc_device_list(&list, &n);
	TAP_OK(ret == 0 && !list && n == 0,
	       "no devices: 0, NULL, 0 (control device skipped) (%d, %zu)",
	       ret, n);
	kuc_device_list_free(list);
}

static void test_list(void)
{
	struct kuc_device_info *list;
	size_t n = 0;
	int ret;

	reset();
	load();
	add_dev("kucomms_zeta", "240:2\n");
	add_dev("kucomms_alpha", "240:0\n");
	add_dev("kucomms_mid", "241:17");		/* no newline */
	add_dev("kucomms_Bad", "240:3\n");		/* not a valid name */
	add_dev("other", "240:4\n");
	mkdirs(at(CLASS "/kucomms_gone"));	/* no "dev": being removed */

	ret = kuc_device_list(&list, &n);
	TAP_OK(ret == 0 && n == 3, "three devices listed (%d, %zu)", ret, n);
	if (ret || n != 3)
		return;
	TAP_OK(!strcmp(list[0].name, "kucomms_alpha") &&
	       !strcmp(list[1].name, "kucomms_mid") &&
	       !strcmp(list[2].name, "kucomms_zeta"), "sorted by name");
	TAP_OK(list[0].major == 240 && list[0].minor == 0 &&
	       list[1].major == 241 && list[1].minor == 17 &&
	       list[2].major == 240 && list[2].minor == 2,
	       "MAJOR:MINOR parsed");
	TAP_OK(list[0].kind == KUC_KIND_DEVICE &&
	       !strcmp(kuc_kind_name(list[0].kind), "device"),
	       "kind is device");
	TAP_OK(!strcmp(list[0].path, at("/dev/kucomms_alpha")),
	       "path under KUC_DEV_ROOT ('%s')", list[0].path);
	TAP_OK(!list[0].node_present && !list[0].mode && !list[0].uid,
	       "no node: node_present false, fields 0");
	kuc_device_list_free(list);
}

/* The entry of @list (@n long) of kind @kind named @name, or NULL. */
static const struct kuc_device_info *
find(const struct kuc_device_info *list, size_t n, const char *name,
     enum kuc_kind kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i].name, name) && list[i].kind == kind)
			return &list[i];
	return NULL;
}

/*
 * kuc_list(): fake devices and real segments (kuc_shm_list() reads
 * /dev/shm, which other tests may share: only our names are checked).
 */
static void test_list_all(void)
{
	char seg[64], other[64];
	const struct kuc_device_info *d, *sg;
	struct kuc_device_info *list = NULL;
	size_t n = 0, i;
	int ret;

	snprintf(seg, sizeof(seg), "kucomms_unit_list_%d", (int)getpid());
	snprintf(other, sizeof(other), "kucomms_unit_list_%d_b",
		 (int)getpid());
	reset();
	load();
	add_dev(seg, "240:9\n");
	kuc_shm_remove(seg);
	kuc_shm_remove(other);
	if (kuc_shm_create(seg, 0, 0640, (uid_t)-1, (gid_t)-1) ||
	    kuc_shm_create(other, 0, 0600, (uid_t)-1, (gid_t)-1)) {
		TAP_OK(0, "segments for the listing created");
		return;
	}
	ret = kuc_list(&list, &n, KUC_LIST_DEVICES | KUC_LIST_SHM);
	d = find(list, n, seg, KUC_KIND_DEVICE);
	sg = find(list, n, seg, KUC_KIND_SHM);
	TAP_OK(ret == 0 && d && sg && d + 1 == sg &&
	       find(list, n, other, KUC_KIND_SHM) == sg + 1,
	       "both kinds, by name, the device before the segment (%d, %zu)",
	       ret, n);
	TAP_OK(sg && d && d->major == 240 && d->minor == 9 && !sg->major &&
	       !sg->minor && sg->node_present && sg->mode == 0640 &&
	       !strncmp(sg->path, "/dev/shm/", 9),
	       "a segment: no device number, its file's mode and path");
	for (i = 1; i < n; i++)
		if (strcmp(list[i - 1].name, list[i].name) > 0)
			break;
	TAP_OK(n && i == n, "sorted by name");
	kuc_device_list_free(list);

	ret = kuc_list(&list, &n, KUC_LIST_SHM);
	TAP_OK(ret == 0 && !find(list, n, seg, KUC_KIND_DEVICE) &&
	       find(list, n, seg, KUC_KIND_SHM),
	       "KUC_LIST_SHM: the segments only (%d)", ret);
	kuc_device_list_free(list);
	ret = kuc_list(&list, &n, KUC_LIST_DEVICES);
	TAP_OK(ret == 0 && find(list, n, seg, KUC_KIND_DEVICE) &&
	       !find(list, n, seg, KUC_KIND_SHM),
	       "KUC_LIST_DEVICES: the devices only (%d)", ret);
	kuc_device_list_free(list);

	reset();	/* the module unloaded: no devices, no error */
	ret = kuc_list(&list, &n, KUC_LIST_DEVICES | KUC_LIST_SHM);
	TAP_OK(ret == 0 && !find(list, n, seg, KUC_KIND_DEVICE) &&
	       find(list, n, seg, KUC_KIND_SHM),
	       "without the module: the segments, 0 (%d)", ret);
	kuc_device_list_free(list);
	ret = kuc_list(&list, &n, 4);
	TAP_OK(ret == -EINVAL && !list && !n, "unknown kind: -EINVAL (%d)",
	       ret);
	ret = kuc_list(&list, &n, 0);
	TAP_OK(ret == -EINVAL, "nothing to list: -EINVAL (%d)", ret);
	kuc_shm_remove(seg);
	kuc_shm_remove(other);
}

/* @what describes @devt without its newlines, which would break TAP. */
static void test_bad_devt(const char *devt, const char *what)
{
	struct kuc_device_info *list;
	size_t n;
	int ret;

	reset();
	load();
	add_dev("kucomms_x", devt);
	ret = kuc_device_list(&list, &n);
	TAP_OK(ret == -EIO && !list && !n, "dev %s: -EIO (%d)", what, ret);
}

static void test_nodes(void)
{
	struct kuc_device_info info;
	int ret;

	reset();
	load();
	add_dev("kucomms_a", "240:5\n");
	add_dev("kucomms_b", "240:6\n");
	add_dev("kucomms_c", "240:7\n");
	if (mknod(at("/dev/kucomms_a"), S_IFCHR | 0600, makedev(240, 5)) ||
	    mknod(at("/dev/kucomms_b"), S_IFCHR | 0600, makedev(240, 99))) {
		TAP_OK(1, "# SKIP mknod needs root (%s)", strerror(errno));
		return;
	}
	if (chmod(at("/dev/kucomms_a"), 0660) ||
	    chown(at("/dev/kucomms_a"), 65534, 65533))
		perror("chmod/chown");	/* the checks below then fail */
	put(at("/dev/kucomms_c"), "not a device");

	ret = kuc_device_info("a", &info);
	TAP_OK(ret == 0 && info.node_present && info.mode == 0660 &&
	       info.uid == 65534 && info.gid == 65533,
	       "node: mode %o uid %u gid %u (%d)", (unsigned int)info.mode,
	       (unsigned int)info.uid, (unsigned int)info.gid, ret);
	ret = kuc_device_info("kucomms_b", &info);
	TAP_OK(ret == 0 && !info.node_present,
	       "node of another device number is not ours (%d)", ret);
	ret = kuc_device_info("/dev/kucomms_c", &info);
	TAP_OK(ret == 0 && !info.node_present,
	       "regular file is not the node (%d)", ret);
}

static void test_info(void)
{
	struct kuc_device_info info;
	char longroot[400];
	int ret;

	reset();
	load();
	add_dev("kucomms_foo", "240:1\n");
	ret = kuc_device_info("foo", &info);
	TAP_OK(ret == 0 && !strcmp(info.name, "kucomms_foo") &&
	       info.major == 240 && info.minor == 1, "info by short name (%d)",
	       ret);
	ret = kuc_device_info("nope", &info);
	TAP_OK(ret == -ENOENT, "info of a missing device: -ENOENT (%d)", ret);
	ret = kuc_device_info("No", &info);
	TAP_OK(ret == -EINVAL, "info of a bad name: -EINVAL (%d)", ret);

	/* A /dev root too long for the path field is an error, not a cut. */
	memset(longroot, 'd', sizeof(longroot) - 1);
	longroot[0] = '/';
	longroot[sizeof(longroot) - 1] = '\0';
	setenv("KUC_DEV_ROOT", longroot, 1);
	ret = kuc_device_info("foo", &info);
	TAP_OK(ret == -ENAMETOOLONG,
	       "overlong KUC_DEV_ROOT: -ENAMETOOLONG (%d)", ret);
	setenv("KUC_DEV_ROOT", at("/dev"), 1);
}

/* A device's figures: ring_size 4096, then 1, 2, 3... in the struct's order. */
static void put_stats(const char *name)
{
	static const char *const files[] = {
		"max_connections", "connections", "msgs_in", "bytes_in",
		"msgs_out", "bytes_out", "ring_full", "kicks", "wakeups",
		"protocol_errors", "work_runs", "timer_runs",
	};
	char num[16];
	size_t i;

	add_dev(name, "240:1\n");
	put(at(CLASS "/%s/ring_size", name), "4096\n");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(num, sizeof(num), "%zu\n", i + 1);
		put(at(CLASS "/%s/%s", name, files[i]), num);
	}
	put(at(CLASS "/%s/endpoint", name), "kucomms_echo\n");
	put(at(CLASS "/%s/poll_idle_us", name), "1000000\n");
	put(at(CLASS "/%s/connections_held", name), "3");	/* no newline */
}

static void test_stats(void)
{
	struct kuc_device_stats st;
	int ret;

	reset();
	load();
	put_stats("kucomms_foo");
	ret = kuc_device_stats("foo", &st);
	TAP_OK(ret == 0 && st.ring_size == 4096 && st.max_connections == 1 &&
	       st.connections == 2 && st.msgs_in == 3 && st.bytes_out == 6 &&
	       st.protocol_errors == 10 && st.timer_runs == 12 &&
	       !strcmp(st.endpoint, "kucomms_echo"),
	       "stats: each file's number, the endpoint's newline dropped (%d)", ret);
	TAP_OK(ret == 0 && st.poll_idle_us == 1000000 &&
	       st.connections_held == 3,
	       "stats: poll_idle_us and connections_held (%d, %llu, %llu)",
	       ret, (unsigned long long)st.poll_idle_us,
	       (unsigned long long)st.connections_held);

	/* A module older than the library: unknown, not an error. */
	unlink(at(CLASS "/kucomms_foo/poll_idle_us"));
	put(at(CLASS "/kucomms_foo/connections_held"), "x\n");
	ret = kuc_device_stats("foo", &st);
	TAP_OK(ret == 0 && st.poll_idle_us == KUC_STAT_UNKNOWN &&
	       st.connections_held == KUC_STAT_UNKNOWN && st.ring_size == 4096,
	       "stats: missing or garbled poll_idle_us, connections_held: KUC_STAT_UNKNOWN, 0 (%d)",
	       ret);
	/* The figures that always were there are still required. */
	unlink(at(CLASS "/kucomms_foo/kicks"));
	ret = kuc_device_stats("foo", &st);
	TAP_OK(ret == -ENOENT, "stats: missing kicks: -ENOENT (%d)", ret);
	put(at(CLASS "/kucomms_foo/kicks"), "-\n");
	ret = kuc_device_stats("foo", &st);
	TAP_OK(ret == -EIO, "stats: garbled kicks: -EIO (%d)", ret);
	ret = kuc_device_stats("nope", &st);
	TAP_OK(ret == -ENOENT, "stats of a missing device: -ENOENT (%d)", ret);
	reset();
	ret = kuc_device_stats("foo", &st);
	TAP_OK(ret == -ENODEV, "stats, module not loaded: -ENODEV (%d)", ret);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/kuc-unit-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	setenv("KUC_SYSFS_ROOT", root, 1);
	setenv("KUC_DEV_ROOT", at("/dev"), 1);

	test_not_loaded();
	test_create_remove();
	test_create_perms();
	test_max_devices();
	test_list_empty();
	test_list();
	test_list_all();
	test_bad_devt("abc\n", "not a number");
	test_bad_devt("240:\n", "no minor");
	test_bad_devt("240 0\n", "no colon");
	test_bad_devt("4294967296:0\n", "major over 32 bits");
	test_bad_devt("240:0\n\n", "two newlines");
	test_bad_devt("-1:0\n", "negative");
	test_bad_devt("", "empty");
	test_nodes();
	test_info();
	test_stats();

	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
