// SPDX-License-Identifier: GPL-2.0
/*
 * marsbench: the guest side of bench/kmod. A static program (liburing) that
 * runs inside the qemu guest bench/kmod boots and measures, in one boot and
 * on the same backing device, the raw device against /dev/marsN:
 *
 *   raw        the backing device itself (O_DIRECT, io_uring)
 *   raw+sync   the same, writes in batches of the queue depth, each batch
 *              followed by fdatasync (what a durable acknowledgement costs)
 *   pass       /dev/marsN added without a log: the block layer hop and the
 *              module's kiocb pass-through, nothing logged
 *   mars       /dev/marsN with MARS_CTL_ADD_F_LOG, the log on LOGDEV from
 *              offset 0: every write is a record, acknowledged only once its
 *              record is durable, written back to BACKING later
 *
 * Workloads (io_uring, O_DIRECT, fixed duration after a ramp):
 *   4 KiB random writes QD32, 1 MiB sequential writes QD8, 4 KiB random
 *   reads QD32 (the area was written before: no reads of brd holes).
 *
 * Every device is added fresh for each run and removed after it; the log
 * starts at offset 0 again each time (the log device is reused, not
 * appended to). After a mars write run the time until everything is written
 * back (QUERY dirty_bytes 0) is measured too, outside the timed window, and
 * reported as "drain". A mars run stops early when the log device is almost
 * full (the logger cannot wrap around); the run then says so.
 *
 * Usage: marsbench BACKING LOGDEV AREA_MIB SECONDS RAMP_MS ROUNDS
 * Output: lines starting with "MARSBENCH: " (the host shows them without
 * the prefix). Exit status 0 when every run completed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "mars_ctl.h"

#define MAX_ROUNDS 15
#define MAX_QD 64
/* Bound for waiting on writeback after a run; TCG is slow, not this slow. */
#define DRAIN_TIMEOUT_NS (300ULL * 1000000000ULL)

enum target { T_RAW, T_RAW_SYNC, T_PASS, T_MARS, T_COUNT };
static const char *const target_name[T_COUNT] = { "raw", "raw+sync", "pass", "mars" };

struct workload {
	const char *name;
	bool write;
	bool seq;
	size_t bs;
	unsigned int qd;
};

static const struct workload workloads[] = {
	{ "4k-randwrite-qd32", true, false, 4096, 32 },
	{ "1m-seqwrite-qd8", true, true, 1 << 20, 8 },
	{ "4k-randread-qd32", false, false, 4096, 32 },
};
#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

struct result {
	bool valid;
	double ops_per_s;
	double mb_per_s;      /* 10^6 bytes per second */
	double drain_s;       /* mars writes: until dirty_bytes was 0 */
	double log_ratio;     /* mars writes: log bytes / payload bytes */
	bool log_full;        /* mars: stopped early, the log device was almost full */
};

static struct {
	const char *backing;
	const char *logdev;
	uint64_t area;        /* bytes of BACKING used (and the mars device size) */
	uint64_t log_bytes;   /* size of LOGDEV */
	uint64_t run_ns;
	uint64_t ramp_ns;
	unsigned int rounds;
	int ctl;
	unsigned int failures;
} B;

