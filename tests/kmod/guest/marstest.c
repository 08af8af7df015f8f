// SPDX-License-Identifier: GPL-2.0
/*
 * marstest: runs in the qemu guest of tests/kmod/run (static binary, busybox
 * userland). Commands:
 *
 *   marstest hostile SCRATCH_FILE [FUZZ_ROUNDS]
 *       hostile and malformed ioctls; each must fail with its errno
 *   marstest device BACKING BYTES NAME FLAGS DIO OPS
 *       whole life of one device on BACKING: add, sysfs, verifying io_uring
 *       and multi-threaded workloads (OPS requests each), flush/FUA, discard
 *       and write zeroes, data visible in the backing file, EBUSY while
 *       open, remove. DIO: 1/0 = direct IO must be / must not be in use,
 *       -1 = either.
 *   marstest ioerror SCRATCH_FILE
 *       the backing file shrinks under a device: reads beyond its end fail
 *       with EIO and are counted, the rest of the device keeps working
 *   marstest churn BACKING BYTES ROUNDS
 *       add/remove ROUNDS times; fails when slab memory keeps growing
 *   marstest logged MODE BACKING BYTES NAME OUTDIR OPS
 *       a device with a transaction log on tmpfs (logged.c): MODE full,
 *       rotate, emergency or quick; leaves logfiles, image and a manifest
 *       line in OUTDIR for the host verifier
 *   marstest mixed BACKING NAME OUTDIR HOSTDIR OPS
 *       the kernel continues a logfile the userspace writer began (logged.c)
 *   marstest crash BACKING BYTES LOGDEV THREADS SECONDS
 *       writers print "ACK <block> <version>" until the host kills qemu (crash.c)
 *   marstest add BACKING BYTES NAME     prints the new index
 *   marstest remove INDEX [ERRNO]       expects success or that errno
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "marstest.h"

unsigned int mt_failures;
unsigned int mt_checks;

static void mt_vprint(const char *prefix, const char *fmt, va_list ap)
{
	printf("KMODTEST: %s", prefix);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

void mt_fail(const char *fmt, ...)
{
	va_list ap;

	mt_failures++;
	va_start(ap, fmt);
	mt_vprint("FAIL: ", fmt, ap);
	va_end(ap);
}

void mt_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_vprint("", fmt, ap);
	va_end(ap);
}

bool mt_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	mt_checks++;
	if (ok)
		return true;
	mt_failures++;
	va_start(ap, fmt);
	mt_vprint("FAIL: ", fmt, ap);
	va_end(ap);
	return false;
}

void mt_die(const char *fmt, ...)
{
	va_list ap;

	mt_failures++;
	va_start(ap, fmt);
	mt_vprint("FAIL: ", fmt, ap);
	va_end(ap);
	exit(2);
}

uint64_t mt_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void mt_fill(void *buf, size_t len, uint64_t seed)
{
	uint64_t st = seed | 1, v;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = mt_rand(&st);
		memcpy(p + i, &v, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)mt_rand(&st);
}

int mt_ctl_open(void)
{
	int fd = open(MARS_CTL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		mt_die("open %s: %s", MARS_CTL_DEVICE_PATH, strerror(errno));
	return fd;
}

long mt_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

void mt_add_init(struct mars_ctl_add_device *a, int backing_fd, uint64_t bytes, const char *name,
		 uint32_t flags)
{
	memset(a, 0, sizeof(*a));
	a->version = MARS_CTL_VERSION;
	a->size = sizeof(*a);
	a->backing_fd = backing_fd;
	a->flags = flags;
	a->device_bytes = bytes;
	/* names longer than the field are cut off: the module must refuse them */
	memcpy(a->name, name, strlen(name) < sizeof(a->name) ? strlen(name) : sizeof(a->name));
}

long mt_add(int ctl, int backing_fd, uint64_t bytes, const char *name, uint32_t flags,
	    struct mars_ctl_add_device *out)
{
	struct mars_ctl_add_device a;
	long ret;

	mt_add_init(&a, backing_fd, bytes, name, flags);
	ret = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a);
	if (out)
		*out = a;
	return ret;
}

long mt_remove(int ctl, uint32_t index)
{
	struct mars_ctl_remove_device r = {
		.version = MARS_CTL_VERSION, .size = sizeof(r), .index = index,
	};

	return mt_ioctl(ctl, MARS_CTL_REMOVE_DEVICE, &r);
}

long mt_query(int ctl, uint32_t index, struct mars_ctl_query *out)
{
	memset(out, 0, sizeof(*out));
	out->version = MARS_CTL_VERSION;
	out->size = sizeof(*out);
	out->index = index;
	return mt_ioctl(ctl, MARS_CTL_QUERY, out);
}

