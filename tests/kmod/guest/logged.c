// SPDX-License-Identifier: GPL-2.0
/*
 * Devices with a transaction log (MARS_CTL_ADD_F_LOG): the verifying
 * workloads of workload.c run on a logged device whose logfiles lie on
 * tmpfs, and the guest checks what it can see itself: device state, QUERY
 * against sysfs, poll() notification, writeback reaching the backing
 * device, rotation and emergency mode.
 *
 * The logfiles themselves are checked on the host (tests/kmod/host,
 * kmod_log_check): every case leaves its logfiles, the image the device
 * must hold and one line in OUTDIR/manifest saying what to expect, e.g.
 *
 *   case logged first_seq=1000 min_stamp=... kernel_from=0 device_bytes=8388608
 *        direct=1 end=clean min_fua=1 min_zeroes=3 image=logged.img
 *        logs=logged-1.log,logged-2.log
 *
 * (one line). init.sh copies OUTDIR to a disk the host reads afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "marstest.h"

#define MAX_LOGS 64
/* Bound for waiting on writeback; TCG is slow, but not this slow. */
#define WRITEBACK_TIMEOUT_MS 60000

/* One logged device and the logfiles it has written so far. */
struct logdev {
	int ctl;
	uint32_t index;
	uint32_t dev_flags;
	uint64_t first_seq;
	uint64_t min_stamp;
	uint64_t kernel_from;       /* logfile offset of the first kernel record */
	const char *name;
	const char *outdir;
	char logs[MAX_LOGS][80];    /* names in outdir, by generation */
	uint64_t ends[MAX_LOGS];    /* final size of each finished logfile */
	unsigned int nlogs;
	struct mt_shadow s;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t elapsed_ms(uint64_t start_ns)
{
	return (mono_ns() - start_ns) / 1000000;
}

static void attr_path(char *path, size_t len, const struct logdev *d, const char *attr)
{
	snprintf(path, len, "/sys/block/mars%u/mars/%s", d->index, attr);
}

static struct mars_ctl_query query(const struct logdev *d)
{
	struct mars_ctl_query q;
	long ret = mt_query(d->ctl, d->index, &q);

	if (ret)
		mt_die("QUERY mars%u: %s", d->index, strerror((int)-ret));
	return q;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		mt_die("stat %s: %s", path, strerror(errno));
	return (uint64_t)st.st_size;
}

static void log_path(char *path, size_t len, const struct logdev *d, unsigned int i)
{
	snprintf(path, len, "%s/%s", d->outdir, d->logs[i]);
}

/* Creates the empty logfile of the next generation; returns its fd. */
static int new_logfile(struct logdev *d)
{
	char path[160];
	int fd;

	if (d->nlogs == MAX_LOGS)
		mt_die("more than %d logfiles", MAX_LOGS);
	snprintf(d->logs[d->nlogs], sizeof(d->logs[0]), "%s-%u.log", d->name, d->nlogs + 1);
	log_path(path, sizeof(path), d, d->nlogs);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		mt_die("create %s: %s", path, strerror(errno));
	d->nlogs++;
	return fd;
}

static void expect_state(const struct logdev *d, uint32_t state, const char *word)
{
	struct mars_ctl_query q = query(d);
	char path[80], buf[64];

	mt_check(q.state == state, "mars%u: QUERY state %u, want %u (%s)", d->index, q.state,
		 state, word);
	attr_path(path, sizeof(path), d, "state");
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && !strncmp(buf, word, strlen(word)) &&
		 buf[strlen(word)] == '\n', "%s reads '%s', want '%s'", path, buf, word);
}

/*
 * ADD_DEVICE with a log; on success the device is open in d->s (zeroed,
 * or read into the shadow when !zero).
 */
