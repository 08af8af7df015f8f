// SPDX-License-Identifier: GPL-2.0
/*
 * Request handling of /dev/marsN. On a device without a log, every request
 * passes through to the backing file. On a device with a log, writes,
 * discards and flushes go to the logger (mars_logger.c) and reads overlay
 * the dirty index (mars_index.c); in emergency mode writes pass through
 * again.
 *
 * ->queue_rq() may not sleep, the backing file's IO may, so every request is
 * handed to the device's unbound workqueue. There, reads and writes go to the
 * file's ->read_iter()/->write_iter() with a kiocb, the way the loop driver
 * does it: with IOCB_DIRECT the call returns -EIOCBQUEUED and the file's
 * completion callback finishes the request later, so many requests are in
 * flight; buffered IO completes within the call. FUA becomes IOCB_DSYNC, a
 * flush becomes vfs_fsync(), discard and write zeroes become fallocate().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "mars_compat.h"
#include "mars_dev.h"

static void mars_io_count(struct mars_dev *dev, struct request *rq)
{
	struct mars_stats *s = &dev->stats;

	switch (req_op(rq)) {
	case REQ_OP_READ:
		atomic64_inc(&s->read_ios);
		atomic64_add(blk_rq_bytes(rq), &s->read_bytes);
		break;
	case REQ_OP_WRITE:
		atomic64_inc(&s->write_ios);
		atomic64_add(blk_rq_bytes(rq), &s->write_bytes);
		if (rq->cmd_flags & REQ_FUA)
			atomic64_inc(&s->fua_ios);
		break;
	case REQ_OP_FLUSH:
		atomic64_inc(&s->flush_ios);
		break;
	default:
		atomic64_inc(&s->discard_ios);
		break;
	}
}

/* blk_mq_ops.complete: runs once per request, after mars_cmd_finish(). */
static void mars_complete_rq(struct request *rq)
{
	struct mars_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct mars_dev *dev = rq->q->queuedata;
	blk_status_t status = BLK_STS_OK;
	long ret = cmd->ret;

	if (ret < 0) {
		status = errno_to_blk_status(ret);
	} else if ((req_op(rq) == REQ_OP_READ || req_op(rq) == REQ_OP_WRITE) &&
		   ret != blk_rq_bytes(rq)) {
		/* the backing file shrank behind our back */
		ret = -EIO;
		status = BLK_STS_IOERR;
	}

	if (status != BLK_STS_OK) {
		atomic64_inc(&dev->stats.errors);
		pr_err_ratelimited("mars%d: %s at sector %llu, %u bytes failed: %ld\n",
				   dev->index, blk_op_str(req_op(rq)),
				   (unsigned long long)blk_rq_pos(rq),
				   blk_rq_bytes(rq), ret);
	} else {
		mars_io_count(dev, rq);
	}
	/* before ending: once ended, removal may free dev */
	atomic_dec(&dev->in_flight);
	blk_mq_end_request(rq, status);
}

void mars_cmd_finish(struct mars_cmd *cmd, long ret)
{
	cmd->ret = ret;
	blk_mq_complete_request(blk_mq_rq_from_pdu(cmd));
}

static void mars_cmd_put(struct mars_cmd *cmd)
{
	if (!atomic_dec_and_test(&cmd->ref))
		return;
	kfree(cmd->bvec);
	cmd->bvec = NULL;
	mars_cmd_finish(cmd, cmd->ret);
}

/* kiocb completion; may run in interrupt context */
static void mars_rw_complete(struct kiocb *iocb, long ret)
{
	struct mars_cmd *cmd = container_of(iocb, struct mars_cmd, iocb);

	if (cmd->sb_write) {
		kiocb_end_write(iocb);
		cmd->sb_write = false;
	}
	cmd->ret = ret;
	mars_cmd_put(cmd);
}

/*
 * Points `iter` at the request's data. Uses the bio's own vector when the
 * request has one bio, else gathers the segments into cmd->bvec.
 */
static int mars_io_iter(struct mars_cmd *cmd, struct request *rq,
			struct iov_iter *iter)
{
	bool write = req_op(rq) == REQ_OP_WRITE;
	struct bio *bio = rq->bio;
	struct req_iterator rqi;
	struct bio_vec *bvec;
	struct bio_vec bv;
	unsigned int nr_bvec = 0;
	unsigned int offset = 0;

	rq_for_each_bvec(bv, rq, rqi)
		nr_bvec++;