uint64_t mt_parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		mt_die("not a number: %s", s);
	return v;
}

bool mt_read_sysfs(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = 0;
	return true;
}

void *mt_alloc_aligned(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		mt_die("out of memory (%zu bytes)", len);
	return p;
}

void mt_shadow_start(struct mt_shadow *s, int ctl, uint32_t index, uint64_t bytes,
		     unsigned int lbs, bool zero)
{
	size_t chunk = 1 << 20;
	uint8_t *z = mt_alloc_aligned(chunk);
	char path[64];
	uint64_t off;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/dev/mars%u", index);
	s->fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (s->fd < 0)
		mt_die("open %s: %s", path, strerror(errno));
	s->ctl = ctl;
	s->index = index;
	s->bytes = bytes;
	s->lbs = lbs;
	s->seed = 0x6d617273ULL ^ index ^ bytes;
	s->data = calloc(1, bytes);
	s->busy = calloc(1, bytes / lbs);
	if (!s->data || !s->busy)
		mt_die("out of memory");

	memset(z, 0, chunk);
	for (off = 0; off < bytes; off += chunk) {
		size_t n = bytes - off < chunk ? bytes - off : chunk;
		/* direct IO: reads go through the aligned buffer */
		ssize_t done = zero ? pwrite(s->fd, z, n, (off_t)off) : pread(s->fd, z, n, (off_t)off);

		if (done != (ssize_t)n)
			mt_die("%s %s at %llu: %s", zero ? "zeroing" : "reading", path,
			       (unsigned long long)off, strerror(errno));
		if (!zero)
			memcpy(s->data + off, z, n);
	}
	free(z);
}

void mt_shadow_end(struct mt_shadow *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->data);
	free(s->busy);
	s->fd = -1;
	s->data = s->busy = NULL;
}

/* The whole life of one device; see the comment at the top. */
static void cmd_device(const char *backing, uint64_t bytes, const char *name,
		       uint32_t flags, int want_dio, unsigned int ops)
{
	struct mars_ctl_add_device a;
	struct mars_ctl_query q;
	struct mt_shadow s;
	char path[64], buf[128];
	int ctl, bfd, fd;
	long idx, ret;

	mt_note("device: %s, %llu bytes, resource %s, flags 0x%x", backing,
		(unsigned long long)bytes, name, flags);
	ctl = mt_ctl_open();
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	if (bfd < 0)
		mt_die("open %s: %s", backing, strerror(errno));

	/* the device keeps its own reference: close ours right away */
	idx = mt_add(ctl, bfd, bytes, name, flags, &a);
	close(bfd);
	if (!mt_check(idx >= 0, "ADD_DEVICE on %s: %s", backing, strerror((int)-idx)))
		exit(1);
	mt_check(a.index == (uint32_t)idx, "ADD_DEVICE index %u, returned %ld", a.index, idx);
	mt_note("mars%ld: dev_flags 0x%x, logical block size %u", idx, a.dev_flags,
		a.logical_block_size);
	if (want_dio >= 0)
		mt_check(!!(a.dev_flags & MARS_CTL_DEV_F_DIRECT_IO) == want_dio,
			 "mars%ld: direct IO %s expected", idx, want_dio ? "" : "not");
	mt_check(a.dev_flags & MARS_CTL_DEV_F_DISCARD, "mars%ld: discard expected", idx);

	snprintf(path, sizeof(path), "/sys/block/mars%ld/mars/name", idx);
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && !strncmp(buf, name, strlen(name)) &&
		 buf[strlen(name)] == '\n', "%s reads '%s', want '%s'", path, buf, name);
	snprintf(path, sizeof(path), "/sys/block/mars%ld/size", idx);
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && mt_parse_u64(strtok(buf, "\n")) == bytes / 512,
		 "%s: %s sectors, want %llu", path, buf, (unsigned long long)bytes / 512);

	mt_shadow_start(&s, ctl, (uint32_t)idx, bytes, a.logical_block_size, true);
	fd = s.fd;
	snprintf(path, sizeof(path), "/dev/mars%ld", idx);

	mt_workload_uring(&s, ops, 64);
	mt_workload_threads(&s, 4, ops / 8);
	mt_flush_fua(&s);
	mt_discard_zero(&s);
	mt_workload_uring(&s, ops / 4, 32);

	/* removal must be refused while the device is open */
	ret = mt_remove(ctl, s.index);
	mt_check(ret == -EBUSY, "REMOVE of open mars%u: %ld, want -EBUSY", s.index, ret);
	ret = mt_query(ctl, s.index, &q);
	mt_check(ret == 0 && q.open_count == 1 && q.in_flight == 0 &&
		 q.errors == 0 && !strcmp(q.name, name) && q.device_bytes == bytes,
		 "QUERY mars%u: ret %ld open %u in_flight %u errors %llu name '%s'",
		 s.index, ret, q.open_count, q.in_flight,
		 (unsigned long long)q.errors, q.name);
	mt_note("mars%u: reads %llu (%llu bytes), writes %llu (%llu bytes), fua %llu, flushes %llu, discards %llu",
		s.index, (unsigned long long)q.read_ios, (unsigned long long)q.read_bytes,
		(unsigned long long)q.write_ios, (unsigned long long)q.write_bytes,
		(unsigned long long)q.fua_ios, (unsigned long long)q.flush_ios,
		(unsigned long long)q.discard_ios);
	if (fsync(fd))
		mt_fail("fsync %s: %s", path, strerror(errno));
	close(fd);

	/* reopen: everything is still there */
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		mt_die("reopen %s: %s", path, strerror(errno));
	mt_verify_all(&s, fd, path);
	close(fd);

	/* and it went through to the backing file */
	bfd = open(backing, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (bfd < 0 && errno == EINVAL)
		bfd = open(backing, O_RDONLY | O_CLOEXEC); /* tmpfs before 6.6 */
	if (bfd < 0)
		mt_die("open %s: %s", backing, strerror(errno));
	mt_verify_all(&s, bfd, backing);
	close(bfd);

	snprintf(path, sizeof(path), "/sys/block/mars%u/mars/in_flight", s.index);
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && !strcmp(buf, "0\n"), "%s: %s", path, buf);
	snprintf(path, sizeof(path), "/sys/block/mars%u/mars/errors", s.index);
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && !strcmp(buf, "0\n"), "%s: %s", path, buf);

	ret = mt_remove(ctl, s.index);
	mt_check(ret == 0, "REMOVE of idle mars%u: %s", s.index, strerror((int)-ret));
	ret = mt_query(ctl, s.index, &q);
	mt_check(ret == -ENOENT, "QUERY of removed mars%u: %ld, want -ENOENT", s.index, ret);
	snprintf(path, sizeof(path), "/sys/block/mars%u", s.index);
	mt_check(access(path, F_OK) != 0, "%s still exists after REMOVE", path);

	free(s.data);
	free(s.busy);
	close(ctl);
}

