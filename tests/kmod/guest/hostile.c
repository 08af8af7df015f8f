// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile and malformed calls to /dev/mars-control. Every call must fail with
 * the errno docs/kmod.md promises (or succeed where the interface allows it,
 * e.g. a longer struct whose extra bytes are zero), and never hurt the
 * kernel: tests/kmod/run boots with panic_on_warn and checks dmesg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "marstest.h"

#define MIB (1ULL << 20)
#define IOC_RW (_IOC_READ | _IOC_WRITE)

static int ctl;
static int scratch_fd;	/* O_RDWR, 1 MiB */

static const char *errname(long err)
{
	switch (-err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case E2BIG: return "E2BIG";
	case ENXIO: return "ENXIO";
	default: return err >= 0 ? "success" : "other";
	}
}

static void expect(long ret, long want, const char *what)
{
	mt_check(ret == want, "%s: got %ld (%s), want %ld (%s)", what, ret, errname(ret), want,
		 errname(want));
}

static struct mars_ctl_add_device add_template(const char *name)
{
	struct mars_ctl_add_device a;

	memset(&a, 0, sizeof(a));
	a.version = MARS_CTL_VERSION;
	a.size = sizeof(a);
	a.backing_fd = scratch_fd;
	a.device_bytes = MIB;
	memcpy(a.name, name, strnlen(name, sizeof(a.name)));
	return a;
}

/* ADD_DEVICE that must fail with `want`; removes the device if it did not. */
static void add_fails(struct mars_ctl_add_device *a, long want, const char *what)
{
	long ret = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, a);

	expect(ret, want, what);
	if (ret >= 0)
		mt_remove(ctl, (uint32_t)ret);
}

/* ADD_DEVICE that must succeed; removes the device again. */
static void add_works(unsigned long cmd, void *a, const char *what)
{
	long ret = mt_ioctl(ctl, cmd, a);

	if (mt_check(ret >= 0, "%s: got %ld (%s), want an index", what, ret, errname(ret)))
		expect(mt_remove(ctl, (uint32_t)ret), 0, what);
}

static void test_info_and_commands(void)
{
	struct mars_ctl_info info = { .version = MARS_CTL_VERSION, .size = sizeof(info) };
	uint64_t u64;

	expect(mt_ioctl(ctl, MARS_CTL_GET_INFO, &info), 0, "GET_INFO");
	mt_check(info.max_version == MARS_CTL_VERSION && info.max_devices == MARS_CTL_MAX_DEVICES &&
		 info.max_device_bytes == MARS_CTL_MAX_DEVICE_BYTES && info.nr_devices == 0,
		 "GET_INFO: version %u, %u devices max, %llu bytes max, %u devices",
		 info.max_version, info.max_devices, (unsigned long long)info.max_device_bytes,
		 info.nr_devices);
	info.reserved = 1;
	expect(mt_ioctl(ctl, MARS_CTL_GET_INFO, &info), -EINVAL, "GET_INFO reserved != 0");

	expect(mt_ioctl(ctl, _IOWR(MARS_CTL_IOC_MAGIC, 0x7f, struct mars_ctl_info), &info),
	       -ENOTTY, "unknown command number");
	expect(mt_ioctl(ctl, _IOWR(MARS_CTL_IOC_MAGIC, 0x06, struct mars_ctl_info), &info),
	       -ENOTTY, "next unused command number");
	expect(mt_ioctl(ctl, _IOR(MARS_CTL_IOC_MAGIC, 0x01, struct mars_ctl_add_device), &info),
	       -ENOTTY, "ADD_DEVICE number with the wrong direction");
	expect(mt_ioctl(ctl, _IO(MARS_CTL_IOC_MAGIC, 0x03), NULL), -ENOTTY,
	       "QUERY number without direction");
	expect(mt_ioctl(ctl, BLKGETSIZE64, &u64), -ENOTTY, "block ioctl on the control device");
	expect(mt_ioctl(ctl, 0, NULL), -ENOTTY, "command 0");
	expect(mt_ioctl(ctl, 0xffffffffUL, NULL), -ENOTTY, "command 0xffffffff");
}

