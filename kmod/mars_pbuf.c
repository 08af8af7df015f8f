// SPDX-License-Identifier: GPL-2.0
/*
 * Page buffers: bytes kept in single pages, so that a large buffer never
 * needs contiguous memory and can be handed to a file's ->write_iter() as a
 * bio_vec array (direct IO cannot take vmalloc or kvec memory on 6.1).
 *
 * They hold the data of logged writes (copied out of the request, so the
 * request can complete while its data waits for writeback) and log appends
 * under construction (records laid back to back, zero-filled).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "mars_dev.h"

/*
 * Pages for `bytes` bytes, zeroed with `zero` (a log append's fill bytes
 * must be zero; a write's data is copied over every byte anyway). GFP_NOIO:
 * we are on the IO path.
 */
int mars_pbuf_alloc(struct mars_pbuf *pb, size_t bytes, bool zero)
{
	gfp_t gfp = GFP_NOIO | (zero ? __GFP_ZERO : 0);
	unsigned int i, nr = DIV_ROUND_UP(bytes, PAGE_SIZE);

	pb->bytes = bytes;
	pb->nr_pages = 0;
	pb->pages = NULL;
	if (!nr)
		return 0;
	pb->pages = kvmalloc_array(nr, sizeof(*pb->pages), GFP_NOIO);
	if (!pb->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pb->pages[i] = alloc_page(gfp);
		if (!pb->pages[i]) {
			pb->nr_pages = i;
			mars_pbuf_free(pb);
			return -ENOMEM;
		}
	}
	pb->nr_pages = nr;
	return 0;
}

void mars_pbuf_free(struct mars_pbuf *pb)
{
	unsigned int i;

	for (i = 0; i < pb->nr_pages; i++)
		__free_page(pb->pages[i]);
	kvfree(pb->pages);
	pb->pages = NULL;
	pb->nr_pages = 0;
	pb->bytes = 0;
}

/*
 * Calls fn(page address, length, arg) for each page piece of
 * [off, off + len) of the buffer, in order.
 */
static void mars_pbuf_walk(const struct mars_pbuf *pb, size_t off, size_t len,
			   void (*fn)(void *p, size_t n, void *arg), void *arg)
{
	while (len) {
		struct page *page = pb->pages[off >> PAGE_SHIFT];
		size_t in_page = offset_in_page(off);
		size_t n = min_t(size_t, len, PAGE_SIZE - in_page);
		void *p = kmap_local_page(page);

		fn(p + in_page, n, arg);
		kunmap_local(p);
		off += n;
		len -= n;
	}
}

struct mars_copy_cursor {
	const u8 *src;	/* copy from here ... */
	u8 *dst;	/* ... or to here */
};

static void mars_copy_from_cursor(void *p, size_t n, void *arg)
{
	struct mars_copy_cursor *c = arg;

	memcpy(p, c->src, n);
	c->src += n;
}

static void mars_copy_to_cursor(void *p, size_t n, void *arg)
{
	struct mars_copy_cursor *c = arg;

	memcpy(c->dst, p, n);
	c->dst += n;
}

/* Copies `len` bytes from `src` into the buffer at `off`. */
void mars_pbuf_write(struct mars_pbuf *pb, size_t off, const void *src,
		     size_t len)
{
	struct mars_copy_cursor c = { .src = src };

	mars_pbuf_walk(pb, off, len, mars_copy_from_cursor, &c);
}

/* Copies `len` bytes out of the buffer at `off` into `dst`. */
static void mars_pbuf_read(const struct mars_pbuf *pb, size_t off, void *dst,
			   size_t len)
{
	struct mars_copy_cursor c = { .dst = dst };

	mars_pbuf_walk(pb, off, len, mars_copy_to_cursor, &c);
}

struct mars_pbuf_copy_arg {
	struct mars_pbuf *dst;
	size_t dst_off;
};

static void mars_pbuf_copy_piece(void *p, size_t n, void *arg)
{
	struct mars_pbuf_copy_arg *a = arg;

	mars_pbuf_write(a->dst, a->dst_off, p, n);
	a->dst_off += n;
}

