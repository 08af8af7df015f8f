/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mars.ko internals shared by its source files:
 *   mars_main.c  module init and exit
 *   mars_ctl.c   /dev/mars-control: ioctls, argument checks, device table
 *   mars_dev.c   one /dev/marsN: gendisk, tag set, open/release, sysfs
 *   mars_io.c    requests: dispatch, pass-through to the backing file via kiocb
 *   mars_pbuf.c  page buffers: logged data and log appends
 *   mars_index.c the dirty index: logged, not yet written back data
 *   mars_logger.c the transaction logger: records, group commit, rotation
 *   mars_writeback.c writeback of logged data to the backing file
 */
#ifndef MARS_DEV_H
#define MARS_DEV_H

#include <linux/atomic.h>
#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "include/uapi/mars_ctl.h"
#include "include/uapi/mars_log.h"

/* Queue depth of a device; requests beyond it wait in blk-mq. */
#define MARS_QUEUE_DEPTH 128
/* Largest request handed to the driver, in 512-byte sectors (1 MiB). */
#define MARS_MAX_HW_SECTORS 2048

/* Most extents one writeback round writes. */
#define MARS_WB_EXTENTS 256

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
	/* with MARS_CTL_ADD_F_LOG: */
	struct file *log;	/* reference passes to the device on success */
	u64 log_offset;
	u64 log_next_seq;
	u64 log_min_stamp_ns;
	u64 dirty_limit;
};

/*
 * Bytes in pages that need not be contiguous: the data of a logged write,
 * and a log append under construction (mars_pbuf.c).
 */
struct mars_pbuf {
	struct page **pages;
	unsigned int nr_pages;
	size_t bytes;
};

/*
 * One logged write (or zeroes write): its data stays here from before the
 * write completes until writeback has made it durable on the backing file.
 * Reads overlay it. Referenced by the index, the writeback list and reads
 * that copy from it.
 */
struct mars_extent {
	struct interval_tree_node node;	/* device sectors [start, last] */
	struct list_head wb_entry;	/* on the writeback list, in log order */
	refcount_t ref;
	u64 offset;			/* device byte offset */
	u32 bytes;
	bool zeroes;			/* no data: reads as zeroes */
	u32 crc;			/* CRC32C of the data, as the record stores it */
	u64 seq;			/* of its record */
	u32 log_generation;		/* logfile of its record ... */
	u64 log_end;			/* ... and the offset after it */
	struct mars_pbuf data;		/* empty for zeroes */
};

/* Memory an extent holds: its data (zeroes extents hold none). */
static inline u64 mars_extent_charge(const struct mars_extent *ext)
{
	return ext->zeroes ? 0 : ext->bytes;
}

/* What the logger's queue holds, in arrival order. */
enum mars_log_item_kind {
	MARS_LOG_ITEM_WRITE,		/* a write or zeroes request with its extent */
	MARS_LOG_ITEM_FLUSH,		/* a flush request */
	MARS_LOG_ITEM_ROTATE,		/* ROTATE_LOG */
	MARS_LOG_ITEM_EMERGENCY,	/* SET_EMERGENCY */
};

struct mars_log_item {
	struct list_head entry;
	enum mars_log_item_kind kind;
};

/* A ROTATE_LOG or SET_EMERGENCY waiting for the logger. */
struct mars_log_event {
	struct mars_log_item item;
	struct file *new_log;		/* ROTATE: reference passes to the logger */
	struct completion done;
	int ret;
	u32 generation;			/* out */
	u64 old_end;			/* out */
	u64 marker_seq;			/* out */
};

/*
 * The transaction logger of a device added with a log (mars_logger.c) and
 * its writeback (mars_writeback.c).
 *
 * Locking: `lock` (a spinlock, taken from the IO path) protects the queue,
 * the state, the index, the writeback list and the reported positions. The
 * fields marked "log work" belong to the logger's work function alone,
 * which runs at most once at a time (one work item).
 */
struct mars_logger {
	struct mars_dev *dev;
	spinlock_t lock;
	u32 state;			/* enum mars_ctl_dev_state */

	struct list_head queue;		/* mars_log_item, not yet in a batch */
	struct work_struct log_work;

	/* log work */
	struct file *log;
	bool log_direct;		/* appends use IOCB_DIRECT, padded */
	u32 generation;			/* 1 + completed rotations */
	u64 end;			/* next append offset */
	u64 durable;			/* everything before it is durable */
	u64 next_seq;
	u64 last_stamp;

