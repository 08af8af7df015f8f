// SPDX-License-Identifier: GPL-2.0
/*
 * One mars block device, /dev/marsN, on top of a backing file (a block
 * device or a regular file): gendisk and blk-mq tag set, open accounting so
 * that a device in use cannot be removed, and the sysfs attributes under
 * /sys/block/marsN/mars/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "mars_compat.h"
#include "mars_dev.h"

static int mars_major;

static const struct block_device_operations mars_bdops = {
	.owner = THIS_MODULE,
	.open = mars_bdops_open,
	.release = mars_bdops_release,
};

int mars_disk_open(struct gendisk *disk)
{
	struct mars_dev *dev = disk->private_data;
	int ret = 0;

	mutex_lock(&dev->open_lock);
	if (dev->removing)
		ret = -ENXIO;
	else
		dev->open_count++;
	mutex_unlock(&dev->open_lock);
	return ret;
}

void mars_disk_release(struct gendisk *disk)
{
	struct mars_dev *dev = disk->private_data;

	mutex_lock(&dev->open_lock);
	dev->open_count--;
	mutex_unlock(&dev->open_lock);
}

bool mars_dev_is_mars_disk(struct gendisk *disk)
{
	return disk->fops == &mars_bdops;
}

/* sysfs: /sys/block/marsN/mars/{name,in_flight,errors} */

static struct mars_dev *mars_dev_of(struct device *d)
{
	return dev_to_disk(d)->private_data;
}

static ssize_t name_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", mars_dev_of(d)->name);
}
static DEVICE_ATTR_RO(name);

static ssize_t in_flight_show(struct device *d, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&mars_dev_of(d)->in_flight));
}
static DEVICE_ATTR_RO(in_flight);

static ssize_t errors_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&mars_dev_of(d)->stats.errors));
}
static DEVICE_ATTR_RO(errors);

static const char * const mars_state_names[] = {
	[MARS_CTL_STATE_PASSTHROUGH] = "passthrough",
	[MARS_CTL_STATE_LOGGING] = "logging",
	[MARS_CTL_STATE_EMERGENCY] = "emergency",
	[MARS_CTL_STATE_FAILED] = "failed",
};

/* The log fields of QUERY, which the attributes below show. */
static void mars_dev_log_query(struct device *d, struct mars_ctl_query *q)
{
	memset(q, 0, sizeof(*q));
	mars_logger_fill_query(mars_dev_of(d), q);
}

/* A read-only attribute printing fields of QUERY (variable q). */
#define MARS_QUERY_ATTR(_name, _fmt, ...)				\
	static ssize_t _name##_show(struct device *d,			\
				    struct device_attribute *attr,	\
				    char *buf)				\
	{								\
		struct mars_ctl_query q;				\
									\
		mars_dev_log_query(d, &q);				\
		return sysfs_emit(buf, _fmt "\n", __VA_ARGS__);		\
	}								\
	static DEVICE_ATTR_RO(_name)

MARS_QUERY_ATTR(state, "%s", mars_state_names[q.state]);
/* "<generation> <durable offset> <next seq>"; pollable */
MARS_QUERY_ATTR(log_position, "%u %llu %llu", q.log_generation, q.log_durable,
		q.log_next_seq);
/* "<generation> <offset> <seq>"; pollable */
MARS_QUERY_ATTR(writeback_position, "%u %llu %llu", q.writeback_generation,
		q.writeback_offset, q.writeback_seq);
MARS_QUERY_ATTR(dirty_bytes, "%llu", q.dirty_bytes);

static struct attribute *mars_dev_attrs[] = {
	&dev_attr_name.attr,
	&dev_attr_in_flight.attr,
	&dev_attr_errors.attr,
	&dev_attr_state.attr,
	&dev_attr_log_position.attr,
	&dev_attr_writeback_position.attr,
	&dev_attr_dirty_bytes.attr,
	NULL,
};