static void test_pointers(void)
{
	static const unsigned long cmds[] = {
		MARS_CTL_GET_INFO, MARS_CTL_ADD_DEVICE, MARS_CTL_REMOVE_DEVICE, MARS_CTL_QUERY,
		MARS_CTL_ROTATE_LOG, MARS_CTL_SET_EMERGENCY,
	};
	static void *const bad[] = {
		NULL, (void *)1, (void *)4095, (void *)0xffffffff81000000UL,
		(void *)-4096L, (void *)0x00007ffffffff000UL,
	};
	long page = sysconf(_SC_PAGESIZE);
	char what[96];
	unsigned int i, j;
	uint8_t *map;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			snprintf(what, sizeof(what), "command 0x%08lx with pointer %p", cmds[i],
				 bad[j]);
			expect(mt_ioctl(ctl, cmds[i], bad[j]), -EFAULT, what);
		}
	}

	/* a struct whose header is readable but whose body runs off the mapping */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		mt_die("mmap: %s", strerror(errno));
	munmap(map + page, page);
	{
		struct mars_ctl_add_device a = add_template("edge");
		uint8_t *p = map + page - 16;

		memcpy(p, &a, 16);
		expect(mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, p), -EFAULT,
		       "ADD_DEVICE struct running off the end of the mapping");
	}
	/*
	 * Read-only memory: the result cannot be written back. QUERY fails;
	 * ADD_DEVICE has created the device and still returns its index.
	 */
	{
		struct mars_ctl_add_device a = add_template("readonly");
		struct mars_ctl_query q;
		long idx;

		memcpy(map, &a, sizeof(a));
		mprotect(map, page, PROT_READ);
		idx = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, map);
		if (mt_check(idx >= 0, "ADD_DEVICE from read-only memory: %ld (%s), want an index",
			     idx, errname(idx))) {
			mt_query(ctl, (uint32_t)idx, &q);
			mprotect(map, page, PROT_READ | PROT_WRITE);
			memcpy(map, &q, sizeof(q));
			mprotect(map, page, PROT_READ);
			expect(mt_ioctl(ctl, MARS_CTL_QUERY, map), -EFAULT,
			       "QUERY into read-only memory");
			expect(mt_remove(ctl, (uint32_t)idx), 0, "REMOVE read-only test device");
		}
	}
	munmap(map, page);
}

static void test_version_and_size(void)
{
	struct mars_ctl_add_device a;
	uint8_t big[MARS_CTL_MAX_STRUCT_SIZE + 64] __attribute__((aligned(8)));
	static const uint32_t versions[] = { 0, 2, 3, 0x100, 0xffffffffU };
	static const uint32_t small[] = { 0, 1, 8, 16, MARS_CTL_ADD_DEVICE_SIZE_V1 - 8,
					  MARS_CTL_ADD_DEVICE_SIZE_V1 - 1 };
	char what[96];
	unsigned int i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		a = add_template("version");
		a.version = versions[i];
		snprintf(what, sizeof(what), "ADD_DEVICE version %u", versions[i]);
		add_fails(&a, -EINVAL, what);
	}
	/* struct size below the first published one, command size agreeing */
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		a = add_template("small");
		a.size = small[i];
		snprintf(what, sizeof(what), "ADD_DEVICE struct size %u", small[i]);
		expect(mt_ioctl(ctl, _IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, small[i]), &a), -EINVAL,
		       what);
	}
	/* struct size and command size disagree */
	a = add_template("mismatch");
	a.size = sizeof(a) + 8;
	add_fails(&a, -EINVAL, "ADD_DEVICE size field larger than the command's size");
	a = add_template("mismatch");
	expect(mt_ioctl(ctl, _IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, sizeof(a) - 8), &a), -EINVAL,
	       "ADD_DEVICE command size smaller than the size field");

	/* a later, longer struct: fine while the unknown bytes are zero */
	/* callers built against the v1 header: the v2 fields read as zero */
	a = add_template("v1");
	a.size = MARS_CTL_ADD_DEVICE_SIZE_V1;
	add_works(_IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, MARS_CTL_ADD_DEVICE_SIZE_V1), &a,
		  "ADD_DEVICE with the v1 struct size");
	a.flags = MARS_CTL_ADD_F_LOG;
	expect(mt_ioctl(ctl, _IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, MARS_CTL_ADD_DEVICE_SIZE_V1), &a),
	       -EINVAL, "ADD_DEVICE v1 struct with the LOG flag (no log fields)");

	memset(big, 0, sizeof(big));
	a = add_template("longer");
	a.size = sizeof(a) + 8;
	memcpy(big, &a, sizeof(a));
	add_works(_IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, sizeof(a) + 8), big,
		  "ADD_DEVICE with a longer struct, zero tail");
	big[sizeof(a) + 3] = 1;
	expect(mt_ioctl(ctl, _IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, sizeof(a) + 8), big), -E2BIG,
	       "ADD_DEVICE with a longer struct, non-zero tail");
	memset(big, 0, sizeof(big));
	a.size = MARS_CTL_MAX_STRUCT_SIZE;
	memcpy(big, &a, sizeof(a));
	add_works(_IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, MARS_CTL_MAX_STRUCT_SIZE), big,
		  "ADD_DEVICE with the largest struct size");
	a.size = MARS_CTL_MAX_STRUCT_SIZE + 8;
	memcpy(big, &a, sizeof(a));
	expect(mt_ioctl(ctl, _IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 1, MARS_CTL_MAX_STRUCT_SIZE + 8),
			big), -EINVAL, "ADD_DEVICE struct size above the maximum");
}