void mars_pbuf_copy(struct mars_pbuf *dst, size_t dst_off,
		    const struct mars_pbuf *src, size_t src_off, size_t len)
{
	struct mars_pbuf_copy_arg a = { .dst = dst, .dst_off = dst_off };

	mars_pbuf_walk(src, src_off, len, mars_pbuf_copy_piece, &a);
}

static void mars_crc_piece(void *p, size_t n, void *arg)
{
	u32 *crc = arg;

	*crc = crc32c(*crc, p, n);
}

/*
 * Continues the raw (not inverted) CRC32C `crc` over [off, off + len).
 * The log format's CRC is ~mars_pbuf_crc32c(..., ~0).
 */
u32 mars_pbuf_crc32c(const struct mars_pbuf *pb, size_t off, size_t len,
		     u32 crc)
{
	mars_pbuf_walk(pb, off, len, mars_crc_piece, &crc);
	return crc;
}

/* A bio_vec array over the first `len` bytes, for an iov_iter; kfree it. */
struct bio_vec *mars_pbuf_bvecs(const struct mars_pbuf *pb, size_t len,
				unsigned int *nr)
{
	unsigned int i, n = DIV_ROUND_UP(len, PAGE_SIZE);
	struct bio_vec *bv = kmalloc_array(max(n, 1U), sizeof(*bv), GFP_NOIO);

	if (!bv)
		return NULL;
	for (i = 0; i < n; i++) {
		bv[i].bv_page = pb->pages[i];
		bv[i].bv_offset = 0;
		bv[i].bv_len = min_t(size_t, PAGE_SIZE, len - (size_t)i * PAGE_SIZE);
	}
	*nr = n;
	return bv;
}

/*
 * Request data: walks the request's segments, calling fn for the part of
 * each that lies in [rq_off, rq_off + len) of the request's bytes.
 */
static void mars_rq_walk(struct request *rq, size_t rq_off, size_t len,
			 void (*fn)(void *p, size_t n, size_t at, void *arg),
			 void *arg)
{
	struct req_iterator it;
	struct bio_vec bv;
	size_t pos = 0, end = rq_off + len;

	rq_for_each_segment(bv, rq, it) {
		size_t seg_end = pos + bv.bv_len;

		if (seg_end > rq_off && pos < end) {
			size_t from = max(pos, rq_off);
			size_t to = min(seg_end, end);
			void *p = bvec_kmap_local(&bv);

			fn(p + (from - pos), to - from, from - rq_off, arg);
			kunmap_local(p);
		}
		pos = seg_end;
		if (pos >= end)
			break;
	}
}

struct mars_rq_copy_arg {
	struct mars_pbuf *pb;
	const struct mars_pbuf *cpb;
	size_t pb_off;
};

static void mars_rq_to_pbuf_piece(void *p, size_t n, size_t at, void *arg)
{
	struct mars_rq_copy_arg *a = arg;

	mars_pbuf_write(a->pb, a->pb_off + at, p, n);
}

/* Copies the whole request's data into the buffer (which has its size). */
void mars_pbuf_from_rq(struct mars_pbuf *pb, struct request *rq)
{
	struct mars_rq_copy_arg a = { .pb = pb };

	mars_rq_walk(rq, 0, blk_rq_bytes(rq), mars_rq_to_pbuf_piece, &a);
}

static void mars_pbuf_to_rq_piece(void *p, size_t n, size_t at, void *arg)
{
	struct mars_rq_copy_arg *a = arg;

	mars_pbuf_read(a->cpb, a->pb_off + at, p, n);
}

/* Copies [pb_off, pb_off + len) of the buffer to the request at rq_off. */
void mars_pbuf_to_rq(const struct mars_pbuf *pb, size_t pb_off,
		     struct request *rq, size_t rq_off, size_t len)
{
	struct mars_rq_copy_arg a = { .cpb = pb, .pb_off = pb_off };

	mars_rq_walk(rq, rq_off, len, mars_pbuf_to_rq_piece, &a);
}

static void mars_rq_zero_piece(void *p, size_t n, size_t at, void *arg)
{
	memset(p, 0, n);
}

void mars_rq_zero(struct request *rq, size_t rq_off, size_t len)
{
	mars_rq_walk(rq, rq_off, len, mars_rq_zero_piece, NULL);
}
