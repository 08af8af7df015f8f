/* SPDX-License-Identifier: GPL-2.0 */
/*
 * marstest: the test program tests/kmod/run puts into the guest. It talks
 * to /dev/mars-control and /dev/marsN and reports every failed check as a
 * "KMODTEST: FAIL:" line; its exit code is non-zero when a check failed.
 */
#ifndef MARSTEST_H
#define MARSTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars_ctl.h"

extern unsigned int mt_failures;
extern unsigned int mt_checks;

void mt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Counts a check; reports it when it failed. Returns `ok`. */
bool mt_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exits with a FAIL line: for setup errors after which nothing makes sense. */
void mt_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Control device helpers: return the ioctl result or -errno. */
int mt_ctl_open(void);
long mt_ioctl(int fd, unsigned long cmd, void *arg);
void mt_add_init(struct mars_ctl_add_device *a, int backing_fd, uint64_t bytes, const char *name,
		 uint32_t flags);
long mt_add(int ctl, int backing_fd, uint64_t bytes, const char *name, uint32_t flags,
	    struct mars_ctl_add_device *out);
long mt_remove(int ctl, uint32_t index);
long mt_query(int ctl, uint32_t index, struct mars_ctl_query *out);

uint64_t mt_parse_u64(const char *s);
/* Reads a (sysfs) file into buf, NUL-terminated. */
bool mt_read_sysfs(const char *path, char *buf, size_t len);
/* 4096-aligned memory for direct IO; dies when out of memory. */
void *mt_alloc_aligned(size_t len);

/* Random numbers (xorshift64*), deterministic per seed. */
uint64_t mt_rand(uint64_t *state);
void mt_fill(void *buf, size_t len, uint64_t seed);

/* hostile.c: argument checks of every ioctl; regular file of >= 1 MiB. */
void mt_hostile(const char *scratch_file, uint64_t fuzz_rounds);

/* workload.c: verifying IO on an open /dev/marsN. */
struct mt_shadow {
	int fd;              /* /dev/marsN, O_RDWR | O_DIRECT */
	int ctl;             /* /dev/mars-control, for QUERY */
	uint32_t index;      /* N of /dev/marsN */
	uint64_t bytes;
	unsigned int lbs;    /* logical block size of the device */
	uint8_t *data;       /* what the device must contain */
	uint8_t *busy;       /* per logical block: part of a request in flight */
	uint64_t seed;
};

/*
 * Opens /dev/marsN (O_DIRECT) for a workload and sets up the shadow: the
 * device is zeroed (`zero`), or the shadow starts as what the device holds.
 */
void mt_shadow_start(struct mt_shadow *s, int ctl, uint32_t index, uint64_t bytes,
		     unsigned int lbs, bool zero);
void mt_shadow_end(struct mt_shadow *s);
void mt_workload_uring(struct mt_shadow *s, unsigned int ops, unsigned int depth);
void mt_workload_threads(struct mt_shadow *s, unsigned int threads, unsigned int ops);
void mt_verify_all(struct mt_shadow *s, int fd, const char *what);
void mt_discard_zero(struct mt_shadow *s);
void mt_flush_fua(struct mt_shadow *s);

/* logged.c: devices with a transaction log (MARS_CTL_ADD_F_LOG). */
void mt_logged(const char *mode, const char *backing, uint64_t bytes, const char *name,
	       const char *outdir, unsigned int ops);
void mt_logged_mixed(const char *backing, const char *name, const char *outdir,
		     const char *hostdir, unsigned int ops);

/* crash.c: writers that announce every acknowledged write, until killed. */
void mt_crash(const char *backing, uint64_t bytes, const char *logdev, unsigned int threads,
	      unsigned int seconds);

#endif /* MARSTEST_H */