static void test_fields(void)
{
	static const char *const bad_names[] = {
		"", "R0", "0r", "-r", "_r", "r 0", "r/0", "r.0", "r\n", "\xc3\xa9t\xc3\xa9",
		"r\x7f", "all\x01",
	};
	static const uint64_t bad_sizes[] = {
		0, 1, 511, 513, 1000, MIB - 1, MIB + 512, 2 * MIB, 1ULL << 62,
		MARS_CTL_MAX_DEVICE_BYTES + 512, UINT64_MAX, UINT64_MAX - 511,
	};
	static const uint32_t bad_flags[] = { 1U << 2, 1U << 7, 1U << 31, 0xffffffffU };
	struct mars_ctl_add_device a;
	char what[128];
	unsigned int i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		a = add_template(bad_names[i]);
		snprintf(what, sizeof(what), "ADD_DEVICE name #%u", i);
		add_fails(&a, -EINVAL, what);
	}
	a = add_template("");
	memset(a.name, 'a', sizeof(a.name));
	add_fails(&a, -EINVAL, "ADD_DEVICE name without NUL");
	a = add_template("r0");
	a.name[5] = 'x';
	add_fails(&a, -EINVAL, "ADD_DEVICE name with garbage after the NUL");
	a = add_template("");
	memset(a.name, 'a', sizeof(a.name) - 1);
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE name of 63 characters");
	a = add_template("r0-x_9");
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE name with '-' and '_'");

	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		a = add_template("size");
		a.device_bytes = bad_sizes[i];
		snprintf(what, sizeof(what), "ADD_DEVICE of %llu bytes on 1 MiB",
			 (unsigned long long)bad_sizes[i]);
		add_fails(&a, -EINVAL, what);
	}
	a = add_template("size");
	a.device_bytes = 512;
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE of 512 bytes");

	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		a = add_template("flags");
		a.flags = bad_flags[i];
		snprintf(what, sizeof(what), "ADD_DEVICE flags 0x%x", bad_flags[i]);
		add_fails(&a, -EINVAL, what);
	}
	a = add_template("flags");
	a.flags = MARS_CTL_ADD_F_BUFFERED;
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE flags BUFFERED");
	a = add_template("reserved");
	a.reserved = 1;
	add_fails(&a, -EINVAL, "ADD_DEVICE reserved != 0");
	/* output fields are ignored on input */
	a = add_template("outputs");
	a.index = 77;
	a.dev_flags = 0xffffffff;
	a.logical_block_size = 3;
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE with garbage in output fields");
}

static void test_fds(const char *scratch)
{
	struct {
		int fd;
		long want;
		const char *what;
	} c[16];
	struct mars_ctl_add_device a;
	int pipefd[2], n = 0, closed, i;

	/* a number that was a good fd a moment ago, before others reuse it */
	closed = open(scratch, O_RDWR);
	close(closed);
	a = add_template("fd");
	a.backing_fd = closed;
	add_fails(&a, -EBADF, "backing fd just closed");

	if (pipe(pipefd))
		mt_die("pipe: %s", strerror(errno));

	c[n++] = (typeof(c[0])){ -1, -EBADF, "backing fd -1" };
	c[n++] = (typeof(c[0])){ INT_MIN, -EBADF, "backing fd INT_MIN" };
	c[n++] = (typeof(c[0])){ 9999, -EBADF, "backing fd 9999 (not open)" };
	c[n++] = (typeof(c[0])){ INT_MAX, -EBADF, "backing fd INT_MAX" };
	c[n++] = (typeof(c[0])){ pipefd[0], -EINVAL, "backing fd: pipe, read end" };
	c[n++] = (typeof(c[0])){ pipefd[1], -EINVAL, "backing fd: pipe, write end" };
	c[n++] = (typeof(c[0])){ open("/", O_RDONLY | O_DIRECTORY), -EINVAL,
				 "backing fd: directory" };
	c[n++] = (typeof(c[0])){ open("/dev/null", O_RDWR), -EINVAL,
				 "backing fd: character device" };
	c[n++] = (typeof(c[0])){ socket(AF_UNIX, SOCK_STREAM, 0), -EINVAL, "backing fd: socket" };
	c[n++] = (typeof(c[0])){ ctl, -EINVAL, "backing fd: the control device" };
	c[n++] = (typeof(c[0])){ open(scratch, O_RDONLY), -EBADF, "backing fd: read-only" };
	c[n++] = (typeof(c[0])){ open(scratch, O_WRONLY), -EBADF, "backing fd: write-only" };
	c[n++] = (typeof(c[0])){ open(scratch, O_RDWR | O_APPEND), -EINVAL,
				 "backing fd: O_APPEND" };
	c[n++] = (typeof(c[0])){ open(scratch, O_PATH), -EBADF, "backing fd: O_PATH" };

	for (i = 0; i < n; i++) {
		a = add_template("fd");
		a.backing_fd = c[i].fd;
		add_fails(&a, c[i].want, c[i].what);
	}
	for (i = 4; i < n; i++)
		if (c[i].fd != ctl && c[i].fd >= 0)
			close(c[i].fd);
}

