/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mars.ko internals shared by its source files:
 *   mars_main.c  module init and exit
 *   mars_ctl.c   /dev/mars-control: ioctls, argument checks, device table
 *   mars_dev.c   one /dev/marsN: gendisk, tag set, open/release, sysfs
 *   mars_io.c    requests: pass-through to the backing file via kiocb
 */
#ifndef MARS_DEV_H
#define MARS_DEV_H

#include <linux/atomic.h>
#include <linux/blk-mq.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "include/uapi/mars_ctl.h"

/* Queue depth of a device; requests beyond it wait in blk-mq. */
#define MARS_QUEUE_DEPTH 128
/* Largest request handed to the driver, in 512-byte sectors (1 MiB). */
#define MARS_MAX_HW_SECTORS 2048

/* Per-device counters, reported by QUERY and sysfs. */
struct mars_stats {
	atomic64_t read_ios;
	atomic64_t write_ios;
	atomic64_t fua_ios;
	atomic64_t flush_ios;
	atomic64_t discard_ios;
	atomic64_t errors;
	atomic64_t read_bytes;
	atomic64_t write_bytes;
};

/* What ADD_DEVICE asks for, after validation. */
struct mars_dev_config {
	char name[MARS_CTL_NAME_MAX];
	u64 bytes;
	u32 add_flags;		/* MARS_CTL_ADD_F_* */
	struct file *backing;	/* reference passes to the device on success */
};

struct mars_dev {
	int index;			/* N of /dev/marsN */
	char name[MARS_CTL_NAME_MAX];
	u64 bytes;
	u32 dev_flags;			/* MARS_CTL_DEV_F_* */
	unsigned int logical_block_size;

	struct file *backing;
	bool use_dio;

	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	/* requests are served here: the backing file's IO may sleep */
	struct workqueue_struct *wq;

	struct mutex open_lock;		/* protects open_count and removing */
	unsigned int open_count;
	bool removing;			/* no new opens: remove is under way */

	atomic_t in_flight;
	struct mars_stats stats;
};

/* Per-request driver data (blk-mq pdu). */
struct mars_cmd {
	struct work_struct work;
	struct kiocb iocb;
	struct bio_vec *bvec;	/* allocated when the request has several bios */
	atomic_t ref;		/* submitter + kiocb completion */
	long ret;		/* bytes transferred or -errno */
	bool sb_write;		/* holds the backing fs's freeze protection */
};

/* mars_dev.c */
int mars_dev_create(const struct mars_dev_config *cfg, int index,
		    struct mars_dev **out);
void mars_dev_destroy(struct mars_dev *dev);
int mars_dev_begin_remove(struct mars_dev *dev);
bool mars_dev_is_mars_disk(struct gendisk *disk);
void mars_dev_fill_query(struct mars_dev *dev, struct mars_ctl_query *q);
int mars_dev_register_major(void);
void mars_dev_unregister_major(void);

/* mars_io.c */
extern const struct blk_mq_ops mars_mq_ops;

/* mars_ctl.c */
int mars_ctl_init(void);
void mars_ctl_exit(void);

#endif /* MARS_DEV_H */