static const struct attribute_group mars_dev_attr_group = {
	.name = "mars",
	.attrs = mars_dev_attrs,
};

static const struct attribute_group *mars_dev_attr_groups[] = {
	&mars_dev_attr_group,
	NULL,
};

/*
 * Direct IO on the backing file when it supports it and the device size fits
 * its block size; the device then uses that block size too. Otherwise IO
 * goes through the backing file's page cache.
 */
static void mars_dev_choose_io(struct mars_dev *dev, u32 add_flags)
{
	struct file *file = dev->backing;
	struct inode *inode = file->f_mapping->host;
	unsigned int lbs = SECTOR_SIZE;
	bool dio = !(add_flags & MARS_CTL_ADD_F_BUFFERED) &&
		   (file->f_mode & FMODE_CAN_ODIRECT);

	if (S_ISBLK(inode->i_mode))
		lbs = bdev_logical_block_size(I_BDEV(inode));
	else if (inode->i_sb->s_bdev)
		lbs = bdev_logical_block_size(inode->i_sb->s_bdev);
	lbs = max_t(unsigned int, lbs, SECTOR_SIZE);
	if (lbs > PAGE_SIZE || !IS_ALIGNED(dev->bytes, lbs))
		dio = false;

	dev->use_dio = dio;
	dev->logical_block_size = dio ? lbs : SECTOR_SIZE;
	if (dio)
		dev->dev_flags |= MARS_CTL_DEV_F_DIRECT_IO;
	if (S_ISBLK(inode->i_mode))
		dev->dev_flags |= MARS_CTL_DEV_F_BLOCKDEV;
	if (file->f_op->fallocate)
		dev->dev_flags |= MARS_CTL_DEV_F_DISCARD;
}

static int mars_dev_add_disk(struct mars_dev *dev)
{
	struct mars_queue_limits lim = {
		.logical_block_size = dev->logical_block_size,
		.max_hw_sectors = MARS_MAX_HW_SECTORS,
		.write_cache = true,
		.fua = true,
	};
	struct gendisk *disk;
	int ret;

	if (dev->dev_flags & MARS_CTL_DEV_F_DISCARD) {
		/* a logged zeroes record covers at most MARS_LOG_MAX_PAYLOAD */
		unsigned int max = dev->logger ?
			MARS_LOG_MAX_PAYLOAD >> SECTOR_SHIFT :
			UINT_MAX >> SECTOR_SHIFT;

		lim.max_discard_sectors = max;
		lim.max_write_zeroes_sectors = max;
	}

	dev->tag_set.ops = &mars_mq_ops;
	dev->tag_set.nr_hw_queues = 1;
	dev->tag_set.queue_depth = MARS_QUEUE_DEPTH;
	dev->tag_set.numa_node = NUMA_NO_NODE;
	dev->tag_set.cmd_size = sizeof(struct mars_cmd);
	dev->tag_set.flags = MARS_BLK_MQ_F_MERGE;
	dev->tag_set.driver_data = dev;
	ret = blk_mq_alloc_tag_set(&dev->tag_set);
	if (ret)
		return ret;

	disk = mars_alloc_disk(&dev->tag_set, &lim, dev);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto err_tag_set;
	}
	disk->major = mars_major;
	disk->first_minor = dev->index;
	disk->minors = 1;
	disk->fops = &mars_bdops;
	disk->private_data = dev;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "mars%d", dev->index);
	set_capacity(disk, dev->bytes >> SECTOR_SHIFT);

	ret = device_add_disk(NULL, disk, mars_dev_attr_groups);
	if (ret)
		goto err_disk;
	dev->disk = disk;
	return 0;

err_disk:
	put_disk(disk);
err_tag_set:
	blk_mq_free_tag_set(&dev->tag_set);
	return ret;
}

/*
 * Creates /dev/marsN for a validated configuration. On success the device
 * owns cfg->backing and cfg->log; on failure the caller still does.
 */