static void logdev_add(struct logdev *d, const char *backing, uint64_t bytes, int log_fd,
		       uint64_t log_offset, bool zero)
{
	struct mars_ctl_add_device a;
	struct mars_ctl_query q;
	int bfd = open(backing, O_RDWR | O_CLOEXEC);
	long idx;

	if (bfd < 0)
		mt_die("open %s: %s", backing, strerror(errno));
	d->ctl = mt_ctl_open();
	mt_add_init(&a, bfd, bytes, d->name, MARS_CTL_ADD_F_LOG);
	a.log_fd = log_fd;
	a.log_offset = log_offset;
	a.log_next_seq = d->first_seq;
	a.log_min_stamp_ns = d->min_stamp;
	idx = mt_ioctl(d->ctl, MARS_CTL_ADD_DEVICE, &a);
	close(bfd);
	if (!mt_check(idx >= 0, "ADD_DEVICE %s with a log: %s", d->name, strerror((int)-idx)))
		exit(1);
	d->index = (uint32_t)idx;
	d->dev_flags = a.dev_flags;
	d->kernel_from = log_offset;
	mt_note("mars%u (%s): dev_flags 0x%x, log from offset %llu, seq %llu", d->index, d->name,
		a.dev_flags, (unsigned long long)log_offset, (unsigned long long)d->first_seq);
	mt_check(a.dev_flags & MARS_CTL_DEV_F_LOG, "mars%u: dev_flags 0x%x without LOG", d->index,
		 a.dev_flags);
	if (a.dev_flags & MARS_CTL_DEV_F_LOG_DIRECT)
		mt_check(log_offset % MARS_CTL_LOG_ALIGN == 0,
			 "mars%u: direct IO on the log from offset %llu (not aligned)", d->index,
			 (unsigned long long)log_offset);

	q = query(d);
	mt_check(q.log_generation == 1 && q.log_next_seq == d->first_seq &&
		 q.log_durable == log_offset && q.dirty_bytes == 0 && q.log_errors == 0,
		 "mars%u fresh: generation %u, next seq %llu (want %llu), durable %llu (want %llu), dirty %llu, log errors %llu",
		 d->index, q.log_generation, (unsigned long long)q.log_next_seq,
		 (unsigned long long)d->first_seq, (unsigned long long)q.log_durable,
		 (unsigned long long)log_offset, (unsigned long long)q.dirty_bytes,
		 (unsigned long long)q.log_errors);
	expect_state(d, MARS_CTL_STATE_LOGGING, "logging");
	mt_shadow_start(&d->s, d->ctl, d->index, bytes, a.logical_block_size, zero);
}

/* Reads "<a> <b> <c>\n" from a sysfs attribute. */
static bool read_triple(const char *path, uint64_t v[3])
{
	char buf[128];
	unsigned long long x, y, z;

	if (!mt_read_sysfs(path, buf, sizeof(buf)) || sscanf(buf, "%llu %llu %llu", &x, &y, &z) != 3)
		return false;
	v[0] = x;
	v[1] = y;
	v[2] = z;
	return true;
}

/* On an idle device, QUERY and the sysfs attributes must tell the same. */
static void check_positions(const struct logdev *d, const char *when)
{
	struct mars_ctl_query q = query(d);
	uint64_t lp[3] = { 0 }, wp[3] = { 0 };
	char path[80], buf[64];

	attr_path(path, sizeof(path), d, "log_position");
	mt_check(read_triple(path, lp) && lp[0] == q.log_generation && lp[1] == q.log_durable &&
		 lp[2] == q.log_next_seq,
		 "%s: %s is '%llu %llu %llu', QUERY says %u %llu %llu", when, path,
		 (unsigned long long)lp[0], (unsigned long long)lp[1], (unsigned long long)lp[2],
		 q.log_generation, (unsigned long long)q.log_durable,
		 (unsigned long long)q.log_next_seq);
	attr_path(path, sizeof(path), d, "writeback_position");
	mt_check(read_triple(path, wp) && wp[0] == q.writeback_generation &&
		 wp[1] == q.writeback_offset && wp[2] == q.writeback_seq,
		 "%s: %s is '%llu %llu %llu', QUERY says %u %llu %llu", when, path,
		 (unsigned long long)wp[0], (unsigned long long)wp[1], (unsigned long long)wp[2],
		 q.writeback_generation, (unsigned long long)q.writeback_offset,
		 (unsigned long long)q.writeback_seq);
	attr_path(path, sizeof(path), d, "dirty_bytes");
	mt_check(mt_read_sysfs(path, buf, sizeof(buf)) && mt_parse_u64(strtok(buf, "\n")) == q.dirty_bytes,
		 "%s: %s is '%s', QUERY says %llu", when, path, buf,
		 (unsigned long long)q.dirty_bytes);
	/* writeback never passes the log */
	mt_check(q.writeback_generation <= q.log_generation &&
		 (q.writeback_generation < q.log_generation || q.writeback_offset <= q.log_durable) &&
		 q.writeback_seq < q.log_next_seq && q.log_errors == 0,
		 "%s: writeback %u/%llu/seq %llu beyond log %u/%llu/next seq %llu, or log errors %llu",
		 when, q.writeback_generation, (unsigned long long)q.writeback_offset,
		 (unsigned long long)q.writeback_seq, q.log_generation,
		 (unsigned long long)q.log_durable, (unsigned long long)q.log_next_seq,
		 (unsigned long long)q.log_errors);
}

