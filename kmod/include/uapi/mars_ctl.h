/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mars control interface: ioctls on the misc device /dev/mars-control.
 *
 * Shared by the kernel module (kmod/) and the daemon (daemon/). Plain C with
 * kernel uapi types only, so C++ can include it too. docs/kmod.md explains
 * every field and the versioning rules; in short:
 *
 * - Every argument struct starts with `version` (MARS_CTL_VERSION) and
 *   `size` (the caller's sizeof of the struct). The size encoded in the ioctl
 *   number must equal `size`.
 * - Structs only ever grow at their end. A new field's zero value means "the
 *   old behaviour". The module accepts any size from the first published size
 *   (MARS_CTL_*_SIZE_V1) up to 4096 bytes: a shorter struct is zero-extended,
 *   a longer one is accepted when the bytes the module does not know are all
 *   zero and refused with E2BIG otherwise. Only min(size, its own size) bytes
 *   are written back.
 * - An incompatible change would take a new version number; this module
 *   speaks exactly version 1 (GET_INFO reports it).
 * - Reserved fields and unknown flag bits must be zero (EINVAL otherwise).
 *
 * All ioctls need CAP_SYS_ADMIN (EPERM).
 */
#ifndef _UAPI_MARS_CTL_H
#define _UAPI_MARS_CTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#ifdef __cplusplus
#define MARS_CTL_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define MARS_CTL_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#define MARS_CTL_DEVICE_PATH "/dev/mars-control"
#define MARS_CTL_VERSION 1

/* Largest `size` the module looks at; larger is EINVAL. */
#define MARS_CTL_MAX_STRUCT_SIZE 4096

/* Resource names: [a-z][a-z0-9_-]*, 1..63 characters, NUL-terminated. */
#define MARS_CTL_NAME_MAX 64

/* Device sizes are multiples of this, and at most MARS_CTL_MAX_DEVICE_BYTES. */
#define MARS_CTL_SECTOR_SIZE 512
#define MARS_CTL_MAX_DEVICE_BYTES (1ULL << 60)

/* Device indices N of /dev/marsN are 0 .. MARS_CTL_MAX_DEVICES - 1. */
#define MARS_CTL_MAX_DEVICES 1024

/* Bits of mars_ctl_add_device.flags. */
#define MARS_CTL_ADD_F_BUFFERED (1U << 0) /* never use direct IO on the backing file */
#define MARS_CTL_ADD_F_LOG (1U << 1)      /* log every write: the log_* fields are valid */
#define MARS_CTL_ADD_F_KNOWN (MARS_CTL_ADD_F_BUFFERED | MARS_CTL_ADD_F_LOG)

/* Appends to a logfile with direct IO are padded to multiples of this. */
#define MARS_CTL_LOG_ALIGN 4096
/* Default and bounds of mars_ctl_add_device.dirty_limit_bytes. */
#define MARS_CTL_DIRTY_LIMIT_DEFAULT (64ULL << 20)
#define MARS_CTL_DIRTY_LIMIT_MIN (4ULL << 20)
#define MARS_CTL_DIRTY_LIMIT_MAX (1ULL << 40)

/* Values of `state` in QUERY (and of sysfs mars/state). */
enum mars_ctl_dev_state {
	MARS_CTL_STATE_PASSTHROUGH = 0, /* added without a log: IO goes straight to the backing file */
	MARS_CTL_STATE_LOGGING = 1,     /* every write is logged before it completes */
	MARS_CTL_STATE_EMERGENCY = 2,   /* logging stopped (emergency mode): writes go straight to disk */
	MARS_CTL_STATE_FAILED = 3,      /* the log could not be written: writes fail with EIO */
};

/* Bits of `dev_flags` (output): how the device was set up. */
#define MARS_CTL_DEV_F_DIRECT_IO (1U << 0) /* IO to the backing file uses IOCB_DIRECT */
#define MARS_CTL_DEV_F_DISCARD (1U << 1)   /* discard and write zeroes supported */
#define MARS_CTL_DEV_F_BLOCKDEV (1U << 2)  /* the backing file is a block device */
#define MARS_CTL_DEV_F_LOG (1U << 3)       /* added with a log (MARS_CTL_ADD_F_LOG) */
#define MARS_CTL_DEV_F_LOG_DIRECT (1U << 4) /* appends to the logfile use IOCB_DIRECT, padded */

/* GET_INFO: what this module speaks. */
struct mars_ctl_info {
	__u32 version;             /* in: MARS_CTL_VERSION */
	__u32 size;                /* in: sizeof(struct mars_ctl_info) */
	__u32 max_version;         /* out: highest version the module speaks */
	__u32 max_devices;         /* out: MARS_CTL_MAX_DEVICES */
	__u64 max_device_bytes;    /* out: MARS_CTL_MAX_DEVICE_BYTES */
	__u32 nr_devices;          /* out: devices that exist now */
	__u32 reserved;            /* in: 0 */
};

/*
 * ADD_DEVICE: create /dev/marsN on a backing file. The module takes its own
 * reference to the file; the caller may close its fd afterwards. The ioctl
 * returns N (>= 0) and also stores it in `index`.
 *
 * With MARS_CTL_ADD_F_LOG every write becomes a record (mars_log.h) appended
 * to the logfile `log_fd` from `log_offset` on, numbered from `log_next_seq`;
 * a write completes once its record is durable, and reaches the backing file
 * later (writeback). Without the flag the log_* fields must be zero and IO
 * passes straight through (the v1 behaviour).
 */
struct mars_ctl_add_device {
	__u32 version;             /* in: MARS_CTL_VERSION */
	__u32 size;                /* in: sizeof(struct mars_ctl_add_device) */
	__s32 backing_fd;          /* in: block device or regular file, O_RDWR */
	__u32 flags;               /* in: MARS_CTL_ADD_F_* */
	__u64 device_bytes;        /* in: multiple of 512, at most the backing size */
	char name[MARS_CTL_NAME_MAX]; /* in: resource name, zero-padded */
	__u32 index;               /* out: N of /dev/marsN */
	__u32 dev_flags;           /* out: MARS_CTL_DEV_F_* */
	__u32 logical_block_size;  /* out: of /dev/marsN */
	__u32 reserved;            /* in: 0 */
	/* v2 (MARS_CTL_ADD_F_LOG) */
	__s32 log_fd;              /* in: the logfile (regular file or block device), open for writing */
	__u32 log_flags;           /* in: 0 */
	__u64 log_offset;          /* in: append from here; a multiple of 8, at most the file size */
	__u64 log_next_seq;        /* in: seq of the first record, > 0 */
	__u64 log_min_stamp_ns;    /* in: stamps are larger than this (the daemon's Lamport clock) */
	__u64 dirty_limit_bytes;   /* in: memory for not-yet-written-back data; 0: default */
};

/* REMOVE_DEVICE: delete /dev/marsN; EBUSY while it is open. */
struct mars_ctl_remove_device {
	__u32 version;             /* in: MARS_CTL_VERSION */
	__u32 size;                /* in: sizeof(struct mars_ctl_remove_device) */
	__u32 index;               /* in: N of /dev/marsN */
	__u32 flags;               /* in: 0 */
};

/* QUERY: state and counters of /dev/marsN. */
struct mars_ctl_query {
	__u32 version;             /* in: MARS_CTL_VERSION */
	__u32 size;                /* in: sizeof(struct mars_ctl_query) */
	__u32 index;               /* in: N of /dev/marsN */
	__u32 flags;               /* in: 0 */
	__u64 device_bytes;        /* out */
	__u32 dev_flags;           /* out: MARS_CTL_DEV_F_* */
	__u32 logical_block_size;  /* out */
	__u32 open_count;          /* out: openers of /dev/marsN */
	__u32 in_flight;           /* out: requests not yet completed */
	__u64 read_ios;            /* out: completed requests per kind ... */
	__u64 write_ios;
	__u64 fua_ios;             /* ... writes that carried FUA (also in write_ios) */
	__u64 flush_ios;
	__u64 discard_ios;         /* ... discard and write zeroes */
	__u64 errors;              /* out: requests completed with an error */
	__u64 read_bytes;          /* out */
	__u64 write_bytes;         /* out */
	char name[MARS_CTL_NAME_MAX]; /* out: resource name */
	/* v2 */
	__u32 state;               /* out: enum mars_ctl_dev_state */
	__u32 log_generation;      /* out: logfiles used so far: 1 + completed rotations */
	__u64 log_durable;         /* out: logfile offset up to which every record is durable */
	__u64 log_next_seq;        /* out: seq the next record gets */
	__u32 writeback_generation; /* out: logfile of the writeback position */
	__u32 reserved;
	__u64 writeback_offset;    /* out: every record before this offset of that logfile is written back */
	__u64 writeback_seq;       /* out: seq of the last record written back (0: none yet) */
	__u64 dirty_bytes;         /* out: logged data not yet written back */
	__u64 log_errors;          /* out: failed appends, syncs and writebacks */
};

/*
 * ROTATE_LOG: continue logging in a new, empty logfile. The module appends a
 * MARS_LOG_MARKER_ROTATE record to the current logfile, makes it durable and
 * appends to `log_fd` from offset 0 on, with continuing seq numbers. Returns
 * when the switch is done; `old_end_offset` is where the old logfile ends.
 */
struct mars_ctl_rotate_log {
	__u32 version;             /* in: MARS_CTL_VERSION */
	__u32 size;                /* in: sizeof(struct mars_ctl_rotate_log) */
	__u32 index;               /* in: N of /dev/marsN */
	__u32 flags;               /* in: 0 */
	__s32 log_fd;              /* in: the new logfile: regular, writable, empty */
	__u32 generation;          /* out: the new logfile's generation */
	__u64 old_end_offset;      /* out: size of the finished logfile */
	__u64 marker_seq;          /* out: seq of the rotate marker */
};

/*
 * SET_EMERGENCY: stop logging for good (until the device is removed). The
 * module appends a MARS_LOG_MARKER_EMERGENCY record, waits until every
 * logged write is written back, then passes writes straight to the backing
 * file. Returns when the switch is done; the marker's seq is returned.
 */
struct mars_ctl_set_emergency {
	__u32 version;             /* in: MARS_CTL_VERSION */
	__u32 size;                /* in: sizeof(struct mars_ctl_set_emergency) */
	__u32 index;               /* in: N of /dev/marsN */
	__u32 flags;               /* in: 0 */
	__u64 marker_seq;          /* out */
};

/* First published sizes: the module accepts nothing shorter. */
#define MARS_CTL_INFO_SIZE_V1 32
#define MARS_CTL_ADD_DEVICE_SIZE_V1 104
#define MARS_CTL_REMOVE_DEVICE_SIZE_V1 16
#define MARS_CTL_QUERY_SIZE_V1 168
#define MARS_CTL_ROTATE_LOG_SIZE_V1 40
#define MARS_CTL_SET_EMERGENCY_SIZE_V1 24
/* Sizes of the structs as they grew in version 2 of this header. */
#define MARS_CTL_ADD_DEVICE_SIZE_V2 144
#define MARS_CTL_QUERY_SIZE_V2 232

MARS_CTL_STATIC_ASSERT(sizeof(struct mars_ctl_info) == MARS_CTL_INFO_SIZE_V1,
		       "mars_ctl_info v1 layout");
MARS_CTL_STATIC_ASSERT(sizeof(struct mars_ctl_add_device) == MARS_CTL_ADD_DEVICE_SIZE_V2,
		       "mars_ctl_add_device v2 layout");
MARS_CTL_STATIC_ASSERT(sizeof(struct mars_ctl_remove_device) == MARS_CTL_REMOVE_DEVICE_SIZE_V1,
		       "mars_ctl_remove_device v1 layout");
MARS_CTL_STATIC_ASSERT(sizeof(struct mars_ctl_query) == MARS_CTL_QUERY_SIZE_V2,
		       "mars_ctl_query v2 layout");
MARS_CTL_STATIC_ASSERT(sizeof(struct mars_ctl_rotate_log) == MARS_CTL_ROTATE_LOG_SIZE_V1,
		       "mars_ctl_rotate_log v1 layout");
MARS_CTL_STATIC_ASSERT(sizeof(struct mars_ctl_set_emergency) == MARS_CTL_SET_EMERGENCY_SIZE_V1,
		       "mars_ctl_set_emergency v1 layout");
MARS_CTL_STATIC_ASSERT(__builtin_offsetof(struct mars_ctl_add_device, log_fd) ==
			       MARS_CTL_ADD_DEVICE_SIZE_V1,
		       "v2 fields follow the v1 struct");
MARS_CTL_STATIC_ASSERT(__builtin_offsetof(struct mars_ctl_query, state) == MARS_CTL_QUERY_SIZE_V1,
		       "v2 fields follow the v1 struct");
MARS_CTL_STATIC_ASSERT(__builtin_offsetof(struct mars_ctl_add_device, index) == 88,
		       "layout is part of the ABI");
MARS_CTL_STATIC_ASSERT(__builtin_offsetof(struct mars_ctl_query, name) == 104,
		       "layout is part of the ABI");

/*
 * The module matches direction, type and number of a command; its size bits
 * must equal the struct's `size` field, so a caller built against a later,
 * longer struct still reaches the same ioctl.
 */
#define MARS_CTL_IOC_MAGIC 0xE7
#define MARS_CTL_GET_INFO _IOWR(MARS_CTL_IOC_MAGIC, 0x00, struct mars_ctl_info)
#define MARS_CTL_ADD_DEVICE _IOWR(MARS_CTL_IOC_MAGIC, 0x01, struct mars_ctl_add_device)
#define MARS_CTL_REMOVE_DEVICE _IOW(MARS_CTL_IOC_MAGIC, 0x02, struct mars_ctl_remove_device)
#define MARS_CTL_QUERY _IOWR(MARS_CTL_IOC_MAGIC, 0x03, struct mars_ctl_query)
#define MARS_CTL_ROTATE_LOG _IOWR(MARS_CTL_IOC_MAGIC, 0x04, struct mars_ctl_rotate_log)
#define MARS_CTL_SET_EMERGENCY _IOWR(MARS_CTL_IOC_MAGIC, 0x05, struct mars_ctl_set_emergency)

#endif /* _UAPI_MARS_CTL_H */
