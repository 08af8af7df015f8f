// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel transaction logger of a device added with a log.
 *
 * Every write (and discard or write zeroes) becomes one record in the format
 * of include/uapi/mars_log.h, byte for byte what the daemon's LogWriter
 * produces for the same request. The request's data is copied into an
 * extent first, so the request can complete as soon as its record is
 * durable; the extent then serves reads until writeback has put its data on
 * the backing file (mars_index.c, mars_writeback.c).
 *
 * Group commit: requests queue up while the logger's work function writes
 * one append. Each round takes everything queued (up to a bound), lays the
 * records back to back into one page buffer, appends it to the logfile
 * through the file's ->write_iter() (IOCB_DIRECT when the logfile allows it,
 * then padded to MARS_CTL_LOG_ALIGN with one padding record, as the daemon
 * does), makes it durable with one fdatasync of the appended range, and only
 * then inserts the extents into the index and completes the requests. A
 * flush completes with the round it arrived in: every completed write is
 * durable already. One round is in flight at a time; the next one gathers
 * meanwhile.
 *
 * A failed append or sync puts the logger into the FAILED state: the bytes
 * in the logfile past the last durable point are unknown, so nothing more
 * may be appended. Writes and flushes fail with EIO from then on; reads and
 * writeback of what was logged go on.
 *
 * Rotation and emergency mode are queue items too, so they take effect
 * exactly between two records: everything queued before is in the old
 * logfile, everything after in the new one (or written straight to disk).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/crc32c.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>

#include "mars_dev.h"

/* Upper bound of the records in one append. */
#define MARS_LOG_BATCH_BYTES (8U << 20)

static bool mars_log_can_direct(struct file *log, u64 offset)
{
	struct inode *inode = file_inode(log);
	unsigned int lbs = SECTOR_SIZE;

	if (!(log->f_mode & FMODE_CAN_ODIRECT) ||
	    !IS_ALIGNED(offset, MARS_CTL_LOG_ALIGN))
		return false;
	if (S_ISBLK(inode->i_mode))
		lbs = bdev_logical_block_size(I_BDEV(log->f_mapping->host));
	else if (inode->i_sb->s_bdev)
		lbs = bdev_logical_block_size(inode->i_sb->s_bdev);
	return lbs <= MARS_CTL_LOG_ALIGN;
}

/* Records the logfile the logger appends to from now on. */
static void mars_log_use_file(struct mars_logger *lg, struct file *log,
			      u64 offset)
{
	lg->log = log;
	lg->end = offset;
	lg->durable = offset;
	lg->log_direct = mars_log_can_direct(log, offset);
}

/* sysfs: wakes pollers of /sys/block/marsN/mars/<attr> */
void mars_logger_notify(struct mars_dev *dev, const char *attr)
{
	sysfs_notify(&disk_to_dev(dev->disk)->kobj, "mars", attr);
}

/* Publishes the log position (QUERY, sysfs); log work only. */
static void mars_log_publish(struct mars_logger *lg)
{
	spin_lock(&lg->lock);
	lg->pos_generation = lg->generation;
	lg->pos_durable = lg->durable;
	lg->pos_next_seq = lg->next_seq;
	spin_unlock(&lg->lock);
	mars_logger_notify(lg->dev, "log_position");
}

/* ---- records ---------------------------------------------------------- */

/* A record header as the daemon's encoder builds it; CRCs filled in. */
static void mars_log_header_build(struct mars_logger *lg,
				  struct mars_log_header *h, u8 type, u16 flags,
				  u32 marker, u64 offset, u32 payload_len,
				  u32 stored_len, u32 payload_crc)
{
	u64 now = ktime_get_real_ns();

	/* a Lamport stamp: never below the daemon's clock, always growing */
	lg->last_stamp = max(now, lg->last_stamp + 1);
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le64(MARS_LOG_MAGIC);
	h->version = MARS_LOG_VERSION;
	h->type = type;
	h->flags = cpu_to_le16(flags);
	h->marker = cpu_to_le32(marker);
	h->seq = cpu_to_le64(lg->next_seq++);
	h->stamp_ns = cpu_to_le64(lg->last_stamp);
	h->offset = cpu_to_le64(offset);
	h->durable = cpu_to_le64(lg->durable);
	h->payload_len = cpu_to_le32(payload_len);
	h->stored_len = cpu_to_le32(stored_len);
	h->payload_crc = cpu_to_le32(payload_crc);
	h->header_crc = cpu_to_le32(~crc32c(~0U, h, MARS_LOG_HEADER_CRC_BYTES));
}