/* Opens a sysfs attribute for poll() and reads it (which arms the next wakeup). */
static int open_armed(const struct logdev *d, const char *attr, char *buf, size_t len)
{
	char path[80];
	ssize_t n;
	int fd;

	attr_path(path, sizeof(path), d, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		mt_die("open %s: %s", path, strerror(errno));
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	return fd;
}

/* Waits up to `ms` for sysfs_notify() on fd; then re-reads it. */
static bool wait_notify(int fd, int ms, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI | POLLERR };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0 || !(p.revents & (POLLPRI | POLLERR)))
		return false;
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	return true;
}

/*
 * Waits (bounded) until everything logged is written back, sleeping in
 * poll() on writeback_position, as the daemon will.
 */
static void wait_written_back(const struct logdev *d)
{
	uint64_t start = mono_ns(), wakeups = 0;
	struct mars_ctl_query q;
	char buf[128];
	int fd = open_armed(d, "writeback_position", buf, sizeof(buf));

	for (;;) {
		q = query(d);
		if (q.dirty_bytes == 0 || elapsed_ms(start) > WRITEBACK_TIMEOUT_MS)
			break;
		if (wait_notify(fd, 1000, buf, sizeof(buf)))
			wakeups++;
	}
	close(fd);
	mt_check(q.dirty_bytes == 0, "mars%u: %llu bytes still dirty after %d s", d->index,
		 (unsigned long long)q.dirty_bytes, WRITEBACK_TIMEOUT_MS / 1000);
	mt_note("mars%u: written back after %llu ms, %llu writeback_position wakeups", d->index,
		(unsigned long long)elapsed_ms(start), (unsigned long long)wakeups);
}

/*
 * A write must wake a poll() on log_position (it is logged) and later one on
 * writeback_position (it is written back), and both positions must move.
 */
static void check_position_poll(struct logdev *d)
{
	char log_before[128], log_after[128], wb_before[128], wb_after[128];
	uint8_t *buf = mt_alloc_aligned(4096);
	int log_fd = open_armed(d, "log_position", log_before, sizeof(log_before));
	int wb_fd = open_armed(d, "writeback_position", wb_before, sizeof(wb_before));
	ssize_t n;

	mt_fill(buf, 4096, d->s.seed ^ 0x706f6c6cULL);
	n = pwrite(d->s.fd, buf, 4096, 0);
	if (mt_check(n == 4096, "write before poll: %zd (%s)", n, strerror(errno)))
		memcpy(d->s.data, buf, 4096);
	strcpy(log_after, log_before);
	mt_check(wait_notify(log_fd, 10000, log_after, sizeof(log_after)),
		 "mars%u: poll on log_position did not wake within 10 s after a write", d->index);
	mt_check(strcmp(log_before, log_after) != 0, "mars%u: log_position still '%s' after a write",
		 d->index, strtok(log_after, "\n"));
	strcpy(wb_after, wb_before);
	mt_check(wait_notify(wb_fd, WRITEBACK_TIMEOUT_MS, wb_after, sizeof(wb_after)),
		 "mars%u: poll on writeback_position did not wake within %d s after a write",
		 d->index, WRITEBACK_TIMEOUT_MS / 1000);
	mt_check(strcmp(wb_before, wb_after) != 0,
		 "mars%u: writeback_position still '%s' after a write was written back", d->index,
		 strtok(wb_after, "\n"));
	close(log_fd);
	close(wb_fd);
	free(buf);
}

