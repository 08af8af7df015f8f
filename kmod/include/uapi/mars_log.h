/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mars transaction logfile format, version 1.
 *
 * Shared by the kernel module (kmod/) and the userspace daemon (daemon/):
 * both writers must produce byte-identical records. Plain C, no kernel-only
 * headers, so C++ can include it too. The prose description with the
 * reasoning behind every field is docs/log-format.md; keep the two in sync.
 *
 * A logfile /mars/resource-<res>/log-<9 digits>-<host> is a sequence of
 * records laid back to back, each starting at an 8-byte aligned offset:
 *
 *   struct mars_log_header (64 bytes) | stored payload | zero fill to 8
 *
 * All integers are little-endian.
 */
#ifndef _UAPI_MARS_LOG_H
#define _UAPI_MARS_LOG_H

#include <linux/types.h>

#ifdef __cplusplus
#define MARS_LOG_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define MARS_LOG_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

/* The bytes "MARSLOG1" when stored little-endian. */
#define MARS_LOG_MAGIC 0x31474f4c5352414dULL
#define MARS_LOG_VERSION 1

/* Records start at multiples of this within a logfile. */
#define MARS_LOG_RECORD_ALIGN 8

/*
 * Upper bound for payload_len and stored_len. Larger requests are split by
 * the writer; a reader refuses larger values before allocating anything.
 */
#define MARS_LOG_MAX_PAYLOAD (32U << 20)

enum mars_log_record_type {
	MARS_LOG_REC_WRITE = 1,   /* data written to the device at `offset` */
	MARS_LOG_REC_PADDING = 2, /* filler that keeps appends aligned */
	MARS_LOG_REC_MARKER = 3,  /* an event in the log, see mars_log_marker */
};

/* Values of `marker` in a MARS_LOG_REC_MARKER record. */
enum mars_log_marker {
	MARS_LOG_MARKER_ROTATE = 1,    /* log continues in the next logfile */
	MARS_LOG_MARKER_EMERGENCY = 2, /* logging stops: emergency mode */
};

/* Bits of `flags`. */
#define MARS_LOG_F_ZSTD (1U << 0)     /* stored payload is zstd-compressed */
#define MARS_LOG_F_LZ4 (1U << 1)      /* stored payload is lz4-compressed */
#define MARS_LOG_F_FUA (1U << 2)      /* the write carried FUA */
#define MARS_LOG_F_PREFLUSH (1U << 3) /* the write carried a preflush */
#define MARS_LOG_F_ZEROES (1U << 4)   /* write zeroes (or discard) of payload_len bytes; nothing stored */
#define MARS_LOG_F_KNOWN                                                      \
	(MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4 | MARS_LOG_F_FUA |                  \
	 MARS_LOG_F_PREFLUSH | MARS_LOG_F_ZEROES)

struct mars_log_header {
	__le64 magic;       /*  0: MARS_LOG_MAGIC */
	__u8 version;       /*  8: MARS_LOG_VERSION */
	__u8 type;          /*  9: enum mars_log_record_type */
	__le16 flags;       /* 10: MARS_LOG_F_* */
	__le32 marker;      /* 12: enum mars_log_marker for markers, else 0 */
	__le64 seq;         /* 16: record number, +1 per record, continuous across the logfiles of a resource */
	__le64 stamp_ns;    /* 24: Lamport stamp, ns since the epoch */
	__le64 offset;      /* 32: device byte offset of a write, else 0 */
	__le64 durable;     /* 40: logfile offset known durable when this record was built */
	__le32 payload_len; /* 48: payload bytes (uncompressed; write length) */
	__le32 stored_len;  /* 52: bytes stored after the header */
	__le32 payload_crc; /* 56: CRC32C of the stored bytes */
	__le32 header_crc;  /* 60: CRC32C of bytes 0..59 of this header */
};

#define MARS_LOG_HEADER_SIZE 64
#define MARS_LOG_HEADER_CRC_BYTES 60

MARS_LOG_STATIC_ASSERT(sizeof(struct mars_log_header) == MARS_LOG_HEADER_SIZE,
		       "mars_log_header must be 64 bytes");
MARS_LOG_STATIC_ASSERT(__builtin_offsetof(struct mars_log_header, header_crc) ==
			       MARS_LOG_HEADER_CRC_BYTES,
		       "header_crc must be the last field");
MARS_LOG_STATIC_ASSERT(__builtin_offsetof(struct mars_log_header, durable) == 40,
		       "field layout is part of the on-disk format");
MARS_LOG_STATIC_ASSERT(__builtin_offsetof(struct mars_log_header, payload_len) == 48,
		       "field layout is part of the on-disk format");

/* Bytes a record with `stored_len` payload bytes occupies in a logfile. */
#define MARS_LOG_RECORD_SIZE(stored_len)                                      \
	(MARS_LOG_HEADER_SIZE +                                               \
	 (((__u64)(stored_len) + MARS_LOG_RECORD_ALIGN - 1) &                 \
	  ~(__u64)(MARS_LOG_RECORD_ALIGN - 1)))

/*
 * CRC32C is the Castagnoli CRC as used by iSCSI and ext4: reflected,
 * polynomial 0x1EDC6F41, initial value and final xor 0xFFFFFFFF.
 * CRC32C("123456789") == MARS_LOG_CRC32C_CHECK.
 */
#define MARS_LOG_CRC32C_CHECK 0xe3069283U

#endif /* _UAPI_MARS_LOG_H */