static void cmd_ioerror(const char *scratch)
{
	const uint64_t mib = 1 << 20;
	struct mars_ctl_query q;
	char path[64], buf[64];
	uint8_t *io = mt_alloc_aligned(4096);
	int ctl = mt_ctl_open(), bfd, fd;
	long idx;
	ssize_t n;

	bfd = open(scratch, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (bfd < 0 || ftruncate(bfd, (off_t)mib))
		mt_die("scratch file %s: %s", scratch, strerror(errno));
	idx = mt_add(ctl, bfd, mib, "r-ioerror", 0, NULL);
	if (!mt_check(idx >= 0, "ADD_DEVICE r-ioerror: %s", strerror((int)-idx)))
		exit(1);
	if (ftruncate(bfd, (off_t)(mib / 4)))
		mt_die("shrinking %s: %s", scratch, strerror(errno));
	close(bfd);

	snprintf(path, sizeof(path), "/dev/mars%ld", idx);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		mt_die("open %s: %s", path, strerror(errno));
	n = pread(fd, io, 4096, (off_t)(mib / 2));
	mt_check(n < 0 && errno == EIO, "read beyond the shrunk backing file: %zd (%s), want EIO",
		 n, n < 0 ? strerror(errno) : "no error");
	n = pread(fd, io, 4096, 0);
	mt_check(n == 4096, "read within the backing file: %zd (%s)", n, strerror(errno));
	close(fd);

	mt_check(mt_query(ctl, (uint32_t)idx, &q) == 0 && q.errors >= 1 && q.in_flight == 0,
		 "QUERY after the failed read: errors %llu in_flight %u",
		 (unsigned long long)q.errors, q.in_flight);
	snprintf(path, sizeof(path), "/sys/block/mars%ld/mars/errors", idx);
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && atoi(buf) >= 1, "%s: %s", path, buf);
	mt_check(mt_remove(ctl, (uint32_t)idx) == 0, "REMOVE r-ioerror");
	mt_note("ioerror: %llu failed requests counted", (unsigned long long)q.errors);
	free(io);
	close(ctl);
}