/* The backing device or file must hold what the shadow says. */
static void verify_backing(struct mt_shadow *s, const char *backing)
{
	int bfd = open(backing, O_RDONLY | O_DIRECT | O_CLOEXEC);

	if (bfd < 0 && errno == EINVAL)
		bfd = open(backing, O_RDONLY | O_CLOEXEC); /* tmpfs before 6.6 */
	if (bfd < 0)
		mt_die("open %s: %s", backing, strerror(errno));
	mt_verify_all(s, bfd, backing);
	close(bfd);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd))
		mt_die("writing %s: %s", path, strerror(errno));
}

/* Records in OUTDIR/manifest what the host verifier must find. */
static void manifest(const struct logdev *d, const char *end, bool image, unsigned int min_fua,
		     unsigned int min_zeroes)
{
	char path[160], logs[MAX_LOGS * 81] = "";
	unsigned int i;
	FILE *f;

	if (image) {
		snprintf(path, sizeof(path), "%s/%s.img", d->outdir, d->name);
		write_file(path, d->s.data, d->s.bytes);
	}
	for (i = 0; i < d->nlogs; i++) {
		if (i)
			strcat(logs, ",");
		strcat(logs, d->logs[i]);
	}
	snprintf(path, sizeof(path), "%s/manifest", d->outdir);
	f = fopen(path, "a");
	if (!f)
		mt_die("open %s: %s", path, strerror(errno));
	fprintf(f, "case %s first_seq=%llu min_stamp=%llu kernel_from=%llu device_bytes=%llu direct=%d end=%s min_fua=%u min_zeroes=%u image=%s%s logs=%s\n",
		d->name, (unsigned long long)d->first_seq, (unsigned long long)d->min_stamp,
		(unsigned long long)d->kernel_from, (unsigned long long)d->s.bytes,
		!!(d->dev_flags & MARS_CTL_DEV_F_LOG_DIRECT), end, min_fua, min_zeroes,
		image ? d->name : "-", image ? ".img" : "", logs);
	fclose(f);
}

/* Finished logfiles keep the size the rotation reported. */
static void check_finished_logs(const struct logdev *d)
{
	char path[160];
	unsigned int i;

	for (i = 0; i + 1 < d->nlogs; i++) {
		log_path(path, sizeof(path), d, i);
		mt_check(file_size(path) == d->ends[i],
			 "%s grew after its rotation: %llu bytes, rotation said %llu", path,
			 (unsigned long long)file_size(path), (unsigned long long)d->ends[i]);
	}
}

/* REMOVE_DEVICE writes everything back first: the backing file is complete. */
static void logdev_remove(struct logdev *d, const char *backing)
{
	long ret;

	close(d->s.fd);
	d->s.fd = -1;
	ret = mt_remove(d->ctl, d->index);
	mt_check(ret == 0, "REMOVE of logged mars%u: %s", d->index, strerror((int)-ret));
	verify_backing(&d->s, backing);
	check_finished_logs(d);
	mt_shadow_end(&d->s);
	close(d->ctl);
}

