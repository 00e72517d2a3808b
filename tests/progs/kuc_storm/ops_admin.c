// SPDX-License-Identifier: MIT
/*
 * kuc_storm: the admin's and the loader's operations: devices created and
 * removed through sysfs, attributes read and written, kucomms_echo.ko
 * (and with --module kucomms.ko) loaded and unloaded.
 */
#include "storm.h"

static const char *const attrs[] = {
	"ring_size", "max_connections", "connections", "endpoint", "msgs_in",
	"bytes_in", "msgs_out", "bytes_out", "ring_full", "kicks", "wakeups",
	"protocol_errors", "work_runs", "timer_runs", "dev", "uevent",
};

static long write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = sysret(write(fd, data, len));
	close(fd);
	return r;
}

long op_sysfs_read(void)
{
	const char *dev = devices[below(ARRAY_SIZE(devices))];
	char path[160], buf[256];
	long r = 0, n;
	size_t i;
	int fd;

	arg("%s", dev);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (chance(2))
			continue;
		snprintf(path, sizeof(path), CLASS_DIR "/%s/%s", dev, attrs[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			r = -errno;
		close(fd);
	}
	return r;
}

long op_create_remove(bool create)
{
	const char *dev = devices[below(ARRAY_SIZE(devices) - 1)];

	arg("%s", dev);
	return write_file(create ? CTL_DIR "/create_device" :
			  CTL_DIR "/remove_device", dev, strlen(dev));
}

long op_bad_name(void)
{
	char name[160];
	size_t len, i;

	len = below(sizeof(name));
	for (i = 0; i < len; i++)
		name[i] = (char)rnd();
	if (chance(2) && len > 8)
		memcpy(name, "kucomms_", 8);
	arg("len=%zu", len);
	return write_file(chance(2) ? CTL_DIR "/create_device" :
			  CTL_DIR "/remove_device", name, len);
}

long op_attr_write(void)
{
	static const char *const sizes[] = {
		"4096", "8192", "16384", "65536", "65536", "262144",
		"4194304", "0", "4095", "-1", "0x1000", "99999999999999999999",
		"",
	};
	const char *dev = devices[below(ARRAY_SIZE(devices))], *v;
	char path[160], num[32];

	if (chance(2)) {
		v = sizes[below(ARRAY_SIZE(sizes))];
		/* 4 MiB rings only when memory allows, and rarely. */
		if (!strcmp(v, "4194304") &&
		    (__atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED) || !chance(4)))
			v = "4096";
		if (__atomic_load_n(&sh->lowmem, __ATOMIC_RELAXED))
			v = "4096";
		snprintf(path, sizeof(path), CLASS_DIR "/%s/ring_size", dev);
	} else {
		snprintf(num, sizeof(num), "%lld",
			 chance(4) ? (long long)rnd() : (long long)below(70));
		v = num;
		snprintf(path, sizeof(path), CLASS_DIR "/%s/max_connections",
			 dev);
	}
	arg("%s %s", path + sizeof(CLASS_DIR), v);
	return write_file(path, v, strlen(v));
}

static long load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = sysret(syscall(SYS_finit_module, fd, params, 0));
	close(fd);
	return r;
}

/*
 * With each way of delivery: direct=1 lets the workers' KUCOMMS_IOC_RUN
 * run the handler in their own calls, while they corrupt their rings,
 * close, and the module goes away under them.
 */
long op_insmod(void)
{
	static const char *const params[] = {
		"", "direct=1", "zerocopy=1", "direct=1 zerocopy=1",
	};
	const char *p = params[below(ARRAY_SIZE(params))];

	if (!opt.echo_module)
		return -ENOENT;
	arg("kucomms_echo %s", p);
	return load_module(opt.echo_module, p);
}

long op_rmmod(void)
{
	arg("kucomms_echo");
	return sysret(syscall(SYS_delete_module, "kucomms_echo", O_NONBLOCK));
}

/*
 * kucomms.ko itself, out and in again: the workers let go of everything
 * first (up to 2 s), the admin goes on creating and removing meanwhile.
 * Sometimes with few max_devices.
 */
long op_reload_core(void)
{
	int64_t t0 = now_ms();
	char params[32];
	long r;
	int i;

	if (!opt.module)
		return -ENOENT;
	__atomic_store_n(&sh->quiet, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->quiet_workers, __ATOMIC_SEQ_CST) <
	       (int)nworkers && now_ms() - t0 < 2000 && !stopping())
		usleep(5000);
	syscall(SYS_delete_module, "kucomms_echo", O_NONBLOCK);
	/* Released connections may still be on their way out. */
	for (i = 0; i < 20; i++) {
		r = sysret(syscall(SYS_delete_module, "kucomms", O_NONBLOCK));
		if (r != -EWOULDBLOCK && r != -EBUSY)
			break;
		usleep(20000);
	}
	arg("quiet=%dms unload %s", (int)(now_ms() - t0), errname((int)-r));
	if (!r || r == -ENOENT) {
		snprintf(params, sizeof(params), "max_devices=%u",
			 chance(3) ? 1 + (unsigned int)below(4) : 64);
		arg(" load %s", params);
		r = load_module(opt.module, params);
		if (opt.echo_module)
			load_module(opt.echo_module, "");
	}
	__atomic_store_n(&sh->quiet, 0, __ATOMIC_SEQ_CST);
	return r;
}