static void test_devices(void)
{
	struct mars_ctl_add_device a = add_template("dup");
	struct mars_ctl_remove_device r;
	struct mars_ctl_query q;
	char path[32];
	long idx, idx2;
	int fd;

	/* duplicate names */
	idx = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a);
	if (!mt_check(idx >= 0, "ADD_DEVICE dup: %ld (%s)", idx, errname(idx)))
		return;
	a = add_template("dup");
	add_fails(&a, -EEXIST, "ADD_DEVICE with an existing name");

	/* a mars device cannot back another one; open devices stay */
	snprintf(path, sizeof(path), "/dev/mars%ld", idx);
	fd = open(path, O_RDWR);
	if (mt_check(fd >= 0, "open %s: %s", path, strerror(errno))) {
		a = add_template("nested");
		a.backing_fd = fd;
		add_fails(&a, -EINVAL, "ADD_DEVICE backed by a mars device");
		expect(mt_remove(ctl, (uint32_t)idx), -EBUSY, "REMOVE of an open device");
		expect(mt_query(ctl, (uint32_t)idx, &q), 0, "QUERY of an open device");
		mt_check(q.open_count == 1, "QUERY open_count %u, want 1", q.open_count);
		/* a second device on the same backing file is allowed */
		a = add_template("second");
		idx2 = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a);
		mt_check(idx2 >= 0 && idx2 != idx, "second device on one backing file: %ld", idx2);
		if (idx2 >= 0)
			expect(mt_remove(ctl, (uint32_t)idx2), 0, "REMOVE second device");
		close(fd);
	}
	expect(mt_remove(ctl, (uint32_t)idx), 0, "REMOVE after close");
	expect(mt_remove(ctl, (uint32_t)idx), -ENOENT, "REMOVE twice");

	expect(mt_remove(ctl, 5), -ENOENT, "REMOVE of index 5 (never created)");
	expect(mt_remove(ctl, MARS_CTL_MAX_DEVICES - 1), -ENOENT, "REMOVE of the last index");
	expect(mt_remove(ctl, MARS_CTL_MAX_DEVICES), -ENOENT, "REMOVE of index MAX_DEVICES");
	expect(mt_remove(ctl, 0xffffffffU), -ENOENT, "REMOVE of index 0xffffffff");
	r = (struct mars_ctl_remove_device){ .version = MARS_CTL_VERSION, .size = sizeof(r),
					     .index = 0, .flags = 1 };
	expect(mt_ioctl(ctl, MARS_CTL_REMOVE_DEVICE, &r), -EINVAL, "REMOVE flags != 0");
	r.flags = 0;
	r.version = 7;
	expect(mt_ioctl(ctl, MARS_CTL_REMOVE_DEVICE, &r), -EINVAL, "REMOVE version 7");

	expect(mt_query(ctl, 3, &q), -ENOENT, "QUERY of a missing device");
	expect(mt_query(ctl, 0x80000000U, &q), -ENOENT, "QUERY of index 0x80000000");
	mt_query(ctl, 0, &q);
	q.flags = 2;
	expect(mt_ioctl(ctl, MARS_CTL_QUERY, &q), -EINVAL, "QUERY flags != 0");
}

/* ADD_DEVICE with a valid log on `log_fd`, to be varied by the caller. */
static struct mars_ctl_add_device log_template(const char *name, int log_fd)
{
	struct mars_ctl_add_device a = add_template(name);

