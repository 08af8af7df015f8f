// SPDX-License-Identifier: GPL-2.0
/*
 * Verifying IO on /dev/marsN. The test keeps a shadow copy of what the device
 * must contain; requests in flight never overlap (a busy map per logical
 * block), so every read has exactly one right answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/fs.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "marstest.h"

#define MT_MAX_IO (128 * 1024)

/* Compares `len` bytes read at `off` with the shadow; reports the first difference. */
static bool mt_same(const struct mt_shadow *s, const uint8_t *buf, uint64_t off, size_t len,
		    const char *what)
{
	const uint8_t *want = s->data + off;
	size_t i;

	if (!memcmp(buf, want, len))
		return true;
	for (i = 0; i < len && buf[i] == want[i]; i++)
		;
	mt_fail("%s: data mismatch at byte %llu (read 0x%02x, want 0x%02x) in %zu bytes at %llu",
		what, (unsigned long long)(off + i), buf[i], want[i], len,
		(unsigned long long)off);
	return false;
}

/* Picks a random range of free blocks and marks it busy. */
static bool mt_pick(struct mt_shadow *s, uint64_t *state, uint64_t first_blk,
		    uint64_t nr_blks, uint64_t *off, uint32_t *len)
{
	uint64_t max_blks = MT_MAX_IO / s->lbs, blk, n, i;
	int tries;

	for (tries = 0; tries < 32; tries++) {
		n = 1 + mt_rand(state) % max_blks;
		if (n > nr_blks)
			n = nr_blks;
		blk = first_blk + mt_rand(state) % (nr_blks - n + 1);
		for (i = 0; i < n && !s->busy[blk + i]; i++)
			;
		if (i < n)
			continue;
		memset(s->busy + blk, 1, n);
		*off = blk * s->lbs;
		*len = (uint32_t)(n * s->lbs);
		return true;
	}
	return false;
}

static void mt_release(struct mt_shadow *s, uint64_t off, uint32_t len)
{
	memset(s->busy + off / s->lbs, 0, len / s->lbs);
}

struct mt_slot {
	uint8_t *buf;
	uint64_t off;
	uint32_t len;
	bool write;
	bool used;
};

/*
 * `ops` random reads and writes (60 % writes, 1 block .. 128 KiB) with up to
 * `depth` of them in flight through io_uring.
 */