/* Bytes the item adds to an append. */
static size_t mars_log_item_bytes(struct mars_log_item *it)
{
	struct mars_cmd *cmd;

	switch (it->kind) {
	case MARS_LOG_ITEM_WRITE:
		cmd = container_of(it, struct mars_cmd, log_item);
		return MARS_LOG_RECORD_SIZE(cmd->extent->zeroes ?
					    0 : cmd->extent->bytes);
	case MARS_LOG_ITEM_FLUSH:
		return 0;
	default:
		return MARS_LOG_HEADER_SIZE;	/* a marker */
	}
}

/* The record of a logged write, at `pos` of the append buffer. */
static size_t mars_log_put_write(struct mars_logger *lg, struct mars_pbuf *buf,
				 size_t pos, struct mars_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct mars_extent *ext = cmd->extent;
	u32 stored = ext->zeroes ? 0 : ext->bytes;
	u16 flags = ext->zeroes ? MARS_LOG_F_ZEROES : 0;
	u32 crc = stored ? ext->crc : 0;
	size_t size = MARS_LOG_RECORD_SIZE(stored);
	struct mars_log_header h;

	if (rq->cmd_flags & REQ_FUA)
		flags |= MARS_LOG_F_FUA;
	if (rq->cmd_flags & REQ_PREFLUSH)
		flags |= MARS_LOG_F_PREFLUSH;
	ext->seq = lg->next_seq;
	mars_log_header_build(lg, &h, MARS_LOG_REC_WRITE, flags, 0, ext->offset,
			      ext->bytes, stored, crc);
	mars_pbuf_write(buf, pos, &h, sizeof(h));
	if (stored)
		mars_pbuf_copy(buf, pos + sizeof(h), &ext->data, 0, stored);
	ext->log_generation = lg->generation;
	ext->log_end = lg->end + pos + size;
	return size;
}

static size_t mars_log_put_marker(struct mars_logger *lg, struct mars_pbuf *buf,
				  size_t pos, u32 marker, u64 *seq)
{
	struct mars_log_header h;

	*seq = lg->next_seq;
	mars_log_header_build(lg, &h, MARS_LOG_REC_MARKER, 0, marker, 0, 0, 0, 0);
	mars_pbuf_write(buf, pos, &h, sizeof(h));
	return sizeof(h);
}

/*
 * Pads the append to MARS_CTL_LOG_ALIGN with one padding record whose zero
 * payload is checksummed like any other (the daemon's AppendBuffer::pad).
 */
static size_t mars_log_put_padding(struct mars_logger *lg, struct mars_pbuf *buf,
				   size_t pos)
{
	size_t gap = (MARS_CTL_LOG_ALIGN - pos % MARS_CTL_LOG_ALIGN) %
		     MARS_CTL_LOG_ALIGN;
	struct mars_log_header h;
	u32 stored, crc;

	if (!gap)
		return 0;
	if (gap < MARS_LOG_HEADER_SIZE)
		gap += MARS_CTL_LOG_ALIGN;
	stored = gap - MARS_LOG_HEADER_SIZE;
	/* the buffer is zeroed: the fill is there already */
	crc = stored ? ~mars_pbuf_crc32c(buf, pos + sizeof(h), stored, ~0U) : 0;
	mars_log_header_build(lg, &h, MARS_LOG_REC_PADDING, 0, 0, 0, stored,
			      stored, crc);
	mars_pbuf_write(buf, pos, &h, sizeof(h));
	return gap;
}

/* ---- appending -------------------------------------------------------- */