/* ROTATE_LOG onto a fresh logfile, with every check of its result. */
static void rotate_once(struct logdev *d)
{
	struct mars_ctl_rotate_log r;
	char old[160];
	unsigned int old_i = d->nlogs - 1;
	long ret;

	memset(&r, 0, sizeof(r));
	r.version = MARS_CTL_VERSION;
	r.size = sizeof(r);
	r.index = d->index;
	r.log_fd = new_logfile(d);
	ret = mt_ioctl(d->ctl, MARS_CTL_ROTATE_LOG, &r);
	close(r.log_fd);
	log_path(old, sizeof(old), d, old_i);
	if (!mt_check(ret == 0, "ROTATE_LOG to %s: %s", d->logs[d->nlogs - 1], strerror((int)-ret))) {
		d->nlogs--;
		return;
	}
	d->ends[old_i] = r.old_end_offset;
	mt_check(r.generation == d->nlogs, "ROTATE_LOG: generation %u, want %u", r.generation,
		 d->nlogs);
	mt_check(file_size(old) == r.old_end_offset, "ROTATE_LOG: %s has %llu bytes, old_end_offset %llu",
		 old, (unsigned long long)file_size(old), (unsigned long long)r.old_end_offset);
	mt_check(!(d->dev_flags & MARS_CTL_DEV_F_LOG_DIRECT) ||
		 r.old_end_offset % MARS_CTL_LOG_ALIGN == 0,
		 "ROTATE_LOG: direct IO log %s ends at %llu, not aligned", old,
		 (unsigned long long)r.old_end_offset);
	mt_check(r.marker_seq >= d->first_seq, "ROTATE_LOG: marker seq %llu before the first %llu",
		 (unsigned long long)r.marker_seq, (unsigned long long)d->first_seq);
}

struct rotator {
	struct logdev *d;
	unsigned int every;   /* rotate after this many more completed writes */
	atomic_bool stop;
	unsigned int rotations;
	pthread_t tid;
};

static void *rotator_main(void *arg)
{
	struct rotator *r = arg;
	uint64_t last = query(r->d).write_ios;

	while (!atomic_load(&r->stop)) {
		struct mars_ctl_query q = query(r->d);

		if (q.write_ios >= last + r->every) {
			rotate_once(r->d);
			r->rotations++;
			last = q.write_ios;
		}
		usleep(2000);
	}
	return NULL;
}

struct uring_job {
	struct mt_shadow *s;
	unsigned int ops;
	pthread_t tid;
};

static void *uring_main(void *arg)
{
	struct uring_job *j = arg;

	mt_workload_uring(j->s, j->ops, 64);
	return NULL;
}

/* Step a: every workload on a logged device, then writeback and positions. */
static void run_full(struct logdev *d, const char *backing, unsigned int ops)
{
	struct mars_ctl_query q;
	char path[160];

	mt_workload_uring(&d->s, ops, 64);
	mt_workload_threads(&d->s, 4, ops / 8);
	mt_flush_fua(&d->s);
	mt_discard_zero(&d->s);
	check_position_poll(d);

	wait_written_back(d);
	check_positions(d, "after writeback");
	q = query(d);
	mt_check(q.log_next_seq - d->first_seq >= q.write_ios + q.discard_ios,
		 "mars%u: %llu records for %llu writes and %llu discards", d->index,
		 (unsigned long long)(q.log_next_seq - d->first_seq), (unsigned long long)q.write_ios,
		 (unsigned long long)q.discard_ios);
	log_path(path, sizeof(path), d, 0);
	mt_check(file_size(path) == q.log_durable, "idle mars%u: %s has %llu bytes, durable %llu",
		 d->index, path, (unsigned long long)file_size(path),
		 (unsigned long long)q.log_durable);
	mt_check(q.writeback_generation == 1 && q.writeback_seq >= d->first_seq,
		 "mars%u: writeback position %u/seq %llu after writeback", d->index,
		 q.writeback_generation, (unsigned long long)q.writeback_seq);
	mt_verify_all(&d->s, d->s.fd, "logged device");
	verify_backing(&d->s, backing);
	mt_note("mars%u: %llu writes, %llu discards, log at %llu, next seq %llu", d->index,
		(unsigned long long)q.write_ios, (unsigned long long)q.discard_ios,
		(unsigned long long)q.log_durable, (unsigned long long)q.log_next_seq);
	manifest(d, "clean", true, 1, 3);
}

