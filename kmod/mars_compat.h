/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for kernel API differences between the kernels mars builds
 * for: Debian 12's 6.1 and the 6.12 backports kernel (tests/kmod/run builds
 * and boots both). Everything else in kmod/ uses only the helpers below.
 *
 * Branches for kernels in between are written from the kernel history but
 * are not built by the tests.
 */
#ifndef MARS_COMPAT_H
#define MARS_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "mars needs Linux 6.1 or later"
#endif

/* What mars wants from its request queue, whatever the kernel calls it. */
struct mars_queue_limits {
	unsigned int logical_block_size;
	unsigned int max_hw_sectors;
	unsigned int max_discard_sectors;     /* 0: no discard */
	unsigned int max_write_zeroes_sectors; /* 0: no write zeroes */
	bool write_cache;                     /* flush requests wanted */
	bool fua;                             /* FUA writes wanted */
};

/*
 * BLK_MQ_F_SHOULD_MERGE went away in 6.14 (merging became the default); it is
 * an enum constant, so it cannot be tested with #ifdef.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define MARS_BLK_MQ_F_MERGE BLK_MQ_F_SHOULD_MERGE
#else
#define MARS_BLK_MQ_F_MERGE 0
#endif

/*
 * blk_mq_alloc_disk() takes the queue limits since 6.9; before, they were set
 * one by one on the new queue. The write cache and FUA became queue_limits
 * features in 6.11.
 */
static inline struct gendisk *
mars_alloc_disk(struct blk_mq_tag_set *set, const struct mars_queue_limits *ml,
		void *queuedata)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct queue_limits lim = {
		.logical_block_size = ml->logical_block_size,
		.physical_block_size = ml->logical_block_size,
		.max_hw_sectors = ml->max_hw_sectors,
		.max_hw_discard_sectors = ml->max_discard_sectors,
		.max_write_zeroes_sectors = ml->max_write_zeroes_sectors,
		.discard_granularity = ml->max_discard_sectors ?
			ml->logical_block_size : 0,
	};
	struct gendisk *disk;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	if (ml->write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (ml->fua)
		lim.features |= BLK_FEAT_FUA;
#endif
	disk = blk_mq_alloc_disk(set, &lim, queuedata);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	if (!IS_ERR(disk))
		blk_queue_write_cache(disk->queue, ml->write_cache, ml->fua);
#endif
	return disk;
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, ml->logical_block_size);
	blk_queue_physical_block_size(q, ml->logical_block_size);
	blk_queue_max_hw_sectors(q, ml->max_hw_sectors);
	blk_queue_max_discard_sectors(q, ml->max_discard_sectors);
	blk_queue_max_write_zeroes_sectors(q, ml->max_write_zeroes_sectors);
	if (ml->max_discard_sectors)
		q->limits.discard_granularity = ml->logical_block_size;
	blk_queue_write_cache(q, ml->write_cache, ml->fua);
	return disk;
#endif
}

/*
 * block_device_operations.open/release take the gendisk and a blk_mode_t
 * since 6.5; before, open took the block_device and both took an fmode_t.
 * mars_dev.c implements the gendisk flavour; these adapt it.
 */
int mars_disk_open(struct gendisk *disk);
void mars_disk_release(struct gendisk *disk);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
static inline int mars_bdops_open(struct gendisk *disk, blk_mode_t mode)
{
	return mars_disk_open(disk);
}

static inline void mars_bdops_release(struct gendisk *disk)
{
	mars_disk_release(disk);
}
#else
static inline int mars_bdops_open(struct block_device *bdev, fmode_t mode)
{
	return mars_disk_open(bdev->bd_disk);
}

static inline void mars_bdops_release(struct gendisk *disk, fmode_t mode)
{
	mars_disk_release(disk);
}
#endif

#endif /* MARS_COMPAT_H */