	a.flags = MARS_CTL_ADD_F_LOG;
	a.log_fd = log_fd;
	a.log_next_seq = 1;
	return a;
}

/* The v2 fields of ADD_DEVICE (MARS_CTL_ADD_F_LOG). */
static void test_log_fields(const char *logfile)
{
	static const uint64_t bad_limits[] = {
		1, MARS_CTL_DIRTY_LIMIT_MIN - 1, MARS_CTL_DIRTY_LIMIT_MAX + 1, UINT64_MAX,
	};
	static const uint64_t good_limits[] = {
		0, MARS_CTL_DIRTY_LIMIT_MIN, MARS_CTL_DIRTY_LIMIT_MAX,
	};
	struct {
		int fd;
		long want;
		const char *what;
	} c[12];
	struct mars_ctl_add_device a;
	int log_fd, pipefd[2], closed, n = 0, i;

	char what[128];

	/* a logfile of 4 KiB: offsets up to its size are fine */
	log_fd = open(logfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log_fd < 0 || ftruncate(log_fd, 4096))
		mt_die("logfile %s: %s", logfile, strerror(errno));
	a = log_template("log", log_fd);
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE with a log");
	a.log_offset = 4096;
	a.log_next_seq = UINT64_MAX / 2;
	a.log_min_stamp_ns = UINT64_MAX / 2;
	add_works(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE with a log from its end, large seq and stamp");

	/* a number that was a good fd a moment ago, before others reuse it */
	closed = open(logfile, O_RDWR);
	close(closed);
	a = log_template("log", closed);
	add_fails(&a, -EBADF, "log fd just closed");

	if (pipe(pipefd))
		mt_die("pipe: %s", strerror(errno));
	c[n++] = (typeof(c[0])){ -1, -EBADF, "log fd -1" };
	c[n++] = (typeof(c[0])){ pipefd[1], -EINVAL, "log fd: pipe" };
	c[n++] = (typeof(c[0])){ open("/", O_RDONLY | O_DIRECTORY), -EINVAL, "log fd: directory" };
	c[n++] = (typeof(c[0])){ open("/dev/null", O_RDWR), -EINVAL, "log fd: /dev/null" };
	c[n++] = (typeof(c[0])){ socket(AF_UNIX, SOCK_STREAM, 0), -EINVAL, "log fd: socket" };
	c[n++] = (typeof(c[0])){ open(logfile, O_RDONLY), -EBADF, "log fd: read-only" };
	c[n++] = (typeof(c[0])){ open(logfile, O_PATH), -EBADF, "log fd: O_PATH" };
	c[n++] = (typeof(c[0])){ ctl, -EINVAL, "log fd: the control device" };
	for (i = 0; i < n; i++) {
		a = log_template("log", c[i].fd);
		add_fails(&a, c[i].want, c[i].what);
	}
	for (i = 1; i < n; i++)
		if (c[i].fd != ctl && c[i].fd >= 0)
			close(c[i].fd);
	close(pipefd[0]);

	a = log_template("log", log_fd);
	a.log_offset = 12;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_offset not a multiple of 8");
	a.log_offset = 8192;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_offset beyond the logfile");
	a.log_offset = UINT64_MAX - 7;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_offset near 2^64");
	a = log_template("log", log_fd);
	a.log_next_seq = 0;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_next_seq 0");
	a = log_template("log", log_fd);
	a.log_flags = 1;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_flags 1");
	a.log_flags = 0x80000000U;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_flags 0x80000000");
	for (i = 0; i < (int)(sizeof(bad_limits) / sizeof(bad_limits[0])); i++) {
		a = log_template("log", log_fd);
		a.dirty_limit_bytes = bad_limits[i];
		snprintf(what, sizeof(what), "ADD_DEVICE dirty_limit_bytes %llu",
			 (unsigned long long)bad_limits[i]);
		add_fails(&a, -EINVAL, what);
	}
	for (i = 0; i < (int)(sizeof(good_limits) / sizeof(good_limits[0])); i++) {
		a = log_template("log", log_fd);
		a.dirty_limit_bytes = good_limits[i];
		snprintf(what, sizeof(what), "ADD_DEVICE dirty_limit_bytes %llu",
			 (unsigned long long)good_limits[i]);
		add_works(MARS_CTL_ADD_DEVICE, &a, what);
	}

	/* without the flag, every log field must be zero */
	a = log_template("nolog", log_fd);
	a.flags = 0;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_fd and log_next_seq without the LOG flag");
	a = add_template("nolog");
	a.log_offset = 8;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_offset without the LOG flag");
	a = add_template("nolog");
	a.log_next_seq = 1;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_next_seq without the LOG flag");
	a = add_template("nolog");
	a.log_min_stamp_ns = 1;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_min_stamp_ns without the LOG flag");
	a = add_template("nolog");
	a.log_flags = 1;
	add_fails(&a, -EINVAL, "ADD_DEVICE log_flags without the LOG flag");
	close(log_fd);
}

/* ROTATE_LOG or SET_EMERGENCY that must fail with `want`. */
static void ioctl_fails(unsigned long cmd, void *arg, long want, const char *what)
{
	expect(mt_ioctl(ctl, cmd, arg), want, what);
}

static struct mars_ctl_rotate_log rotate_template(uint32_t index, int log_fd)
{
	struct mars_ctl_rotate_log r = {
		.version = MARS_CTL_VERSION, .size = sizeof(r), .index = index, .log_fd = log_fd,
	};

	return r;
}

/* ROTATE_LOG and SET_EMERGENCY: arguments, and devices they do not apply to. */
static void test_rotate_emergency(const char *logfile)
{
	struct mars_ctl_set_emergency e;
	struct mars_ctl_rotate_log r;
	struct mars_ctl_add_device a;
	char next[200], full[200];
	int log_fd, next_fd, full_fd, ro_fd, pipefd[2], dir_fd;
	long logged, plain;

	log_fd = open(logfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	snprintf(next, sizeof(next), "%s.next", logfile);
	next_fd = open(next, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	snprintf(full, sizeof(full), "%s.full", logfile);
	full_fd = open(full, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ro_fd = open(next, O_RDONLY | O_CLOEXEC);
	dir_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log_fd < 0 || next_fd < 0 || full_fd < 0 || ro_fd < 0 || dir_fd < 0 || pipe(pipefd) ||
	    ftruncate(full_fd, 4096))
		mt_die("logfiles %s*: %s", logfile, strerror(errno));
	a = log_template("logged", log_fd);
	logged = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a);
	a = add_template("plain");
	plain = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a);
	if (!mt_check(logged >= 0 && plain >= 0, "ADD_DEVICE for ROTATE/EMERGENCY: %ld %ld", logged,
		      plain))
		return;

	r = rotate_template((uint32_t)logged, next_fd);
	r.version = 2;
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG version 2");
	r = rotate_template((uint32_t)logged, next_fd);
	r.size = MARS_CTL_ROTATE_LOG_SIZE_V1 - 8;
	ioctl_fails(_IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 4, MARS_CTL_ROTATE_LOG_SIZE_V1 - 8), &r,
		    -EINVAL, "ROTATE_LOG struct size below v1");
	r = rotate_template((uint32_t)logged, next_fd);
	r.size = sizeof(r) + 8;
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG size field disagrees");
	r = rotate_template((uint32_t)logged, next_fd);
	r.flags = 1;
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG flags 1");
	r = rotate_template(MARS_CTL_MAX_DEVICES - 1, next_fd);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -ENOENT, "ROTATE_LOG of a missing device");
	r = rotate_template(0xffffffffU, next_fd);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -ENOENT, "ROTATE_LOG of index 0xffffffff");
	r = rotate_template((uint32_t)plain, next_fd);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG of a device without log");
	r = rotate_template((uint32_t)logged, -1);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EBADF, "ROTATE_LOG log fd -1");
	r = rotate_template((uint32_t)logged, ro_fd);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EBADF, "ROTATE_LOG read-only log fd");
	r = rotate_template((uint32_t)logged, pipefd[1]);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG to a pipe");
	r = rotate_template((uint32_t)logged, dir_fd);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG to a directory");
	r = rotate_template((uint32_t)logged, full_fd);
	ioctl_fails(MARS_CTL_ROTATE_LOG, &r, -EINVAL, "ROTATE_LOG to a non-empty file");
	/* output fields are ignored on input */
	r = rotate_template((uint32_t)logged, next_fd);
	r.generation = 77;
	r.old_end_offset = 5;
	r.marker_seq = 9;
	expect(mt_ioctl(ctl, MARS_CTL_ROTATE_LOG, &r), 0, "ROTATE_LOG to an empty file");
	mt_check(r.generation == 2 && r.marker_seq == 1,
		 "ROTATE_LOG of a fresh log: generation %u (want 2), marker seq %llu (want 1)",
		 r.generation, (unsigned long long)r.marker_seq);

	e = (struct mars_ctl_set_emergency){ .version = 0, .size = sizeof(e), .index = (uint32_t)logged };
	ioctl_fails(MARS_CTL_SET_EMERGENCY, &e, -EINVAL, "SET_EMERGENCY version 0");
	e.version = MARS_CTL_VERSION;
	e.flags = 1;
	ioctl_fails(MARS_CTL_SET_EMERGENCY, &e, -EINVAL, "SET_EMERGENCY flags 1");
	e.flags = 0;
	e.size = 16;
	ioctl_fails(_IOC(IOC_RW, MARS_CTL_IOC_MAGIC, 5, 16), &e, -EINVAL,
		    "SET_EMERGENCY struct size below v1");
	e.size = sizeof(e);
	e.index = MARS_CTL_MAX_DEVICES;
	ioctl_fails(MARS_CTL_SET_EMERGENCY, &e, -ENOENT, "SET_EMERGENCY of index MAX_DEVICES");
	e.index = (uint32_t)plain;
	ioctl_fails(MARS_CTL_SET_EMERGENCY, &e, -EINVAL, "SET_EMERGENCY of a device without log");
	e.index = (uint32_t)logged;
	e.marker_seq = 1234;
	expect(mt_ioctl(ctl, MARS_CTL_SET_EMERGENCY, &e), 0, "SET_EMERGENCY");
	/* after the rotate marker (seq 1) and maybe its padding */
	mt_check(e.marker_seq == 2 || e.marker_seq == 3,
		 "SET_EMERGENCY after a rotation: marker seq %llu, want 2 or 3",
		 (unsigned long long)e.marker_seq);

	expect(mt_remove(ctl, (uint32_t)logged), 0, "REMOVE logged device");
	expect(mt_remove(ctl, (uint32_t)plain), 0, "REMOVE plain device");
	close(log_fd);
	close(next_fd);
	close(full_fd);
	close(ro_fd);
	close(dir_fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Without CAP_SYS_ADMIN every command fails with EPERM, even on an open fd. */
static void test_permission(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		mt_die("fork: %s", strerror(errno));
	if (pid == 0) {
		struct mars_ctl_info info = { .version = MARS_CTL_VERSION, .size = sizeof(info) };
		struct mars_ctl_add_device a = add_template("perm");

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(3);
		if (mt_ioctl(ctl, MARS_CTL_GET_INFO, &info) != -EPERM)
			_exit(1);
		if (mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a) != -EPERM)
			_exit(1);
		if (open(MARS_CTL_DEVICE_PATH, O_RDWR) >= 0 || errno != EACCES)
			_exit(2);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	mt_check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "unprivileged caller: status 0x%x (1: ioctl not EPERM, 2: open not EACCES)",
		 status);
}

