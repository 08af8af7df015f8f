// SPDX-License-Identifier: GPL-2.0
/*
 * Writeback: logged writes reach the backing file after they completed.
 *
 * A round takes committed extents from the writeback list in log order and
 * stops before the first one that overlaps an extent already taken; within
 * a round, then, no two writes touch the same bytes and their order does
 * not matter. The round sorts them by device offset, coalesces neighbours
 * into one write of up to MARS_WB_RUN_BYTES, writes them, makes the backing
 * file durable (fdatasync), and only then removes the extents from the
 * index and moves the writeback position to the last record of the round:
 * everything in the log before that position is durable on the backing
 * file, so after a crash the daemon replays the log from there.
 *
 * Memory is bounded by the dirty limit (mars_logger.c): writers wait until
 * writeback frees enough. A failed round puts its extents back, counts the
 * error and retries a second later; reads still see the data.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "mars_dev.h"

/* Bounds of one round (also MARS_WB_EXTENTS) and of one coalesced write. */
#define MARS_WB_BYTES (32U << 20)
#define MARS_WB_RUN_BYTES (4U << 20)

static bool mars_extents_overlap(const struct mars_extent *a,
				 const struct mars_extent *b)
{
	return a->offset < b->offset + b->bytes &&
	       b->offset < a->offset + a->bytes;
}

/* Takes the extents of the next round, in log order; returns how many. */
static int mars_wb_take(struct mars_logger *lg, struct mars_extent **round)
{
	struct mars_extent *ext, *tmp;
	u64 bytes = 0;
	int i, n = 0;

	spin_lock(&lg->lock);
	list_for_each_entry_safe(ext, tmp, &lg->wb_list, wb_entry) {
		if (n == MARS_WB_EXTENTS ||
		    (n && bytes + ext->bytes > MARS_WB_BYTES))
			break;
		for (i = 0; i < n; i++)
			if (mars_extents_overlap(round[i], ext))
				goto out;
		list_del_init(&ext->wb_entry);
		round[n++] = ext;
		if (!ext->zeroes)
			bytes += ext->bytes;
	}
out:
	lg->wb_busy = n;
	spin_unlock(&lg->lock);
	return n;
}