/* Step b: ROTATE_LOG every few hundred writes while io_uring runs. */
static void run_rotate(struct logdev *d, unsigned int ops)
{
	struct rotator r = { .d = d, .every = 60 };
	struct mars_ctl_query q;

	if (pthread_create(&r.tid, NULL, rotator_main, &r))
		mt_die("pthread_create failed");
	mt_workload_uring(&d->s, ops, 64);
	atomic_store(&r.stop, true);
	pthread_join(r.tid, NULL);
	rotate_once(d); /* and one on an idle device */
	r.rotations++;
	mt_workload_threads(&d->s, 2, ops / 8);
	q = query(d);
	mt_check(q.log_generation == d->nlogs && r.rotations >= 2,
		 "mars%u: generation %u after %u rotations into %u logfiles", d->index,
		 q.log_generation, r.rotations, d->nlogs);
	check_position_poll(d);
	mt_note("mars%u: %u rotations, generation %u", d->index, r.rotations, q.log_generation);
	manifest(d, "clean", true, 0, 0);
}

/* Step c: SET_EMERGENCY while io_uring runs; afterwards nothing is logged. */
static void run_emergency(struct logdev *d, unsigned int ops)
{
	struct uring_job j = { .s = &d->s, .ops = ops };
	struct mars_ctl_set_emergency e;
	struct mars_ctl_query q0, q;
	uint64_t start = mono_ns(), log_end, next_seq;
	char path[160];
	long ret;

	q0 = query(d);
	if (pthread_create(&j.tid, NULL, uring_main, &j))
		mt_die("pthread_create failed");
	do {
		usleep(2000);
		q = query(d);
	} while (q.write_ios < q0.write_ios + ops / 4 && elapsed_ms(start) < 60000);

	memset(&e, 0, sizeof(e));
	e.version = MARS_CTL_VERSION;
	e.size = sizeof(e);
	e.index = d->index;
	ret = mt_ioctl(d->ctl, MARS_CTL_SET_EMERGENCY, &e);
	mt_check(ret == 0, "SET_EMERGENCY: %s", strerror((int)-ret));
	q = query(d);
	mt_note("mars%u: emergency after %llu writes, marker seq %llu", d->index,
		(unsigned long long)(q.write_ios - q0.write_ios), (unsigned long long)e.marker_seq);
	expect_state(d, MARS_CTL_STATE_EMERGENCY, "emergency");
	/*
	 * The marker is the last record, but for the padding of its append.
	 * dirty_bytes is checked once the workload is done: writes still being
	 * submitted may hold a reservation for a moment before they pass through.
	 */
	mt_check(q.log_next_seq > e.marker_seq && q.log_next_seq <= e.marker_seq + 2,
		 "mars%u after SET_EMERGENCY: next seq %llu, marker seq %llu", d->index,
		 (unsigned long long)q.log_next_seq, (unsigned long long)e.marker_seq);
	next_seq = q.log_next_seq;
	log_path(path, sizeof(path), d, 0);
	log_end = file_size(path);

	pthread_join(j.tid, NULL);
	mt_workload_threads(&d->s, 4, ops / 8);
	mt_flush_fua(&d->s);
	mt_verify_all(&d->s, d->s.fd, "device in emergency mode");
	q = query(d);
	mt_check(file_size(path) == log_end && q.log_next_seq == next_seq && q.dirty_bytes == 0,
		 "emergency mode: log grew %llu -> %llu bytes, next seq %llu, dirty %llu",
		 (unsigned long long)log_end, (unsigned long long)file_size(path),
		 (unsigned long long)q.log_next_seq, (unsigned long long)q.dirty_bytes);
	manifest(d, "emergency", false, 0, 0);
}

/*
 * marstest logged MODE BACKING BYTES NAME OUTDIR OPS
 *   full       step a: workloads, poll on log_position, writeback, positions
 *   rotate     ROTATE_LOG under load
 *   emergency  SET_EMERGENCY under load
 *   quick      a workload and REMOVE right away: removal writes back
 * Every mode ends with REMOVE and the backing device checked.
 */