	if (rq->bio != rq->biotail) {
		/* several bios: gather their (multi-page) segments */
		struct bio_vec *p;

		bvec = kmalloc_array(nr_bvec, sizeof(*bvec), GFP_NOIO);
		if (!bvec)
			return -ENOMEM;
		p = bvec;
		rq_for_each_bvec(bv, rq, rqi)
			*p++ = bv;
		cmd->bvec = bvec;
	} else {
		/* one bio: use its vector in place, it may start mid-segment */
		bvec = __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter);
		offset = bio->bi_iter.bi_bvec_done;
	}

	iov_iter_bvec(iter, write ? ITER_SOURCE : ITER_DEST, bvec, nr_bvec,
		      blk_rq_bytes(rq));
	iter->iov_offset = offset;
	return 0;
}

/* A kiocb on the backing file at `pos`; async when `complete` is set. */
static void mars_io_kiocb(struct mars_dev *dev, struct kiocb *iocb, loff_t pos,
			  void (*complete)(struct kiocb *iocb, long ret))
{
	memset(iocb, 0, sizeof(*iocb));
	iocb->ki_filp = dev->backing;
	iocb->ki_pos = pos;
	if (dev->use_dio) {
		iocb->ki_flags = IOCB_DIRECT;
		iocb->ki_complete = complete;
	}
}

/* Asynchronous read or write of the request on the backing file. */
static void mars_io_rw(struct mars_dev *dev, struct mars_cmd *cmd,
		       struct request *rq)
{
	bool write = req_op(rq) == REQ_OP_WRITE;
	struct file *file = dev->backing;
	struct iov_iter iter;
	ssize_t ret;

	ret = mars_io_iter(cmd, rq, &iter);
	if (ret) {
		mars_cmd_finish(cmd, ret);
		return;
	}
	mars_io_kiocb(dev, &cmd->iocb, (loff_t)blk_rq_pos(rq) << SECTOR_SHIFT,
		      mars_rw_complete);
	cmd->iocb.ki_ioprio = req_get_ioprio(rq);
	if (write && (rq->cmd_flags & REQ_FUA))
		cmd->iocb.ki_flags |= IOCB_DSYNC;
	/* a write to a regular file must not slip past a freeze of its fs */
	cmd->sb_write = write && S_ISREG(file_inode(file)->i_mode);
	if (cmd->sb_write)
		kiocb_start_write(&cmd->iocb);

	/* one reference for this function, one for the completion */
	cmd->ret = 0;
	atomic_set(&cmd->ref, 2);
	if (write)
		ret = file->f_op->write_iter(&cmd->iocb, &iter);
	else
		ret = file->f_op->read_iter(&cmd->iocb, &iter);
	if (ret != -EIOCBQUEUED)
		mars_rw_complete(&cmd->iocb, ret);
	mars_cmd_put(cmd);
}

/*
 * A read on a device with a log: the backing file's bytes with the dirty
 * index's extents copied over them. The backing read is synchronous here,
 * since the overlay must follow it. When the newest overlapping extent
 * covers the whole request, the backing file is not read at all.
 */
static void mars_io_read_logged(struct mars_dev *dev, struct mars_cmd *cmd,
				struct request *rq)
{
	u64 start = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
	struct mars_extent **exts;
	struct mars_extent *newest;
	struct iov_iter iter;
	struct kiocb iocb;
	ssize_t ret;
	int nr;

	nr = mars_index_overlay_read(dev, rq, &exts);
	if (nr <= 0) {
		if (nr < 0)
			mars_cmd_finish(cmd, nr);
		else
			mars_io_rw(dev, cmd, rq);
		return;
	}
	newest = exts[nr - 1];
	if (newest->offset <= start &&
	    newest->offset + newest->bytes >= start + blk_rq_bytes(rq)) {
		/* older extents are hidden by it */
		while (--nr > 0)
			mars_extent_put(exts[nr - 1]);
		exts[0] = newest;
		mars_index_apply(rq, exts, 1);
		mars_cmd_finish(cmd, blk_rq_bytes(rq));
		return;
	}

	ret = mars_io_iter(cmd, rq, &iter);
	if (!ret) {
		mars_io_kiocb(dev, &iocb, start, NULL);
		iocb.ki_complete = NULL;	/* synchronous, also with IOCB_DIRECT */
		ret = dev->backing->f_op->read_iter(&iocb, &iter);
		kfree(cmd->bvec);
		cmd->bvec = NULL;
	}
	if (ret == blk_rq_bytes(rq)) {
		mars_index_apply(rq, exts, nr);
	} else {
		while (nr > 0)
			mars_extent_put(exts[--nr]);
		kfree(exts);
	}
	mars_cmd_finish(cmd, ret);
}

