// SPDX-License-Identifier: GPL-2.0
/*
 * Crash consistency, guest side: a logged device whose log is a raw disk,
 * many writers, and a line "ACK <block> <version>" on stdout (the serial
 * console) after every write that completed. The host kills qemu while
 * they write, replays the log disk with the userspace reader and checks
 * that every acknowledged write is there (tests/kmod/host/crash_check.cpp).
 *
 * Block format (4096 bytes, little-endian), shared with crash_check.cpp:
 *   0  "MARSCRSH"
 *   8  block number (device offset / 4096)
 *  16  version: 1, 2, ... per block
 *  24  FNV-1a 64 of bytes 0..23 and 32..4095
 *  32  pseudo-random filler
 * Each block belongs to one writer thread, so versions of a block are
 * written one after the other, each only after the previous one completed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "marstest.h"

#define CRASH_BLOCK 4096
#define CRASH_HEAD 32

struct crash_writer {
	int fd;
	unsigned int id;
	unsigned int threads;
	uint64_t blocks;
	uint64_t *versions;   /* per block; only this writer's blocks are touched */
	time_t deadline;
	pthread_t tid;
};

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void crash_block(uint8_t *buf, uint64_t block, uint64_t version)
{
	uint64_t h;

	memcpy(buf, "MARSCRSH", 8);
	memcpy(buf + 8, &block, 8);
	memcpy(buf + 16, &version, 8);
	mt_fill(buf + CRASH_HEAD, CRASH_BLOCK - CRASH_HEAD, block << 32 ^ version);
	h = fnv1a(0xcbf29ce484222325ULL, buf, 24);
	h = fnv1a(h, buf + CRASH_HEAD, CRASH_BLOCK - CRASH_HEAD);
	memcpy(buf + 24, &h, 8);
}

static void *crash_writer_main(void *arg)
{
	struct crash_writer *w = arg;
	uint8_t *buf = mt_alloc_aligned(CRASH_BLOCK);
	uint64_t st = 0x63726173ULL + w->id, mine = w->blocks / w->threads;
	char line[64];

	while (time(NULL) < w->deadline) {
		uint64_t block = (mt_rand(&st) % mine) * w->threads + w->id;
		uint64_t version = w->versions[block] + 1;
		ssize_t n;
		int len;

		crash_block(buf, block, version);
		n = pwrite(w->fd, buf, CRASH_BLOCK, (off_t)(block * CRASH_BLOCK));
		if (!mt_check(n == CRASH_BLOCK, "crash writer %u: block %llu: %zd (%s)", w->id,
			      (unsigned long long)block, n, strerror(errno)))
			break;
		w->versions[block] = version;
		/* one write() per line: lines of different writers do not mix */
		len = snprintf(line, sizeof(line), "ACK %llu %llu\n", (unsigned long long)block,
			       (unsigned long long)version);
		if (write(STDOUT_FILENO, line, (size_t)len) != len)
			mt_die("writing to the console: %s", strerror(errno));
	}
	free(buf);
	return NULL;
}

/*
 * marstest crash BACKING BYTES LOGDEV THREADS SECONDS: logs to the raw
 * disk LOGDEV from offset 0, seq 1; writes until the host kills the guest.
 * Returning (after SECONDS) means no kill came: a failure.
 */
void mt_crash(const char *backing, uint64_t bytes, const char *logdev, unsigned int threads,
	      unsigned int seconds)
{
	struct crash_writer w[16];
	struct mars_ctl_add_device a;
	uint64_t *versions;
	int ctl = mt_ctl_open(), bfd, lfd, fd;
	char path[32];
	unsigned int i;
	long idx;

	if (threads > 16)
		threads = 16;
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	lfd = open(logdev, O_RDWR | O_CLOEXEC);
	if (bfd < 0 || lfd < 0)
		mt_die("open %s / %s: %s", backing, logdev, strerror(errno));
	mt_add_init(&a, bfd, bytes, "r-crash", MARS_CTL_ADD_F_LOG);
	a.log_fd = lfd;
	a.log_offset = 0;
	a.log_next_seq = 1;
	idx = mt_ioctl(ctl, MARS_CTL_ADD_DEVICE, &a);
	close(bfd);
	close(lfd);
	if (!mt_check(idx >= 0, "ADD_DEVICE with the log on %s: %s", logdev, strerror((int)-idx)))
		exit(1);
	mt_note("crash: mars%ld logs to %s, dev_flags 0x%x; %u writers of %d-byte blocks", idx,
		logdev, a.dev_flags, threads, CRASH_BLOCK);
	snprintf(path, sizeof(path), "/dev/mars%ld", idx);
	fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	versions = calloc(bytes / CRASH_BLOCK, sizeof(*versions));
	if (fd < 0 || !versions)
		mt_die("open %s: %s", path, strerror(errno));

	for (i = 0; i < threads; i++) {
		w[i] = (struct crash_writer){
			.fd = fd, .id = i, .threads = threads, .blocks = bytes / CRASH_BLOCK,
			.versions = versions, .deadline = time(NULL) + seconds,
		};
		if (pthread_create(&w[i].tid, NULL, crash_writer_main, &w[i]))
			mt_die("pthread_create failed");
	}
	for (i = 0; i < threads; i++)
		pthread_join(w[i].tid, NULL);
	mt_fail("crash: still running after %u s, the host did not kill the guest", seconds);
}