static long slab_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3\n", 2) != 2)
			mt_note("drop_caches: %s", strerror(errno));
		close(fd);
	}
}

/*
 * Devices created and removed many times must not leave memory behind. The
 * Debian kernels have no kmemleak; slab usage growing by much more than
 * what one device takes (its tag set alone is larger than the threshold
 * divided by the rounds) would be a leak.
 */
static void cmd_churn(const char *backing, uint64_t bytes, unsigned int rounds)
{
	int ctl = mt_ctl_open();
	int bfd = open(backing, O_RDWR | O_CLOEXEC);
	long before = -1, after, ret;
	unsigned int i;

	if (bfd < 0)
		mt_die("open %s: %s", backing, strerror(errno));
	for (i = 0; i < rounds + 5; i++) {
		char name[32];

		if (i == 5) {
			drop_caches();
			before = slab_kb();
		}
		snprintf(name, sizeof(name), "churn%u", i);
		ret = mt_add(ctl, bfd, bytes, name, 0, NULL);
		if (!mt_check(ret >= 0, "churn ADD %u: %s", i, strerror((int)-ret)))
			break;
		ret = mt_remove(ctl, (uint32_t)ret);
		if (!mt_check(ret == 0, "churn REMOVE %u: %s", i, strerror((int)-ret)))
			break;
	}
	drop_caches();
	after = slab_kb();
	mt_note("churn: %u add/remove rounds, slab %ld kB -> %ld kB", rounds, before, after);
	mt_check(before > 0 && after - before < 2048,
		 "slab grew by %ld kB over %u add/remove rounds", after - before, rounds);
	close(bfd);
	close(ctl);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "hostile")) {
		mt_hostile(argv[2], argc >= 4 ? mt_parse_u64(argv[3]) : 2000);
	} else if (argc == 8 && !strcmp(argv[1], "device")) {
		cmd_device(argv[2], mt_parse_u64(argv[3]), argv[4], (uint32_t)mt_parse_u64(argv[5]),
			   atoi(argv[6]), (unsigned int)mt_parse_u64(argv[7]));
	} else if (argc == 3 && !strcmp(argv[1], "ioerror")) {
		cmd_ioerror(argv[2]);
	} else if (argc == 5 && !strcmp(argv[1], "churn")) {
		cmd_churn(argv[2], mt_parse_u64(argv[3]), (unsigned int)mt_parse_u64(argv[4]));
	} else if (argc == 8 && !strcmp(argv[1], "logged")) {
		mt_logged(argv[2], argv[3], mt_parse_u64(argv[4]), argv[5], argv[6],
			  (unsigned int)mt_parse_u64(argv[7]));
	} else if (argc == 7 && !strcmp(argv[1], "mixed")) {
		mt_logged_mixed(argv[2], argv[3], argv[4], argv[5], (unsigned int)mt_parse_u64(argv[6]));
	} else if (argc == 7 && !strcmp(argv[1], "crash")) {
		mt_crash(argv[2], mt_parse_u64(argv[3]), argv[4], (unsigned int)mt_parse_u64(argv[5]),
			 (unsigned int)mt_parse_u64(argv[6]));
	} else if (argc == 5 && !strcmp(argv[1], "add")) {
		int ctl = mt_ctl_open(), bfd = open(argv[2], O_RDWR | O_CLOEXEC);
		long ret;

		if (bfd < 0)
			mt_die("open %s: %s", argv[2], strerror(errno));
		ret = mt_add(ctl, bfd, mt_parse_u64(argv[3]), argv[4], 0, NULL);
		if (!mt_check(ret >= 0, "ADD_DEVICE %s: %s", argv[4], strerror((int)-ret)))
			return 1;
		printf("%ld\n", ret);
	} else if ((argc == 3 || argc == 4) && !strcmp(argv[1], "remove")) {
		int ctl = mt_ctl_open();
		long want = argc == 4 ? -(long)mt_parse_u64(argv[3]) : 0;
		long ret = mt_remove(ctl, (uint32_t)mt_parse_u64(argv[2]));

		mt_check(ret == want, "REMOVE mars%s: %ld, want %ld", argv[2], ret, want);
	} else {
		fprintf(stderr, "usage: see the comment at the top of marstest.c\n");
		return 2;
	}
	if (strcmp(argv[1], "add") && strcmp(argv[1], "remove"))
		mt_note("%s: %u checks, %u failed", argv[1], mt_checks, mt_failures);
	return mt_failures ? 1 : 0;
}