void mt_logged(const char *mode, const char *backing, uint64_t bytes, const char *name,
	       const char *outdir, unsigned int ops)
{
	struct logdev d;
	int log_fd;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.outdir = outdir;
	/* seq need not start at 1; the stamps must follow the daemon's clock even if it is ahead */
	d.first_seq = 1000 + (bytes >> 20);
	d.min_stamp = now_ns() + 3600ULL * 1000000000ULL;
	mt_note("logged %s: %s, %llu bytes, resource %s", mode, backing,
		(unsigned long long)bytes, name);
	log_fd = new_logfile(&d);
	logdev_add(&d, backing, bytes, log_fd, 0, true);
	close(log_fd); /* the device holds its own reference */

	if (!strcmp(mode, "full")) {
		run_full(&d, backing, ops);
	} else if (!strcmp(mode, "rotate")) {
		run_rotate(&d, ops);
	} else if (!strcmp(mode, "emergency")) {
		run_emergency(&d, ops);
	} else if (!strcmp(mode, "quick")) {
		mt_workload_uring(&d.s, ops, 64);
		mt_discard_zero(&d.s);
		manifest(&d, "clean", true, 0, 1);
	} else {
		mt_die("unknown logged mode %s", mode);
	}
	logdev_remove(&d, backing);
}

static void *read_file(const char *path, size_t *len)
{
	uint64_t n = file_size(path);
	void *buf = malloc(n ? n : 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0 || read(fd, buf, n) != (ssize_t)n)
		mt_die("reading %s: %s", path, strerror(errno));
	close(fd);
	*len = n;
	return buf;
}

/*
 * marstest mixed BACKING NAME OUTDIR HOSTDIR OPS: the kernel continues a
 * logfile the userspace LogWriter began on the host. HOSTDIR (made by
 * kmod_log_check write-log) holds `log`, `image` (the device after that log)
 * and `meta` ("<end offset> <next seq> <last stamp>"). The backing device
 * first gets `image`, as if the daemon's writeback had finished; the host
 * later reads the whole file as one log and replays it.
 */
void mt_logged_mixed(const char *backing, const char *name, const char *outdir,
		     const char *hostdir, unsigned int ops)
{
	unsigned long long end, next_seq, stamp;
	char path[160], *meta;
	size_t len, image_len;
	uint8_t *image, *log;
	struct logdev d;
	int fd;

	snprintf(path, sizeof(path), "%s/meta", hostdir);
	meta = read_file(path, &len);
	if (sscanf(meta, "%llu %llu %llu", &end, &next_seq, &stamp) != 3)
		mt_die("%s: no '<end> <next seq> <stamp>'", path);
	free(meta);
	snprintf(path, sizeof(path), "%s/image", hostdir);
	image = read_file(path, &image_len);
	fd = open(backing, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, image, image_len, 0) != (ssize_t)image_len || fsync(fd) || close(fd))
		mt_die("writing %s to %s: %s", path, backing, strerror(errno));

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.outdir = outdir;
	d.first_seq = next_seq;
	d.min_stamp = stamp;
	fd = new_logfile(&d);
	snprintf(path, sizeof(path), "%s/log", hostdir);
	log = read_file(path, &len);
	mt_check(len == end, "%s: %zu bytes, meta says %llu", path, len, end);
	if (write(fd, log, len) != (ssize_t)len || fdatasync(fd))
		mt_die("copying %s: %s", path, strerror(errno));
	free(log);
	mt_note("mixed: userspace log of %llu bytes, continuing at seq %llu", end, next_seq);

	logdev_add(&d, backing, image_len, fd, end, false);
	close(fd);
	mt_check(!memcmp(d.s.data, image, image_len),
		 "mixed: the device does not start with the host's image");
	free(image);
	mt_workload_uring(&d.s, ops, 32);
	mt_discard_zero(&d.s);
	/* the host reads it all as one log from seq 1 */
	d.first_seq = 1;
	manifest(&d, "clean", true, 0, 1);
	logdev_remove(&d, backing);
}