int mars_dev_create(const struct mars_dev_config *cfg, int index,
		    struct mars_dev **out)
{
	struct mars_dev *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->index = index;
	memcpy(dev->name, cfg->name, sizeof(dev->name));
	dev->bytes = cfg->bytes;
	dev->backing = cfg->backing;
	mutex_init(&dev->open_lock);
	atomic_set(&dev->in_flight, 0);
	mars_dev_choose_io(dev, cfg->add_flags);

	dev->wq = alloc_workqueue("mars%d", WQ_UNBOUND | WQ_MEM_RECLAIM, 0,
				  index);
	if (!dev->wq) {
		ret = -ENOMEM;
		goto err_free;
	}

	if (cfg->log) {
		ret = mars_logger_create(dev, cfg);
		if (ret)
			goto err_wq;
	}

	ret = mars_dev_add_disk(dev);
	if (ret)
		goto err_logger;

	pr_info("mars%d: resource %s, %llu bytes, %s IO on %s backing, %s\n",
		index, dev->name, dev->bytes,
		dev->use_dio ? "direct" : "buffered",
		(dev->dev_flags & MARS_CTL_DEV_F_BLOCKDEV) ? "block device" :
							     "file",
		!dev->logger ? "no log" : dev->logger->log_direct ?
		"logging with direct appends" : "logging with buffered appends");
	*out = dev;
	return 0;

err_logger:
	if (dev->logger) {
		/* the caller keeps its reference to the logfile */
		kfree(dev->logger);
		dev->logger = NULL;
	}
err_wq:
	destroy_workqueue(dev->wq);
err_free:
	mutex_destroy(&dev->open_lock);
	kfree(dev);
	return ret;
}

/*
 * Marks the device as going away unless it is open. After success, opens
 * fail with ENXIO and the caller must call mars_dev_destroy().
 */
int mars_dev_begin_remove(struct mars_dev *dev)
{
	int ret = 0;

	mutex_lock(&dev->open_lock);
	if (dev->open_count)
		ret = -EBUSY;
	else
		dev->removing = true;
	mutex_unlock(&dev->open_lock);
	return ret;
}

void mars_dev_destroy(struct mars_dev *dev)
{
	int index = dev->index;

	/* waits until every request has completed */
	del_gendisk(dev->disk);
	/* writes back what the log holds and drops the logfile */
	mars_logger_destroy(dev);
	/* waits until every work function has returned */
	destroy_workqueue(dev->wq);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tag_set);
	fput(dev->backing);
	mutex_destroy(&dev->open_lock);
	kfree(dev);
	pr_info("mars%d: removed\n", index);
}

void mars_dev_fill_query(struct mars_dev *dev, struct mars_ctl_query *q)
{
	struct mars_stats *s = &dev->stats;

	q->device_bytes = dev->bytes;
	q->dev_flags = dev->dev_flags;
	q->logical_block_size = dev->logical_block_size;
	mutex_lock(&dev->open_lock);
	q->open_count = dev->open_count;
	mutex_unlock(&dev->open_lock);
	q->in_flight = atomic_read(&dev->in_flight);
	q->read_ios = atomic64_read(&s->read_ios);
	q->write_ios = atomic64_read(&s->write_ios);
	q->fua_ios = atomic64_read(&s->fua_ios);
	q->flush_ios = atomic64_read(&s->flush_ios);
	q->discard_ios = atomic64_read(&s->discard_ios);
	q->errors = atomic64_read(&s->errors);
	q->read_bytes = atomic64_read(&s->read_bytes);
	q->write_bytes = atomic64_read(&s->write_bytes);
	memcpy(q->name, dev->name, sizeof(q->name));
	mars_logger_fill_query(dev, q);
}

int mars_dev_register_major(void)
{
	int major = register_blkdev(0, "mars");

	if (major < 0)
		return major;
	mars_major = major;
	return 0;
}

void mars_dev_unregister_major(void)
{
	unregister_blkdev(mars_major, "mars");
}