/* The v2 fields of a plausible ADD_DEVICE: none, or a log that may work. */
static void fuzz_log_fields(struct mars_ctl_add_device *a, uint64_t l, int log_fd)
{
	a->log_fd = 0;
	a->log_flags = 0;
	a->log_offset = 0;
	a->log_next_seq = 0;
	a->log_min_stamp_ns = 0;
	a->dirty_limit_bytes = 0;
	if (l % 4)
		return;
	a->flags |= MARS_CTL_ADD_F_LOG;
	a->log_fd = (l >> 8) % 2 ? log_fd : (int)((l >> 9) % 12);
	a->log_offset = ((l >> 16) % 4) * 8;
	a->log_next_seq = (l >> 24) % 3;
	a->log_min_stamp_ns = l >> 32;
	if ((l >> 40) % 2)
		a->dirty_limit_bytes = MARS_CTL_DIRTY_LIMIT_MIN << ((l >> 41) % 4);
}

/*
 * Random commands and random struct contents. Anything may fail, but only
 * with one of the documented errnos; devices that happen to be created are
 * removed again.
 */
static void test_fuzz(uint64_t rounds, const char *logfile)
{
	static const uint32_t sizes[] = {
		MARS_CTL_INFO_SIZE_V1, MARS_CTL_ADD_DEVICE_SIZE_V2,
		MARS_CTL_REMOVE_DEVICE_SIZE_V1, MARS_CTL_QUERY_SIZE_V2,
		MARS_CTL_ROTATE_LOG_SIZE_V1, MARS_CTL_SET_EMERGENCY_SIZE_V1,
		MARS_CTL_ADD_DEVICE_SIZE_V1, MARS_CTL_QUERY_SIZE_V1,
	};
	uint64_t st = 0x66757a7aULL, i, created = 0, ok = 0;
	uint8_t *buf = malloc(8192);
	unsigned long cmd;
	/* a logfile that ADD_DEVICE may accept */
	int log_fd = open(logfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (!buf || log_fd < 0 || ftruncate(log_fd, 4096))
		mt_die("fuzz setup: %s", strerror(errno));
	for (i = 0; i < rounds; i++) {
		uint64_t r = mt_rand(&st);
		/* the six commands and two unused numbers */
		unsigned int nr = r % 8, dir = (r >> 8) % 4, size;
		void *arg = buf;
		long ret;
		size_t j;

		size = (r >> 16) % 2 ? sizes[nr] : (unsigned int)((r >> 20) % 600);
		if ((r >> 32) % 4 == 0) {
			/* neighbouring types: nothing of ours */
			unsigned int type = 0xe0 + (unsigned int)((r >> 40) % 16);

			if (type == MARS_CTL_IOC_MAGIC)
				type++;
			cmd = _IOC(dir, type, (r >> 44) % 256, size);
		} else {
			if ((r >> 34) % 4)
				dir = nr == 2 ? _IOC_WRITE : IOC_RW;
			cmd = _IOC(dir, MARS_CTL_IOC_MAGIC, nr, size);
		}
		for (j = 0; j < 8192; j += 8) {
			uint64_t v = mt_rand(&st);

			memcpy(buf + j, &v, 8);
		}
		if ((r >> 36) % 2) {
			struct mars_ctl_add_device *a = (void *)buf;

			a->version = MARS_CTL_VERSION;
			a->size = size;
			if ((r >> 37) % 2 && nr == 1) {
				a->backing_fd = (r >> 38) % 2 ? scratch_fd : (int)((r >> 39) % 12);
				a->flags &= (r >> 50) % 2;
				a->device_bytes = ((r >> 51) % 2048 + 1) * 512;
				memset(a->name, 0, sizeof(a->name));
				snprintf(a->name, sizeof(a->name), "fz%llu",
					 (unsigned long long)i);
				if ((r >> 60) % 2)
					memset(buf + sizeof(*a), 0, 8192 - sizeof(*a));
				a->reserved = 0;
				fuzz_log_fields(a, mt_rand(&st), log_fd);
			}
		}
		switch ((r >> 56) % 16) {
		case 0:
			arg = NULL;
			break;
		case 1:
			arg = (void *)(uintptr_t)mt_rand(&st);
			break;
		default:
			break;
		}

		ret = mt_ioctl(ctl, cmd, arg);
		if (ret >= 0) {
			ok++;
			if (_IOC_TYPE(cmd) == MARS_CTL_IOC_MAGIC && _IOC_NR(cmd) == 1) {
				created++;
				expect(mt_remove(ctl, (uint32_t)ret), 0, "fuzz: REMOVE");
			}
			continue;
		}
		if (!mt_check(ret == -EINVAL || ret == -E2BIG || ret == -ENOTTY ||
			      ret == -EFAULT || ret == -EBADF || ret == -ENOENT ||
			      ret == -EEXIST || ret == -EBUSY,
			      "fuzz round %llu: command 0x%08lx: unexpected %ld (%s)",
			      (unsigned long long)i, cmd, ret, strerror((int)-ret)))
			break;
	}
	mt_note("fuzz: %llu random calls, %llu succeeded, %llu devices created and removed",
		(unsigned long long)i, (unsigned long long)ok, (unsigned long long)created);
	close(log_fd);
	free(buf);
}

void mt_hostile(const char *scratch, uint64_t fuzz_rounds)
{
	struct mars_ctl_info info = { .version = MARS_CTL_VERSION, .size = sizeof(info) };
	char logfile[160];

	ctl = mt_ctl_open();
	scratch_fd = open(scratch, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (scratch_fd < 0 || ftruncate(scratch_fd, MIB))
		mt_die("scratch file %s: %s", scratch, strerror(errno));

	test_info_and_commands();
	test_pointers();
	test_version_and_size();
	test_fields();
	test_fds(scratch);
	test_devices();
	snprintf(logfile, sizeof(logfile), "%s.log", scratch);
	test_log_fields(logfile);
	test_rotate_emergency(logfile);
	test_permission();
	test_fuzz(fuzz_rounds, logfile);

	expect(mt_ioctl(ctl, MARS_CTL_GET_INFO, &info), 0, "GET_INFO at the end");
	mt_check(info.nr_devices == 0, "%u devices left after the hostile tests", info.nr_devices);
	close(scratch_fd);
	close(ctl);
}