	/* the dirty index: extents ordered by sector, possibly overlapping */
	struct rb_root_cached index;
	u64 dirty_bytes;		/* data of logged extents not yet written back */
	u64 reserved_bytes;		/* data held in memory: queued or dirty */
	u64 dirty_limit;		/* bound of reserved_bytes */
	wait_queue_head_t dirty_wait;	/* room under dirty_limit, writeback progress */

	/* writeback */
	struct list_head wb_list;	/* committed extents, log order */
	struct delayed_work wb_work;
	int wb_busy;			/* extents taken off wb_list by a round */
	int wb_error;			/* last writeback error, 0 after success */
	struct mars_extent *wb_round[MARS_WB_EXTENTS];	/* the round's extents */

	/* reported positions (under lock) */
	u32 pos_generation;
	u64 pos_durable;
	u64 pos_next_seq;
	u32 wb_generation;
	u64 wb_offset;
	u64 wb_seq;
	atomic64_t log_errors;
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

	struct mars_logger *logger;	/* NULL: pass-through device */
};

/* Per-request driver data (blk-mq pdu). */
struct mars_cmd {
	struct work_struct work;
	struct mars_log_item log_item;	/* in the logger's queue and batches */
	struct mars_extent *extent;	/* a logged write's data */
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
void mars_cmd_finish(struct mars_cmd *cmd, long ret);
void mars_io_passthrough(struct mars_dev *dev, struct mars_cmd *cmd);
ssize_t mars_io_backing_write(struct mars_dev *dev, struct bio_vec *bvec,
			      unsigned int nr_bvec, size_t bytes, loff_t pos);
int mars_io_backing_zero(struct mars_dev *dev, loff_t pos, loff_t len,
			 bool keep_allocated);

/* mars_pbuf.c */
int mars_pbuf_alloc(struct mars_pbuf *pb, size_t bytes, bool zero);
void mars_pbuf_free(struct mars_pbuf *pb);
void mars_pbuf_write(struct mars_pbuf *pb, size_t off, const void *src,
		     size_t len);
void mars_pbuf_copy(struct mars_pbuf *dst, size_t dst_off,
		    const struct mars_pbuf *src, size_t src_off, size_t len);
u32 mars_pbuf_crc32c(const struct mars_pbuf *pb, size_t off, size_t len,
		     u32 crc);
struct bio_vec *mars_pbuf_bvecs(const struct mars_pbuf *pb, size_t len,
				unsigned int *nr);
void mars_pbuf_from_rq(struct mars_pbuf *pb, struct request *rq);
void mars_pbuf_to_rq(const struct mars_pbuf *pb, size_t pb_off,
		     struct request *rq, size_t rq_off, size_t len);
void mars_rq_zero(struct request *rq, size_t rq_off, size_t len);

/* mars_index.c */
struct mars_extent *mars_extent_alloc(struct request *rq, bool zeroes);
void mars_extent_put(struct mars_extent *ext);
void mars_index_insert(struct mars_logger *lg, struct mars_extent *ext);
void mars_index_remove(struct mars_logger *lg, struct mars_extent *ext);
int mars_index_overlay_read(struct mars_dev *dev, struct request *rq,
			    struct mars_extent ***exts);
void mars_index_apply(struct request *rq, struct mars_extent **exts, int nr);

/* mars_logger.c */
int mars_logger_create(struct mars_dev *dev, const struct mars_dev_config *cfg);
void mars_logger_destroy(struct mars_dev *dev);
bool mars_logger_submit(struct mars_dev *dev, struct mars_cmd *cmd);
int mars_logger_event(struct mars_dev *dev, struct mars_log_event *ev,
		      enum mars_log_item_kind kind);
void mars_logger_fill_query(struct mars_dev *dev, struct mars_ctl_query *q);
void mars_logger_notify(struct mars_dev *dev, const char *attr);

/* mars_writeback.c */
void mars_writeback_work(struct work_struct *work);
void mars_writeback_kick(struct mars_logger *lg);
void mars_writeback_drain(struct mars_logger *lg);
void mars_writeback_finish(struct mars_logger *lg);

/* mars_ctl.c */
int mars_ctl_init(void);
void mars_ctl_exit(void);

#endif /* MARS_DEV_H */