static struct result results[NR_WORKLOADS][T_COUNT][MAX_ROUNDS];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("MARSBENCH: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	printf("MARSBENCH: ERROR: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t xorshift(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void *alloc_aligned(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("out of memory (%zu bytes)", len);
	return p;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		die("not a number: %s", s);
	return v;
}

static uint64_t blockdev_bytes(int fd, const char *path)
{
	uint64_t bytes;

	if (ioctl(fd, BLKGETSIZE64, &bytes))
		die("BLKGETSIZE64 %s: %s", path, strerror(errno));
	return bytes;
}

/* ---- mars control ------------------------------------------------------- */

static long ctl_ioctl(unsigned long cmd, void *arg)
{
	long ret = ioctl(B.ctl, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static struct mars_ctl_query query(uint32_t index)
{
	struct mars_ctl_query q;
	long ret;

	memset(&q, 0, sizeof(q));
	q.version = MARS_CTL_VERSION;
	q.size = sizeof(q);
	q.index = index;
	ret = ctl_ioctl(MARS_CTL_QUERY, &q);
	if (ret)
		die("QUERY mars%u: %s", index, strerror((int)-ret));
	return q;
}

/* Adds /dev/marsN on the backing device; with `logged` its log is LOGDEV from 0. */
static uint32_t add_device(bool logged)
{
	struct mars_ctl_add_device a;
	int bfd = open(B.backing, O_RDWR | O_CLOEXEC), lfd = -1;
	const char *name = logged ? "bench-mars" : "bench-pass";
	long idx;

	if (bfd < 0)
		die("open %s: %s", B.backing, strerror(errno));
	memset(&a, 0, sizeof(a));
	a.version = MARS_CTL_VERSION;
	a.size = sizeof(a);
	a.backing_fd = bfd;
	a.device_bytes = B.area;
	memcpy(a.name, name, strlen(name));
	if (logged) {
		lfd = open(B.logdev, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			die("open %s: %s", B.logdev, strerror(errno));
		a.flags = MARS_CTL_ADD_F_LOG;
		a.log_fd = lfd;
		a.log_offset = 0;
		a.log_next_seq = 1;
	}
	idx = ctl_ioctl(MARS_CTL_ADD_DEVICE, &a);
	close(bfd);
	if (lfd >= 0)
		close(lfd);
	if (idx < 0)
		die("ADD_DEVICE %s: %s", name, strerror((int)-idx));
	if (!(a.dev_flags & MARS_CTL_DEV_F_DIRECT_IO))
		say("note: mars%ld (%s) does not use direct IO on %s (dev_flags 0x%x)", idx, name,
		    B.backing, a.dev_flags);
	if (logged && !(a.dev_flags & MARS_CTL_DEV_F_LOG_DIRECT))
		say("note: mars%ld appends to %s without direct IO (dev_flags 0x%x)", idx, B.logdev,
		    a.dev_flags);
	return (uint32_t)idx;
}

static void remove_device(uint32_t index)
{
	struct mars_ctl_remove_device r = {
		.version = MARS_CTL_VERSION, .size = sizeof(r), .index = index,
	};
	long ret = ctl_ioctl(MARS_CTL_REMOVE_DEVICE, &r);

	if (ret)
		die("REMOVE_DEVICE mars%u: %s", index, strerror((int)-ret));
}

static int open_device(uint32_t index)
{
	char path[32];
	int fd, tries;

	snprintf(path, sizeof(path), "/dev/mars%u", index);
	/* devtmpfs creates the node while ADD_DEVICE runs; a retry costs nothing */
	for (tries = 0; tries < 100; tries++) {
		fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		usleep(10000);
	}
	die("open %s: %s", path, strerror(errno));
}

/* ---- one timed run -------------------------------------------------------- */

struct run {
	int fd;
	const struct workload *w;
	bool sync_batches;    /* raw+sync: wait for the batch, fdatasync, next batch */
	int64_t mars_index;   /* >= 0: stop before the log device is full */
};

/*
 * Log bytes a run may still need once the stop is decided: everything in
 * flight (each record padded, worst case a page per request) plus one
 * append of the logger (it gathers up to 8 MiB).
 */
static uint64_t log_margin(const struct workload *w)
{
	return 2ULL * w->qd * (w->bs + 8192) + (16ULL << 20);
}

static struct result run_once(const struct run *r)
{
	const struct workload *w = r->w;
	struct io_uring ring;
	uint8_t *bufs[MAX_QD];
	unsigned int free_slots[MAX_QD], nfree;
	uint64_t blocks = B.area / w->bs, next_seq = 0, st = 0x62656e6368ULL ^ w->bs;
	uint64_t t0, ramp_end, deadline, t_start = 0, t_end = 0, now;
	uint64_t done = 0, done_at_start = 0, done_at_end = 0, last_check = 0;
	unsigned int i, batch_left = 0;
	bool stopping = false, measuring = false, log_full = false;
	struct result res = { 0 };
	int ret;

	if (w->qd > MAX_QD)
		die("queue depth %u > %d", w->qd, MAX_QD);
	ret = io_uring_queue_init(w->qd, &ring, 0);
	if (ret)
		die("io_uring_queue_init: %s", strerror(-ret));
	for (i = 0; i < w->qd; i++) {
		free_slots[i] = i;
		bufs[i] = alloc_aligned(w->bs);
		/* incompressible-looking data; the module does not compress, but be fair */
		for (size_t j = 0; j < w->bs; j += 8) {
			uint64_t v = xorshift(&st);

			memcpy(bufs[i] + j, &v, 8);
		}
	}

	nfree = w->qd;
	t0 = mono_ns();
	ramp_end = t0 + B.ramp_ns;
	deadline = ramp_end + B.run_ns;
	for (;;) {
		struct io_uring_cqe *cqe;

		/* fill the queue (raw+sync: only once the last batch is durable) */
		if (!stopping && (!r->sync_batches || batch_left == 0)) {
			if (r->sync_batches)
				batch_left = w->qd;
			while (nfree) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
				unsigned int slot = free_slots[--nfree];
				uint64_t off;

				if (!sqe)
					die("io_uring_get_sqe: ring full");
				if (w->seq) {
					off = (next_seq % blocks) * w->bs;
					next_seq++;
				} else {
					off = (xorshift(&st) % blocks) * w->bs;
				}
				if (w->write)
					io_uring_prep_write(sqe, r->fd, bufs[slot], (unsigned int)w->bs, off);
				else
					io_uring_prep_read(sqe, r->fd, bufs[slot], (unsigned int)w->bs, off);
				io_uring_sqe_set_data64(sqe, slot);   /* the buffer comes back free */
			}
		}
		if (nfree == w->qd)
			break;   /* nothing in flight and nothing more to submit */
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			die("io_uring_submit_and_wait: %s", strerror(-ret));
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			if (cqe->res != (int)w->bs)
				die("%s %s: request returned %d (%s)", w->name,
				    r->mars_index >= 0 ? "mars" : "raw", cqe->res,
				    cqe->res < 0 ? strerror(-cqe->res) : "short");
			free_slots[nfree++] = (unsigned int)io_uring_cqe_get_data64(cqe);
			io_uring_cqe_seen(&ring, cqe);
			if (batch_left)
				batch_left--;
			done++;
		}
		if (r->sync_batches && batch_left == 0 && fdatasync(r->fd))
			die("fdatasync: %s", strerror(errno));

		now = mono_ns();
		if (!measuring && !stopping && now >= ramp_end) {
			measuring = true;
			t_start = now;
			done_at_start = done;
		}
		if (!stopping && now >= deadline) {
			stopping = true;
			t_end = now;
			done_at_end = done;
		}
		/* the logger cannot wrap around: stop before LOGDEV is full */
		if (!stopping && r->mars_index >= 0 && done - last_check >= 64) {
			last_check = done;
			if (query((uint32_t)r->mars_index).log_durable + log_margin(w) > B.log_bytes) {
				stopping = true;
				log_full = true;
				t_end = now;
				done_at_end = done;
			}
		}
	}
	io_uring_queue_exit(&ring);
	for (i = 0; i < w->qd; i++)
		free(bufs[i]);

	if (!measuring || t_end <= t_start || done_at_end <= done_at_start) {
		say("%s: no completed request inside the timed window (log device full during the ramp?)",
		    w->name);
		return res;
	}
	res.valid = true;
	res.log_full = log_full;
	res.ops_per_s = (double)(done_at_end - done_at_start) * 1e9 / (double)(t_end - t_start);
	res.mb_per_s = res.ops_per_s * (double)w->bs / 1e6;
	return res;
}

/* ---- one measurement of one workload on one target ------------------------ */

/* Waits until everything logged is written back; returns seconds, <0 on timeout. */
static double drain(uint32_t index)
{
	uint64_t t0 = mono_ns();

	while (query(index).dirty_bytes) {
		if (mono_ns() - t0 > DRAIN_TIMEOUT_NS)
			return -1;
		usleep(2000);
	}
	return (double)(mono_ns() - t0) / 1e9;
}

static struct result measure(const struct workload *w, enum target t)
{
	struct run r = { .w = w, .sync_batches = t == T_RAW_SYNC, .mars_index = -1 };
	struct mars_ctl_query q;
	struct result res;
	uint32_t index = 0;
	bool dev = t == T_PASS || t == T_MARS;

	if (dev) {
		index = add_device(t == T_MARS);
		r.fd = open_device(index);
		if (t == T_MARS)
			r.mars_index = index;
	} else {
		r.fd = open(B.backing, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (r.fd < 0)
			die("open %s: %s", B.backing, strerror(errno));
	}
	res = run_once(&r);
	close(r.fd);
	if (t == T_MARS && w->write) {
		res.drain_s = drain(index);
		q = query(index);
		if (q.write_bytes)
			res.log_ratio = (double)q.log_durable / (double)q.write_bytes;
		if (res.drain_s < 0) {
			say("%s mars: writeback did not finish within %llu s (dirty %llu bytes)",
			    w->name, DRAIN_TIMEOUT_NS / 1000000000ULL,
			    (unsigned long long)q.dirty_bytes);
			B.failures++;
		}
	}
	if (dev) {
		q = query(index);
		if (q.errors || q.log_errors || (t == T_MARS && q.state != MARS_CTL_STATE_LOGGING)) {
			say("%s %s: mars%u has errors %llu, log errors %llu, state %u", w->name,
			    target_name[t], index, (unsigned long long)q.errors,
			    (unsigned long long)q.log_errors, q.state);
			B.failures++;
		}
		remove_device(index);
	}
	if (!res.valid)
		B.failures++;
	return res;
}

/* ---- setup and report ----------------------------------------------------- */

/* crc32c with the SSE4.2 instruction, the one crc32c-intel is built on */
__attribute__((target("sse4.2"))) static uint64_t crc32c_sse42(const uint8_t *p, size_t len)
{
	uint64_t crc = ~0U;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		crc = __builtin_ia32_crc32di(crc, v);
	}
	return crc;
}

/*
 * How fast this (emulated) CPU copies and checksums, in userspace: TCG
 * emulates the crc32 instruction with a helper call, so a CRC costs far
 * more per byte relative to a copy than on real hardware, which skews
 * every ratio that includes the module's record CRCs.
 */
static void calibrate(void)
{
	size_t len = 1 << 20;
	uint8_t *a = alloc_aligned(len), *b = alloc_aligned(len);
	uint64_t t0, n, sink = 0;
	double copy_mbs, crc_mbs = -1;

	memset(a, 0x5a, len);
	t0 = mono_ns();
	for (n = 0; mono_ns() - t0 < 300000000ULL; n++) {
		memcpy(b, a, len);
		a[n % len]++;   /* keeps the compiler from dropping the copies */
	}
	copy_mbs = (double)(n * len) * 1e3 / (double)(mono_ns() - t0);
	if (__builtin_cpu_supports("sse4.2")) {
		t0 = mono_ns();
		for (n = 0; mono_ns() - t0 < 300000000ULL; n++)
			sink += crc32c_sse42(b, len);
		crc_mbs = (double)(n * len) * 1e3 / (double)(mono_ns() - t0);
	}
	say("guest CPU, userspace: memcpy %.0f MB/s, crc32c (SSE4.2 crc32q) %.0f MB/s%s", copy_mbs,
	    crc_mbs, sink == 1 ? " " : "");
	free(a);
	free(b);
}

/* Writes every byte of the first `bytes` of `path` once: brd allocates on write. */
static void prefill(const char *path, uint64_t bytes)
{
	size_t chunk = 1 << 20;
	uint8_t *buf = alloc_aligned(chunk);
	uint64_t off, st = 0x66696c6cULL;
	int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	for (size_t j = 0; j < chunk; j += 8) {
		uint64_t v = xorshift(&st);

		memcpy(buf + j, &v, 8);
	}
	for (off = 0; off + chunk <= bytes; off += chunk)
		if (pwrite(fd, buf, chunk, (off_t)off) != (ssize_t)chunk)
			die("prefill %s at %llu: %s", path, (unsigned long long)off, strerror(errno));
	if (fdatasync(fd))
		die("fdatasync %s: %s", path, strerror(errno));
	close(fd);
	free(buf);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median over the valid rounds of one field; <0 when no round was valid. */
static double median(size_t wi, enum target t, size_t field_offset)
{
	double v[MAX_ROUNDS];
	unsigned int n = 0, i;

	for (i = 0; i < B.rounds; i++)
		if (results[wi][t][i].valid)
			v[n++] = *(const double *)((const char *)&results[wi][t][i] + field_offset);
	if (!n)
		return -1;
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
}

static void fmt_ratio(char *buf, size_t len, double num, double den)
{
	if (num < 0 || den <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", num / den);
}

static void report(void)
{
	size_t wi;
	int t;

	say("%s", "");
	say("results: median of %u round(s), %.1f s each after a %.1f s ramp; MB/s = 10^6 bytes/s",
	    B.rounds, (double)B.run_ns / 1e9, (double)B.ramp_ns / 1e9);
	say("%-18s %-5s %9s %9s %9s %9s %9s %9s %9s", "workload", "unit", "raw", "raw+sync",
	    "pass", "mars", "pass/raw", "mars/raw", "mars/sync");
	for (wi = 0; wi < NR_WORKLOADS; wi++) {
		const struct workload *w = &workloads[wi];
		size_t off = w->seq ? offsetof(struct result, mb_per_s) : offsetof(struct result, ops_per_s);
		double m[T_COUNT];
		char c[T_COUNT][16], rp[16], rm[16], rs[16];

		for (t = 0; t < T_COUNT; t++) {
			m[t] = (!w->write && t == T_RAW_SYNC) ? -1 : median(wi, t, off);
			fmt_num(c[t], sizeof(c[t]), m[t]);
		}
		fmt_ratio(rp, sizeof(rp), m[T_PASS], m[T_RAW]);
		fmt_ratio(rm, sizeof(rm), m[T_MARS], m[T_RAW]);
		fmt_ratio(rs, sizeof(rs), m[T_MARS], m[T_RAW_SYNC]);
		say("%-18s %-5s %9s %9s %9s %9s %9s %9s %9s", w->name, w->seq ? "MB/s" : "IOPS",
		    c[T_RAW], c[T_RAW_SYNC], c[T_PASS], c[T_MARS], rp, rm, rs);
	}
	say("%s", "");
	say("%-18s %9s %9s %9s", "mars writes", "drain s", "log/data", "MB/s+drn");
	for (wi = 0; wi < NR_WORKLOADS; wi++) {
		const struct workload *w = &workloads[wi];
		double mbs = median(wi, T_MARS, offsetof(struct result, mb_per_s));
		double dr = median(wi, T_MARS, offsetof(struct result, drain_s));
		double lr = median(wi, T_MARS, offsetof(struct result, log_ratio));
		char a[16], b[16], c[16];
		double bytes = mbs * (double)B.run_ns / 1e9;   /* MB acknowledged in the window */

		if (!w->write)
			continue;
		fmt_num(a, sizeof(a), dr);
		snprintf(b, sizeof(b), lr < 0 ? "-" : "%.3f", lr);
		/* MB/s if the writeback still due at the end were counted too */
		fmt_num(c, sizeof(c), mbs < 0 || dr < 0 ? -1 : bytes / ((double)B.run_ns / 1e9 + dr));
		say("%-18s %9s %9s %9s", w->name, a, b, c);
	}
	say("%s", "");
	say("raw+sync: batches of QD writes, then fdatasync; mars acknowledges a write only once");
	say("its log record is durable, so raw+sync is the like-for-like baseline (brd has no");
	say("volatile cache: its flush is nearly free). pass: /dev/marsN without a log.");
	say("drain: seconds after the run until writeback had caught up (not in the timed window);");
	say("MB/s+drn: the acknowledged bytes over window + drain. log/data: log bytes per byte written.");
}

int main(int argc, char **argv)
{
	unsigned int round;
	size_t wi;
	int t, fd;

	if (argc != 7)
		die("usage: marsbench BACKING LOGDEV AREA_MIB SECONDS RAMP_MS ROUNDS");
	B.backing = argv[1];
	B.logdev = argv[2];
	B.area = parse_u64(argv[3]) << 20;
	B.run_ns = parse_u64(argv[4]) * 1000000000ULL;
	B.ramp_ns = parse_u64(argv[5]) * 1000000ULL;
	B.rounds = (unsigned int)parse_u64(argv[6]);
	if (!B.area || !B.run_ns || !B.rounds || B.rounds > MAX_ROUNDS)
		die("AREA_MIB and SECONDS must be > 0, ROUNDS 1..%d", MAX_ROUNDS);

	fd = open(B.backing, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || blockdev_bytes(fd, B.backing) < B.area)
		die("%s: missing or smaller than %llu MiB", B.backing,
		    (unsigned long long)(B.area >> 20));
	close(fd);
	fd = open(B.logdev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", B.logdev, strerror(errno));
	B.log_bytes = blockdev_bytes(fd, B.logdev);
	close(fd);
	B.ctl = open(MARS_CTL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (B.ctl < 0)
		die("open %s: %s", MARS_CTL_DEVICE_PATH, strerror(errno));

	say("backing %s (%llu MiB used), log %s (%llu MiB), %u round(s) of %llu s + %llu ms ramp",
	    B.backing, (unsigned long long)(B.area >> 20), B.logdev,
	    (unsigned long long)(B.log_bytes >> 20), B.rounds,
	    (unsigned long long)(B.run_ns / 1000000000ULL),
	    (unsigned long long)(B.ramp_ns / 1000000ULL));
	calibrate();
	/* every page written once, so no run pays for brd's allocations */
	prefill(B.backing, B.area);
	prefill(B.logdev, B.log_bytes);

	/* targets alternate inside each round, so drift hits all of them alike */
	for (round = 0; round < B.rounds; round++) {
		for (wi = 0; wi < NR_WORKLOADS; wi++) {
			const struct workload *w = &workloads[wi];

			for (t = 0; t < T_COUNT; t++) {
				struct result *res = &results[wi][t][round];

				if (t == T_RAW_SYNC && !w->write)
					continue;
				*res = measure(w, (enum target)t);
				if (!res->valid)
					continue;
				say("round %u %-18s %-8s %10.0f IOPS %8.1f MB/s%s", round + 1, w->name,
				    target_name[t], res->ops_per_s, res->mb_per_s,
				    res->log_full ? " (stopped early: log device full)" : "");
			}
		}
	}
	report();
	return B.failures ? 1 : 0;
}