void mt_workload_uring(struct mt_shadow *s, unsigned int ops, unsigned int depth)
{
	uint64_t st = s->seed ^ 0x75726e67ULL ^ ops;
	unsigned int submitted = 0, completed = 0, inflight = 0, max_inflight = 0;
	unsigned int errors = 0, i;
	struct io_uring ring;
	struct mt_slot *slots;
	int ret;

	ret = io_uring_queue_init(depth, &ring, 0);
	if (ret)
		mt_die("io_uring_queue_init: %s", strerror(-ret));
	slots = calloc(depth, sizeof(*slots));
	if (!slots)
		mt_die("out of memory");
	for (i = 0; i < depth; i++)
		slots[i].buf = mt_alloc_aligned(MT_MAX_IO);

	while (completed < ops && errors < 10) {
		struct io_uring_cqe *cqe;

		while (submitted < ops && inflight < depth) {
			struct io_uring_sqe *sqe;
			struct mt_slot *sl = NULL;

			for (i = 0; i < depth; i++) {
				if (!slots[i].used) {
					sl = &slots[i];
					break;
				}
			}
			if (!sl || !mt_pick(s, &st, 0, s->bytes / s->lbs, &sl->off, &sl->len))
				break;
			sl->used = true;
			sl->write = mt_rand(&st) % 100 < 60;
			sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				mt_die("io_uring_get_sqe: ring full");
			if (sl->write) {
				mt_fill(sl->buf, sl->len, mt_rand(&st));
				io_uring_prep_write(sqe, s->fd, sl->buf, sl->len, sl->off);
			} else {
				io_uring_prep_read(sqe, s->fd, sl->buf, sl->len, sl->off);
			}
			io_uring_sqe_set_data(sqe, sl);
			submitted++;
			if (++inflight > max_inflight)
				max_inflight = inflight;
		}
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			mt_die("io_uring_submit_and_wait: %s", strerror(-ret));

		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			struct mt_slot *sl = io_uring_cqe_get_data(cqe);

			if (!mt_check(cqe->res == (int)sl->len, "uring %s of %u bytes at %llu: %d (%s)",
				      sl->write ? "write" : "read", sl->len,
				      (unsigned long long)sl->off, cqe->res,
				      cqe->res < 0 ? strerror(-cqe->res) : "short")) {
				errors++;
			} else if (sl->write) {
				memcpy(s->data + sl->off, sl->buf, sl->len);
			} else if (!mt_same(s, sl->buf, sl->off, sl->len, "uring read")) {
				errors++;
			}
			mt_release(s, sl->off, sl->len);
			sl->used = false;
			inflight--;
			completed++;
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	if (errors) {
		/* reap what is still in flight before the buffers go away */
		while (inflight) {
			struct io_uring_cqe *cqe;

			if (io_uring_wait_cqe(&ring, &cqe))
				break;
			io_uring_cqe_seen(&ring, cqe);
			inflight--;
		}
	}
	mt_note("uring: %u requests, up to %u in flight, %u failed", completed, max_inflight,
		errors);
	for (i = 0; i < depth; i++)
		free(slots[i].buf);
	free(slots);
	io_uring_queue_exit(&ring);
}

struct mt_thread {
	struct mt_shadow *s;
	pthread_t tid;
	uint64_t first_blk;
	uint64_t nr_blks;
	unsigned int ops;
	uint64_t seed;
};

/* Each thread owns a slice of the device: blocking pread/pwrite, verified. */
static void *mt_thread_main(void *arg)
{
	struct mt_thread *t = arg;
	struct mt_shadow *s = t->s;
	uint8_t *buf = mt_alloc_aligned(MT_MAX_IO);
	uint64_t st = t->seed, off;
	unsigned int i;
	uint32_t len;

	for (i = 0; i < t->ops; i++) {
		bool write = mt_rand(&st) % 2;
		ssize_t n;

		if (!mt_pick(s, &st, t->first_blk, t->nr_blks, &off, &len))
			continue;
		if (write) {
			mt_fill(buf, len, mt_rand(&st));
			n = pwrite(s->fd, buf, len, (off_t)off);
			if (!mt_check(n == (ssize_t)len, "thread write %u at %llu: %zd (%s)", len,
				      (unsigned long long)off, n, strerror(errno)))
				break;
			memcpy(s->data + off, buf, len);
		} else {
			n = pread(s->fd, buf, len, (off_t)off);
			if (!mt_check(n == (ssize_t)len, "thread read %u at %llu: %zd (%s)", len,
				      (unsigned long long)off, n, strerror(errno)) ||
			    !mt_same(s, buf, off, len, "thread read"))
				break;
		}
		mt_release(s, off, len);
	}
	free(buf);
	return NULL;
}

void mt_workload_threads(struct mt_shadow *s, unsigned int threads, unsigned int ops)
{
	uint64_t blks = s->bytes / s->lbs, per = blks / threads;
	struct mt_thread t[16];
	unsigned int i;

	if (threads > 16)
		threads = 16;
	for (i = 0; i < threads; i++) {
		t[i] = (struct mt_thread){
			.s = s, .first_blk = i * per, .nr_blks = per, .ops = ops,
			.seed = s->seed ^ (0x74687264ULL + i),
		};
		if (pthread_create(&t[i].tid, NULL, mt_thread_main, &t[i]))
			mt_die("pthread_create failed");
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i].tid, NULL);
	mt_note("threads: %u threads x %u requests", threads, ops);
}

void mt_verify_all(struct mt_shadow *s, int fd, const char *what)
{
	size_t chunk = 1 << 20;
	uint8_t *buf = mt_alloc_aligned(chunk);
	uint64_t off;

	for (off = 0; off < s->bytes; off += chunk) {
		size_t len = s->bytes - off < chunk ? s->bytes - off : chunk;
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (!mt_check(n == (ssize_t)len, "verify %s: read at %llu: %zd (%s)", what,
			      (unsigned long long)off, n, strerror(errno)) ||
		    !mt_check(mt_same(s, buf, off, len, what), "verify %s failed", what))
			break;
	}
	if (off >= s->bytes)
		mt_note("verified all %llu bytes of %s", (unsigned long long)s->bytes, what);
	free(buf);
}

static struct mars_ctl_query mt_counters(struct mt_shadow *s)
{
	struct mars_ctl_query q;
	long ret = mt_query(s->ctl, s->index, &q);

	if (ret)
		mt_die("QUERY mars%u: %s", s->index, strerror((int)-ret));
	return q;
}

/* Writes a pattern at [off, off + len) and records it in the shadow. */
static void mt_write_pattern(struct mt_shadow *s, uint64_t off, size_t len, uint64_t seed)
{
	uint8_t *buf = mt_alloc_aligned(len);
	ssize_t n;

	mt_fill(buf, len, seed);
	n = pwrite(s->fd, buf, len, (off_t)off);
	if (mt_check(n == (ssize_t)len, "write %zu at %llu: %zd (%s)", len,
		     (unsigned long long)off, n, strerror(errno)))
		memcpy(s->data + off, buf, len);
	free(buf);
}