/*
 * Writeback: writes `bytes` from the vector to the backing file at `pos`,
 * synchronously. Returns the bytes written or -errno (a short write is
 * -EIO).
 */
ssize_t mars_io_backing_write(struct mars_dev *dev, struct bio_vec *bvec,
			      unsigned int nr_bvec, size_t bytes, loff_t pos)
{
	struct file *file = dev->backing;
	bool regular = S_ISREG(file_inode(file)->i_mode);
	struct iov_iter iter;
	struct kiocb iocb;
	ssize_t ret;

	iov_iter_bvec(&iter, ITER_SOURCE, bvec, nr_bvec, bytes);
	mars_io_kiocb(dev, &iocb, pos, NULL);
	if (regular)
		file_start_write(file);
	ret = file->f_op->write_iter(&iocb, &iter);
	if (regular)
		file_end_write(file);
	if (ret >= 0 && ret != bytes)
		ret = -EIO;
	return ret;
}

/*
 * Discard and write zeroes both leave zeroes behind: a discarded range must
 * read back as zeroes on every copy of the resource. Punching a hole is the
 * cheap way, zeroing the range the one block devices without unmap support
 * offer (and the one that keeps blocks allocated, as REQ_NOUNMAP asks); each
 * falls back to the other.
 */
int mars_io_backing_zero(struct mars_dev *dev, loff_t pos, loff_t len,
			 bool keep_allocated)
{
	int punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	int zero = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	int first = punch, second = zero;
	int ret;

	if (keep_allocated) {
		first = zero;
		second = punch;
	}
	ret = vfs_fallocate(dev->backing, first, pos, len);
	if (ret == -EOPNOTSUPP)
		ret = vfs_fallocate(dev->backing, second, pos, len);
	return ret;
}

/* A write, flush, discard or write zeroes straight to the backing file. */
void mars_io_passthrough(struct mars_dev *dev, struct mars_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	switch (req_op(rq)) {
	case REQ_OP_WRITE:
		mars_io_rw(dev, cmd, rq);
		break;
	case REQ_OP_FLUSH:
		mars_cmd_finish(cmd, vfs_fsync(dev->backing, 0));
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		mars_cmd_finish(cmd, mars_io_backing_zero(dev,
			(loff_t)blk_rq_pos(rq) << SECTOR_SHIFT, blk_rq_bytes(rq),
			req_op(rq) == REQ_OP_WRITE_ZEROES &&
			(rq->cmd_flags & REQ_NOUNMAP)));
		break;
	default:
		mars_cmd_finish(cmd, -EOPNOTSUPP);
		break;
	}
}

static void mars_io_work(struct work_struct *work)
{
	struct mars_cmd *cmd = container_of(work, struct mars_cmd, work);
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct mars_dev *dev = rq->q->queuedata;
	/* the backing file's allocations must not recurse into our IO */
	unsigned int noio = memalloc_noio_save();

	if (req_op(rq) == REQ_OP_READ) {
		if (dev->logger)
			mars_io_read_logged(dev, cmd, rq);
		else
			mars_io_rw(dev, cmd, rq);
	} else if (!dev->logger || !mars_logger_submit(dev, cmd)) {
		mars_io_passthrough(dev, cmd);
	}
	/* cmd and rq may be reused from here on: do not touch them */
	memalloc_noio_restore(noio);
}

static blk_status_t mars_queue_rq(struct blk_mq_hw_ctx *hctx,
				  const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct mars_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct mars_dev *dev = rq->q->queuedata;

	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
	case REQ_OP_FLUSH:
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		if (!(dev->dev_flags & MARS_CTL_DEV_F_DISCARD))
			return BLK_STS_NOTSUPP;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}

	blk_mq_start_request(rq);
	atomic_inc(&dev->in_flight);
	queue_work(dev->wq, &cmd->work);
	return BLK_STS_OK;
}

static int mars_init_request(struct blk_mq_tag_set *set, struct request *rq,
			     unsigned int hctx_idx, unsigned int numa_node)
{
	struct mars_cmd *cmd = blk_mq_rq_to_pdu(rq);

	INIT_WORK(&cmd->work, mars_io_work);
	INIT_LIST_HEAD(&cmd->log_item.entry);
	cmd->extent = NULL;
	cmd->bvec = NULL;
	cmd->sb_write = false;
	return 0;
}

const struct blk_mq_ops mars_mq_ops = {
	.queue_rq = mars_queue_rq,
	.complete = mars_complete_rq,
	.init_request = mars_init_request,
};
