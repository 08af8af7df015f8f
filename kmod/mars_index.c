// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty index: every logged write whose data is not yet written back to
 * the backing file, as an extent in an interval tree keyed by device
 * sectors. Extents may overlap; the one with the larger seq is newer.
 *
 * Why reads need it: a write completes once its record is durable in the
 * log, long before writeback reaches the backing file. A read must see
 * every completed write, so it reads the backing file and then copies the
 * overlapping extents over it, oldest first.
 *
 * Why that is safe while writeback runs: the read takes references on the
 * overlapping extents before it reads the backing file. Writeback removes
 * an extent only after its data is on the backing file, and it writes
 * overlapping extents in log order, so any extent the read did not see is
 * either on the backing file already or older than one it did see.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "mars_dev.h"

/*
 * An extent for a write or zeroes request, with the request's data copied
 * and checksummed. This runs in the request's own worker, many in
 * parallel, so the logger's single work item only lays out records.
 */
struct mars_extent *mars_extent_alloc(struct request *rq, bool zeroes)
{
	struct mars_extent *ext = kzalloc(sizeof(*ext), GFP_NOIO);

	if (!ext)
		return NULL;
	refcount_set(&ext->ref, 1);
	INIT_LIST_HEAD(&ext->wb_entry);
	ext->offset = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
	ext->bytes = blk_rq_bytes(rq);
	ext->zeroes = zeroes;
	ext->node.start = blk_rq_pos(rq);
	ext->node.last = blk_rq_pos(rq) + (ext->bytes >> SECTOR_SHIFT) - 1;
	if (!zeroes) {
		if (mars_pbuf_alloc(&ext->data, ext->bytes, false)) {
			kfree(ext);
			return NULL;
		}
		mars_pbuf_from_rq(&ext->data, rq);
		ext->crc = ~mars_pbuf_crc32c(&ext->data, 0, ext->bytes, ~0U);
	}
	return ext;
}

void mars_extent_put(struct mars_extent *ext)
{
	if (!refcount_dec_and_test(&ext->ref))
		return;
	mars_pbuf_free(&ext->data);
	kfree(ext);
}

/* Called with lg->lock held; the index takes its own reference. */
void mars_index_insert(struct mars_logger *lg, struct mars_extent *ext)
{
	lockdep_assert_held(&lg->lock);
	refcount_inc(&ext->ref);
	interval_tree_insert(&ext->node, &lg->index);
}

/* Called with lg->lock held; drops the index's reference. */
void mars_index_remove(struct mars_logger *lg, struct mars_extent *ext)
{
	lockdep_assert_held(&lg->lock);
	interval_tree_remove(&ext->node, &lg->index);
	/* never the last reference: the caller holds one */
	refcount_dec(&ext->ref);
}

static int mars_extent_cmp_seq(const void *a, const void *b)
{
	const struct mars_extent *x = *(const struct mars_extent * const *)a;
	const struct mars_extent *y = *(const struct mars_extent * const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Takes references on the extents that overlap the read request, sorted
 * oldest first, into a kmalloc'ed array (*exts). Returns their number, 0
 * when none overlap (*exts is then NULL), or -ENOMEM.
 */
int mars_index_overlay_read(struct mars_dev *dev, struct request *rq,
			    struct mars_extent ***exts)
{
	struct mars_logger *lg = dev->logger;
	unsigned long first = blk_rq_pos(rq);
	unsigned long last = first + (blk_rq_bytes(rq) >> SECTOR_SHIFT) - 1;
	struct interval_tree_node *node;
	struct mars_extent **arr = NULL;
	int nr, cap = 0;

	*exts = NULL;
	for (;;) {
		nr = 0;
		spin_lock(&lg->lock);
		for (node = interval_tree_iter_first(&lg->index, first, last);
		     node; node = interval_tree_iter_next(node, first, last)) {
			if (nr < cap) {
				arr[nr] = container_of(node, struct mars_extent, node);
				refcount_inc(&arr[nr]->ref);
			}
			nr++;
		}
		spin_unlock(&lg->lock);
		if (nr <= cap)
			break;
		/* the array was too small: drop what we took, grow, retry */
		while (cap)
			mars_extent_put(arr[--cap]);
		kfree(arr);
		cap = nr + 8;
		arr = kmalloc_array(cap, sizeof(*arr), GFP_NOIO);
		if (!arr)
			return -ENOMEM;
	}
	if (!nr) {
		kfree(arr);
		return 0;
	}
	sort(arr, nr, sizeof(*arr), mars_extent_cmp_seq, NULL);
	*exts = arr;
	return nr;
}

/*
 * Copies the extents (oldest first) over the read request's data, then
 * drops the references and frees the array.
 */
void mars_index_apply(struct request *rq, struct mars_extent **exts, int nr)
{
	u64 rq_start = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
	u64 rq_end = rq_start + blk_rq_bytes(rq);
	int i;

	for (i = 0; i < nr; i++) {
		struct mars_extent *ext = exts[i];
		u64 from = max(rq_start, ext->offset);
		u64 to = min(rq_end, ext->offset + ext->bytes);

		if (from < to) {
			if (ext->zeroes)
				mars_rq_zero(rq, from - rq_start, to - from);
			else
				mars_pbuf_to_rq(&ext->data, from - ext->offset,
						rq, from - rq_start, to - from);
		}
		mars_extent_put(ext);
	}
	kfree(exts);
}