static int mars_extent_cmp_offset(const void *a, const void *b)
{
	const struct mars_extent *x = *(const struct mars_extent * const *)a;
	const struct mars_extent *y = *(const struct mars_extent * const *)b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Writes sorted[first..] as far as they are contiguous data extents, up to
 * MARS_WB_RUN_BYTES, in one write. Returns how many it wrote or -errno.
 */
static int mars_wb_write_run(struct mars_dev *dev, struct mars_extent **sorted,
			     int first, int n)
{
	unsigned int nr_bvec = 0, i, j;
	struct bio_vec *bvec;
	size_t bytes = 0;
	ssize_t ret;
	int last = first, k;

	while (last + 1 < n && !sorted[last + 1]->zeroes &&
	       sorted[last]->offset + sorted[last]->bytes == sorted[last + 1]->offset &&
	       bytes + sorted[last]->bytes + sorted[last + 1]->bytes <= MARS_WB_RUN_BYTES) {
		bytes += sorted[last]->bytes;
		last++;
	}
	bytes = 0;
	for (k = first; k <= last; k++) {
		nr_bvec += sorted[k]->data.nr_pages;
		bytes += sorted[k]->bytes;
	}
	bvec = kmalloc_array(nr_bvec, sizeof(*bvec), GFP_NOIO);
	if (!bvec)
		return -ENOMEM;
	i = 0;
	for (k = first; k <= last; k++) {
		const struct mars_pbuf *pb = &sorted[k]->data;

		for (j = 0; j < pb->nr_pages; j++, i++) {
			bvec[i].bv_page = pb->pages[j];
			bvec[i].bv_offset = 0;
			bvec[i].bv_len = min_t(size_t, PAGE_SIZE,
					       pb->bytes - (size_t)j * PAGE_SIZE);
		}
	}
	ret = mars_io_backing_write(dev, bvec, nr_bvec, bytes,
				    sorted[first]->offset);
	kfree(bvec);
	if (ret < 0)
		return ret;
	return last - first + 1;
}

/* Writes the round's extents and syncs the backing file. */
static int mars_wb_write_round(struct mars_dev *dev, struct mars_extent **round,
			       int n)
{
	struct mars_extent **sorted;
	int i, ret = 0;

	sorted = kmemdup(round, n * sizeof(*round), GFP_NOIO);
	if (!sorted)
		return -ENOMEM;
	sort(sorted, n, sizeof(*sorted), mars_extent_cmp_offset, NULL);
	for (i = 0; i < n && ret >= 0; i += ret) {
		if (sorted[i]->zeroes) {
			ret = mars_io_backing_zero(dev, sorted[i]->offset,
						   sorted[i]->bytes, false);
			if (!ret)
				ret = 1;
		} else {
			ret = mars_wb_write_run(dev, sorted, i, n);
		}
	}
	kfree(sorted);
	if (ret < 0)
		return ret;
	return vfs_fsync(dev->backing, 1);
}

/* The round is durable on the backing file: retire its extents. */
static void mars_wb_retire(struct mars_logger *lg, struct mars_extent **round,
			   int n)
{
	struct mars_extent *last = round[n - 1];
	int i;

	spin_lock(&lg->lock);
	for (i = 0; i < n; i++) {
		mars_index_remove(lg, round[i]);
		lg->dirty_bytes -= mars_extent_charge(round[i]);
		lg->reserved_bytes -= mars_extent_charge(round[i]);
	}
	lg->wb_generation = last->log_generation;
	lg->wb_offset = last->log_end;
	lg->wb_seq = last->seq;
	lg->wb_busy = 0;
	lg->wb_error = 0;
	spin_unlock(&lg->lock);
	for (i = 0; i < n; i++)
		mars_extent_put(round[i]);
	wake_up_all(&lg->dirty_wait);
	mars_logger_notify(lg->dev, "writeback_position");
}

/* The round failed: its extents go back to the front, in log order. */
static void mars_wb_requeue(struct mars_logger *lg, struct mars_extent **round,
			    int n, int err)
{
	struct mars_dev *dev = lg->dev;
	int i;

	spin_lock(&lg->lock);
	for (i = n - 1; i >= 0; i--)
		list_add(&round[i]->wb_entry, &lg->wb_list);
	lg->wb_busy = 0;
	lg->wb_error = err;
	spin_unlock(&lg->lock);
	atomic64_inc(&lg->log_errors);
	atomic64_inc(&dev->stats.errors);
	pr_err_ratelimited("mars%d: writeback of %d extents from offset %llu failed (%d); retrying\n",
			   dev->index, n, round[0]->offset, err);
	wake_up_all(&lg->dirty_wait);
}

/* One round; returns 0 when there was nothing to do, 1 when done, or -errno. */
static int mars_wb_round(struct mars_logger *lg)
{
	/* rounds never overlap: the work item and removal exclude each other */
	struct mars_extent **round = lg->wb_round;
	int n, ret;

	n = mars_wb_take(lg, round);
	if (!n)
		return 0;
	ret = mars_wb_write_round(lg->dev, round, n);
	if (ret) {
		mars_wb_requeue(lg, round, n, ret);
		return ret;
	}
	mars_wb_retire(lg, round, n);
	return 1;
}

void mars_writeback_work(struct work_struct *work)
{
	struct mars_logger *lg = container_of(to_delayed_work(work),
					      struct mars_logger, wb_work);
	unsigned int noio = memalloc_noio_save();
	int ret;

	while ((ret = mars_wb_round(lg)) > 0)
		cond_resched();
	if (ret < 0)
		queue_delayed_work(lg->dev->wq, &lg->wb_work, HZ);
	memalloc_noio_restore(noio);
}

void mars_writeback_kick(struct mars_logger *lg)
{
	queue_delayed_work(lg->dev->wq, &lg->wb_work, 0);
}

static bool mars_wb_idle(struct mars_logger *lg)
{
	bool idle;

	spin_lock(&lg->lock);
	idle = list_empty(&lg->wb_list) && !lg->wb_busy;
	spin_unlock(&lg->lock);
	return idle;
}

/* Waits until everything committed so far is written back. */
void mars_writeback_drain(struct mars_logger *lg)
{
	mars_writeback_kick(lg);
	wait_event(lg->dirty_wait, mars_wb_idle(lg));
}

/*
 * Device removal: writes back what is left, in this thread. If the backing
 * file fails, the rest is dropped with a message: it is durable in the log,
 * and the daemon replays the log from the writeback position.
 */
void mars_writeback_finish(struct mars_logger *lg)
{
	struct mars_extent *ext, *tmp;
	unsigned int noio;
	LIST_HEAD(left);
	int ret;

	cancel_delayed_work_sync(&lg->wb_work);
	noio = memalloc_noio_save();
	while ((ret = mars_wb_round(lg)) > 0)
		cond_resched();
	memalloc_noio_restore(noio);
	if (!ret)
		return;
	pr_err("mars%d: removed with logged writes not written back (%d); replay the log from writeback position %u/%llu\n",
	       lg->dev->index, ret, lg->wb_generation, lg->wb_offset);
	spin_lock(&lg->lock);
	list_for_each_entry(ext, &lg->wb_list, wb_entry) {
		mars_index_remove(lg, ext);
		lg->dirty_bytes -= mars_extent_charge(ext);
		lg->reserved_bytes -= mars_extent_charge(ext);
	}
	list_splice_init(&lg->wb_list, &left);
	spin_unlock(&lg->lock);
	list_for_each_entry_safe(ext, tmp, &left, wb_entry) {
		list_del_init(&ext->wb_entry);
		mars_extent_put(ext);
	}
}