/* fsync() must reach the driver as a flush, RWF_DSYNC as a FUA write. */
void mt_flush_fua(struct mt_shadow *s)
{
	struct mars_ctl_query q0, q1, q2;
	uint8_t *buf = mt_alloc_aligned(8192);
	struct iovec iov = { .iov_base = buf, .iov_len = 8192 };
	uint64_t off = s->bytes / 3 / s->lbs * s->lbs;
	ssize_t n;

	mt_write_pattern(s, 0, 65536, s->seed ^ 1);
	q0 = mt_counters(s);
	mt_check(fsync(s->fd) == 0, "fsync: %s", strerror(errno));
	q1 = mt_counters(s);
	mt_check(q1.flush_ios > q0.flush_ios, "fsync did not reach mars%u as a flush (%llu -> %llu)",
		 s->index, (unsigned long long)q0.flush_ios, (unsigned long long)q1.flush_ios);

	mt_fill(buf, 8192, s->seed ^ 2);
	n = pwritev2(s->fd, &iov, 1, (off_t)off, RWF_DSYNC);
	if (mt_check(n == 8192, "pwritev2 RWF_DSYNC: %zd (%s)", n, strerror(errno)))
		memcpy(s->data + off, buf, 8192);
	q2 = mt_counters(s);
	mt_check(q2.fua_ios > q1.fua_ios, "RWF_DSYNC write did not reach mars%u as FUA (%llu -> %llu)",
		 s->index, (unsigned long long)q1.fua_ios, (unsigned long long)q2.fua_ios);
	mt_check(fdatasync(s->fd) == 0, "fdatasync: %s", strerror(errno));
	mt_note("flush/FUA: flushes %llu -> %llu, FUA writes %llu -> %llu",
		(unsigned long long)q0.flush_ios, (unsigned long long)q1.flush_ios,
		(unsigned long long)q1.fua_ios, (unsigned long long)q2.fua_ios);
	free(buf);
}

/* Checks that [off, off + len) reads back as zeroes. */
static void mt_expect_zero(struct mt_shadow *s, uint64_t off, size_t len, const char *what)
{
	uint8_t *buf = mt_alloc_aligned(len);
	ssize_t n = pread(s->fd, buf, len, (off_t)off);
	size_t i;

	if (mt_check(n == (ssize_t)len, "%s: read back: %zd (%s)", what, n, strerror(errno))) {
		for (i = 0; i < len && !buf[i]; i++)
			;
		mt_check(i == len, "%s: byte %llu is 0x%02x after it, want 0", what,
			 (unsigned long long)(off + i), i < len ? buf[i] : 0);
	}
	free(buf);
}

/* Discard and write zeroes: both must leave zeroes, counted by the driver. */
void mt_discard_zero(struct mt_shadow *s)
{
	struct {
		unsigned long req;
		const char *name;
		uint64_t off;
		uint64_t len;
	} r[] = {
		{ BLKDISCARD, "BLKDISCARD", s->bytes / 4 / s->lbs * s->lbs, 1 << 20 },
		{ BLKDISCARD, "BLKDISCARD (small)", 7ULL * s->lbs, 3ULL * s->lbs },
		{ BLKZEROOUT, "BLKZEROOUT", (s->bytes / 2 / s->lbs + 5) * s->lbs,
		  256 * 1024 + s->lbs },
	};
	struct mars_ctl_query q0, q1;
	unsigned int i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		mt_write_pattern(s, r[i].off, r[i].len, s->seed ^ (0x200 + i));
	q0 = mt_counters(s);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		uint64_t range[2] = { r[i].off, r[i].len };

		if (!mt_check(ioctl(s->fd, r[i].req, range) == 0, "%s of %llu at %llu: %s",
			      r[i].name, (unsigned long long)r[i].len,
			      (unsigned long long)r[i].off, strerror(errno)))
			continue;
		memset(s->data + r[i].off, 0, r[i].len);
		mt_expect_zero(s, r[i].off, r[i].len, r[i].name);
	}
	q1 = mt_counters(s);
	mt_check(q1.discard_ios >= q0.discard_ios + 3,
		 "discard/write zeroes requests counted %llu -> %llu, want at least 3 more",
		 (unsigned long long)q0.discard_ios, (unsigned long long)q1.discard_ios);
	mt_note("discard/zeroout: %llu -> %llu requests", (unsigned long long)q0.discard_ios,
		(unsigned long long)q1.discard_ios);
}