/* Writes the first `len` bytes of the buffer at the logfile's end. */
static int mars_log_append(struct mars_logger *lg, struct mars_pbuf *buf,
			   size_t len)
{
	struct file *file = lg->log;
	bool regular = S_ISREG(file_inode(file)->i_mode);
	struct iov_iter iter;
	struct bio_vec *bv;
	struct kiocb kiocb;
	unsigned int nr;
	ssize_t ret;

	bv = mars_pbuf_bvecs(buf, len, &nr);
	if (!bv)
		return -ENOMEM;
	iov_iter_bvec(&iter, ITER_SOURCE, bv, nr, len);
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = lg->end;
	if (lg->log_direct)
		kiocb.ki_flags |= IOCB_DIRECT;
	/* a freeze of the log's filesystem waits for the append */
	if (regular)
		file_start_write(file);
	ret = file->f_op->write_iter(&kiocb, &iter);
	if (regular)
		file_end_write(file);
	kfree(bv);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

static void mars_log_fail(struct mars_logger *lg, const char *what, int err)
{
	struct mars_dev *dev = lg->dev;

	atomic64_inc(&lg->log_errors);
	spin_lock(&lg->lock);
	lg->state = MARS_CTL_STATE_FAILED;
	spin_unlock(&lg->lock);
	pr_err("mars%d: %s of the logfile at offset %llu failed (%d); writes fail from now on\n",
	       dev->index, what, lg->end, err);
	mars_logger_notify(dev, "state");
}

/* Gives back `bytes` reserved under the dirty limit. */
static void mars_log_release(struct mars_logger *lg, u64 bytes)
{
	spin_lock(&lg->lock);
	lg->reserved_bytes -= bytes;
	spin_unlock(&lg->lock);
	wake_up_all(&lg->dirty_wait);
}

/* Gives back the memory an extent reserved, and the extent. */
static void mars_log_unreserve(struct mars_logger *lg, struct mars_extent *ext)
{
	mars_log_release(lg, mars_extent_charge(ext));
	mars_extent_put(ext);
}

/* Completes an item that will not be logged, with `err`. */
static void mars_log_item_fail(struct mars_logger *lg, struct mars_log_item *it,
			       int err)
{
	struct mars_log_event *ev;
	struct mars_cmd *cmd;

	switch (it->kind) {
	case MARS_LOG_ITEM_WRITE:
		cmd = container_of(it, struct mars_cmd, log_item);
		mars_log_unreserve(lg, cmd->extent);
		cmd->extent = NULL;
		mars_cmd_finish(cmd, err);
		break;
	case MARS_LOG_ITEM_FLUSH:
		mars_cmd_finish(container_of(it, struct mars_cmd, log_item), err);
		break;
	default:
		ev = container_of(it, struct mars_log_event, item);
		ev->ret = err;
		complete(&ev->done);
		break;
	}
}

/*
 * The round's records are durable: the extents join the index and the
 * writeback list (which takes over the request's reference), the requests
 * complete.
 */
static void mars_log_commit(struct mars_logger *lg, struct list_head *batch)
{
	struct mars_log_item *it, *tmp;
	struct mars_cmd *cmd;

	spin_lock(&lg->lock);
	list_for_each_entry(it, batch, entry) {
		if (it->kind != MARS_LOG_ITEM_WRITE)
			continue;
		cmd = container_of(it, struct mars_cmd, log_item);
		mars_index_insert(lg, cmd->extent);
		list_add_tail(&cmd->extent->wb_entry, &lg->wb_list);
		lg->dirty_bytes += mars_extent_charge(cmd->extent);
	}
	spin_unlock(&lg->lock);

	list_for_each_entry_safe(it, tmp, batch, entry) {
		list_del_init(&it->entry);
		if (it->kind != MARS_LOG_ITEM_WRITE &&
		    it->kind != MARS_LOG_ITEM_FLUSH)
			continue;	/* events finish in mars_log_event_done() */
		cmd = container_of(it, struct mars_cmd, log_item);
		cmd->extent = NULL;
		mars_cmd_finish(cmd, it->kind == MARS_LOG_ITEM_WRITE ?
				blk_rq_bytes(blk_mq_rq_from_pdu(cmd)) : 0);
	}
	mars_writeback_kick(lg);
}

/* After its marker is durable: a rotation switches logfiles. */
static void mars_log_rotate_done(struct mars_logger *lg,
				 struct mars_log_event *ev)
{
	struct mars_dev *dev = lg->dev;
	struct file *old = lg->log;

	ev->old_end = lg->end;
	mars_log_use_file(lg, ev->new_log, 0);
	ev->new_log = NULL;
	lg->generation++;
	ev->generation = lg->generation;
	fput(old);
	pr_info("mars%d: log rotated to generation %u after %llu bytes (%s appends)\n",
		dev->index, lg->generation, ev->old_end,
		lg->log_direct ? "direct" : "buffered");
}

/*
 * After its marker is durable: emergency mode. Everything logged is
 * written back first, so no writeback can overwrite a write that goes
 * straight to disk; then the writes still queued go straight to disk too.
 */
static void mars_log_emergency_done(struct mars_logger *lg)
{
	struct mars_dev *dev = lg->dev;
	struct mars_log_item *it, *tmp;
	struct mars_cmd *cmd;
	LIST_HEAD(left);

	mars_writeback_drain(lg);
	spin_lock(&lg->lock);
	lg->state = MARS_CTL_STATE_EMERGENCY;
	list_splice_init(&lg->queue, &left);
	spin_unlock(&lg->lock);
	pr_warn("mars%d: emergency mode: writes are no longer logged\n",
		dev->index);
	mars_logger_notify(dev, "state");

	list_for_each_entry_safe(it, tmp, &left, entry) {
		list_del_init(&it->entry);
		if (it->kind != MARS_LOG_ITEM_WRITE &&
		    it->kind != MARS_LOG_ITEM_FLUSH) {
			mars_log_item_fail(lg, it, -EINVAL);
			continue;
		}
		cmd = container_of(it, struct mars_cmd, log_item);
		if (cmd->extent) {
			mars_log_unreserve(lg, cmd->extent);
			cmd->extent = NULL;
		}
		mars_io_passthrough(dev, cmd);
	}
}

static void mars_log_event_done(struct mars_logger *lg,
				struct mars_log_event *ev)
{
	if (ev->item.kind == MARS_LOG_ITEM_ROTATE)
		mars_log_rotate_done(lg, ev);
	else
		mars_log_emergency_done(lg);
	ev->ret = 0;
	complete(&ev->done);
}

/*
 * Takes queued items for one append: up to MARS_LOG_BATCH_BYTES, and never
 * past a rotation or emergency event (what follows belongs elsewhere).
 * Returns the event that ends the batch, if any.
 */
static struct mars_log_event *mars_log_take(struct mars_logger *lg,
					    struct list_head *batch,
					    size_t *bytes)
{
	struct mars_log_item *it;

	*bytes = 0;
	spin_lock(&lg->lock);
	while (!list_empty(&lg->queue)) {
		size_t need;

		it = list_first_entry(&lg->queue, struct mars_log_item, entry);
		need = mars_log_item_bytes(it);
		if (!list_empty(batch) && *bytes + need > MARS_LOG_BATCH_BYTES)
			break;
		list_move_tail(&it->entry, batch);
		*bytes += need;
		if (it->kind == MARS_LOG_ITEM_ROTATE ||
		    it->kind == MARS_LOG_ITEM_EMERGENCY) {
			spin_unlock(&lg->lock);
			return container_of(it, struct mars_log_event, item);
		}
	}
	spin_unlock(&lg->lock);
	return NULL;
}

/* Fails everything queued: the logger is FAILED. */
static void mars_log_fail_queue(struct mars_logger *lg)
{
	struct mars_log_item *it, *tmp;
	LIST_HEAD(doomed);

	spin_lock(&lg->lock);
	list_splice_init(&lg->queue, &doomed);
	spin_unlock(&lg->lock);
	list_for_each_entry_safe(it, tmp, &doomed, entry) {
		list_del_init(&it->entry);
		mars_log_item_fail(lg, it, -EIO);
	}
}

static void mars_log_fail_batch(struct mars_logger *lg, struct list_head *batch,
				int err)
{
	struct mars_log_item *it, *tmp;

	list_for_each_entry_safe(it, tmp, batch, entry) {
		list_del_init(&it->entry);
		mars_log_item_fail(lg, it, err);
	}
}

/* One round of group commit. Returns false when the queue was empty. */
static bool mars_log_round(struct mars_logger *lg)
{
	struct mars_log_event *ev;
	struct mars_log_item *it;
	struct mars_pbuf buf;
	LIST_HEAD(batch);
	size_t bytes, pos = 0;
	u64 old_end;
	int ret;

	if (READ_ONCE(lg->state) == MARS_CTL_STATE_FAILED) {
		mars_log_fail_queue(lg);
		return false;
	}
	ev = mars_log_take(lg, &batch, &bytes);
	if (list_empty(&batch))
		return false;
	if (!bytes) {
		/* flushes only: every completed write is durable already */
		mars_log_commit(lg, &batch);
		return true;
	}

	if (mars_pbuf_alloc(&buf, bytes + (lg->log_direct ?
		    MARS_CTL_LOG_ALIGN + MARS_LOG_HEADER_SIZE : 0), true)) {
		mars_log_fail_batch(lg, &batch, -ENOMEM);
		return true;
	}
	list_for_each_entry(it, &batch, entry) {
		if (it->kind == MARS_LOG_ITEM_WRITE)
			pos += mars_log_put_write(lg, &buf, pos,
				container_of(it, struct mars_cmd, log_item));
		else if (it->kind != MARS_LOG_ITEM_FLUSH)
			pos += mars_log_put_marker(lg, &buf, pos,
				it->kind == MARS_LOG_ITEM_ROTATE ?
				MARS_LOG_MARKER_ROTATE : MARS_LOG_MARKER_EMERGENCY,
				&ev->marker_seq);
	}
	if (lg->log_direct)
		pos += mars_log_put_padding(lg, &buf, pos);

	old_end = lg->end;
	ret = mars_log_append(lg, &buf, pos);
	mars_pbuf_free(&buf);
	if (ret) {
		mars_log_fail(lg, "append", ret);
		mars_log_fail_batch(lg, &batch, -EIO);
		return true;
	}
	lg->end += pos;
	ret = vfs_fsync_range(lg->log, old_end, lg->end - 1, 1);
	if (ret) {
		mars_log_fail(lg, "fdatasync", ret);
		mars_log_fail_batch(lg, &batch, -EIO);
		return true;
	}
	lg->durable = lg->end;

	mars_log_commit(lg, &batch);
	if (ev) {
		list_del_init(&ev->item.entry);
		mars_log_event_done(lg, ev);
	}
	mars_log_publish(lg);
	return true;
}

static void mars_log_work_fn(struct work_struct *work)
{
	struct mars_logger *lg = container_of(work, struct mars_logger,
					      log_work);
	/* the logfile's allocations must not recurse into our device */
	unsigned int noio = memalloc_noio_save();

	while (mars_log_round(lg))
		cond_resched();
	memalloc_noio_restore(noio);
}

/* ---- entry points ----------------------------------------------------- */

/*
 * Waits until the extent's data fits under the dirty limit and reserves it.
 * A single write larger than the whole limit still goes when nothing else
 * is held, so no request can wait forever.
 */
static void mars_log_reserve(struct mars_logger *lg, u32 bytes)
{
	for (;;) {
		spin_lock(&lg->lock);
		if (!lg->reserved_bytes ||
		    lg->reserved_bytes + bytes <= lg->dirty_limit) {
			lg->reserved_bytes += bytes;
			spin_unlock(&lg->lock);
			return;
		}
		spin_unlock(&lg->lock);
		mars_writeback_kick(lg);
		wait_event(lg->dirty_wait,
			   READ_ONCE(lg->reserved_bytes) + bytes <= lg->dirty_limit ||
			   !READ_ONCE(lg->reserved_bytes));
	}
}

/*
 * Hands a write, zeroes or flush request to the logger. Returns false when
 * the device no longer logs (emergency mode): the caller passes the request
 * through. Otherwise the request completes later (do not touch it).
 */
bool mars_logger_submit(struct mars_dev *dev, struct mars_cmd *cmd)
{
	struct mars_logger *lg = dev->logger;
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	bool write = req_op(rq) != REQ_OP_FLUSH;
	u32 state = READ_ONCE(lg->state);

	if (state == MARS_CTL_STATE_EMERGENCY)
		return false;
	if (state == MARS_CTL_STATE_FAILED) {
		mars_cmd_finish(cmd, -EIO);
		return true;
	}

	cmd->extent = NULL;
	cmd->log_item.kind = write ? MARS_LOG_ITEM_WRITE : MARS_LOG_ITEM_FLUSH;
	if (write) {
		bool zeroes = req_op(rq) != REQ_OP_WRITE;

		mars_log_reserve(lg, zeroes ? 0 : blk_rq_bytes(rq));
		cmd->extent = mars_extent_alloc(rq, zeroes);
		if (!cmd->extent) {
			mars_log_release(lg, zeroes ? 0 : blk_rq_bytes(rq));
			mars_cmd_finish(cmd, -ENOMEM);
			return true;
		}
	}

	spin_lock(&lg->lock);
	state = lg->state;
	if (state == MARS_CTL_STATE_LOGGING)
		list_add_tail(&cmd->log_item.entry, &lg->queue);
	spin_unlock(&lg->lock);
	if (state != MARS_CTL_STATE_LOGGING) {
		/* switched meanwhile */
		if (cmd->extent)
			mars_log_unreserve(lg, cmd->extent);
		cmd->extent = NULL;
		if (state == MARS_CTL_STATE_EMERGENCY)
			return false;
		mars_cmd_finish(cmd, -EIO);
		return true;
	}
	queue_work(dev->wq, &lg->log_work);
	return true;
}

/*
 * Queues a rotation or emergency switch and waits for it (uninterruptibly:
 * the logger owns the event until it completes). Caller holds the control
 * lock, so the device stays.
 */
int mars_logger_event(struct mars_dev *dev, struct mars_log_event *ev,
		      enum mars_log_item_kind kind)
{
	struct mars_logger *lg = dev->logger;
	int ret = 0;

	ev->item.kind = kind;
	init_completion(&ev->done);
	spin_lock(&lg->lock);
	if (lg->state == MARS_CTL_STATE_LOGGING)
		list_add_tail(&ev->item.entry, &lg->queue);
	else
		ret = lg->state == MARS_CTL_STATE_FAILED ? -EIO : -EINVAL;
	spin_unlock(&lg->lock);
	if (ret)
		return ret;
	queue_work(dev->wq, &lg->log_work);
	wait_for_completion(&ev->done);
	return ev->ret;
}

int mars_logger_create(struct mars_dev *dev, const struct mars_dev_config *cfg)
{
	struct mars_logger *lg;
	int ret;

	/* what is in the logfile already counts as durable: make it so */
	ret = vfs_fsync(cfg->log, 1);
	if (ret)
		return ret;
	lg = kzalloc(sizeof(*lg), GFP_KERNEL);
	if (!lg)
		return -ENOMEM;
	lg->dev = dev;
	spin_lock_init(&lg->lock);
	lg->state = MARS_CTL_STATE_LOGGING;
	INIT_LIST_HEAD(&lg->queue);
	INIT_WORK(&lg->log_work, mars_log_work_fn);
	mars_log_use_file(lg, cfg->log, cfg->log_offset);
	lg->generation = 1;
	lg->next_seq = cfg->log_next_seq;
	lg->last_stamp = cfg->log_min_stamp_ns;
	lg->index = RB_ROOT_CACHED;
	lg->dirty_limit = cfg->dirty_limit;
	init_waitqueue_head(&lg->dirty_wait);
	INIT_LIST_HEAD(&lg->wb_list);
	INIT_DELAYED_WORK(&lg->wb_work, mars_writeback_work);
	lg->pos_generation = 1;
	lg->pos_durable = lg->durable;
	lg->pos_next_seq = lg->next_seq;
	lg->wb_generation = 1;
	lg->wb_offset = lg->durable;
	atomic64_set(&lg->log_errors, 0);
	dev->logger = lg;
	dev->dev_flags |= MARS_CTL_DEV_F_LOG;
	if (lg->log_direct)
		dev->dev_flags |= MARS_CTL_DEV_F_LOG_DIRECT;
	return 0;
}

/*
 * Device removal, after del_gendisk(): no request is in flight and no event
 * is queued (the control lock is held). Writes back what is left.
 */
void mars_logger_destroy(struct mars_dev *dev)
{
	struct mars_logger *lg = dev->logger;

	if (!lg)
		return;
	flush_work(&lg->log_work);
	mars_writeback_finish(lg);
	fput(lg->log);
	kfree(lg);
	dev->logger = NULL;
}

void mars_logger_fill_query(struct mars_dev *dev, struct mars_ctl_query *q)
{
	struct mars_logger *lg = dev->logger;

	if (!lg) {
		q->state = MARS_CTL_STATE_PASSTHROUGH;
		return;
	}
	spin_lock(&lg->lock);
	q->state = lg->state;
	q->log_generation = lg->pos_generation;
	q->log_durable = lg->pos_durable;
	q->log_next_seq = lg->pos_next_seq;
	q->writeback_generation = lg->wb_generation;
	q->writeback_offset = lg->wb_offset;
	q->writeback_seq = lg->wb_seq;
	q->dirty_bytes = lg->dirty_bytes;
	spin_unlock(&lg->lock);
	q->log_errors = atomic64_read(&lg->log_errors);
}
