// The messages of the log fetch port (7778) and the full sync port (7779),
// after the usual hello/welcome handshake (net/handshake.hpp). Same field
// encoding as the meta port (net/fields.hpp): unknown tags are skipped,
// required ones checked, single-valued ones given twice refused.
//
//   fetch client                     server
//   list_logs {res} ───────────────►
//                   ◄─────────────── log_list {[name, size]}
//   read_log {res, name, offset, compress} ►
//                   ◄─────────────── chunk {offset, data} ... (what exists now)
//                   ◄─────────────── read_end {size}
//
//   sync client                      server
//   sync_request {res, from, size, compress} ►
//                   ◄─────────────── chunk ... [from, size)
//                   ◄─────────────── sync_end {end, position}
//
// Any request may instead be answered by net::ErrorMessage {text}; the
// connection then stays usable. docs/transfer.md has the details.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "net/message.hpp"

namespace mars::transfer {

// Bytes of file or disk data one chunk carries at most (before compression).
inline constexpr std::uint32_t kMaxChunkSize = 1u << 20;
// The smallest chunk a server sends (except at the end of a stream), however slow the limit.
inline constexpr std::uint32_t kMinChunkSize = 4096;
// Entries a log_list may carry; a resource directory never holds this many.
inline constexpr std::size_t kMaxListedLogfiles = 100000;
// Offsets beyond this are nonsense from a peer (no file or disk is 4 EiB).
inline constexpr std::uint64_t kMaxOffset = std::uint64_t(1) << 62;

struct ListLogs {
    static constexpr net::MessageType kType = net::MessageType::list_logs;
    std::string resource;

    std::vector<std::byte> encode() const;
    static ListLogs decode(std::span<const std::byte> payload);
    friend bool operator==(const ListLogs&, const ListLogs&) = default;
};

struct LogListEntry {
    std::string name; // a logfile name; the client parses it again
    std::uint64_t size = 0;
    friend bool operator==(const LogListEntry&, const LogListEntry&) = default;
};

struct LogList {
    static constexpr net::MessageType kType = net::MessageType::log_list;
    std::vector<LogListEntry> logfiles;

    std::vector<std::byte> encode() const;
    static LogList decode(std::span<const std::byte> payload);
    friend bool operator==(const LogList&, const LogList&) = default;
};

// Asks for the bytes of a logfile from `offset` up to its size when the
// request arrives (a logfile may be growing; later bytes need a new request).
struct ReadLog {
    static constexpr net::MessageType kType = net::MessageType::read_log;
    std::string resource;
    std::string logfile;
    std::uint64_t offset = 0;
    bool compress = false; // the client accepts zstd chunks
    // Largest chunk the client wants (a slow bandwidth limit wants small
    // ones, so no single chunk outlasts a timeout); optional, 0 = kMaxChunkSize.
    std::uint32_t chunk_size = 0;

    std::vector<std::byte> encode() const;
    static ReadLog decode(std::span<const std::byte> payload);
    friend bool operator==(const ReadLog&, const ReadLog&) = default;
};

// One piece of a stream, at `offset` of the file or disk. `data` holds
// `length` bytes, or a zstd frame of them when `compressed`.
struct Chunk {
    static constexpr net::MessageType kType = net::MessageType::chunk;
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    bool compressed = false;
    std::vector<std::byte> data;

    std::vector<std::byte> encode() const;
    // Also refuses length > kMaxChunkSize and, uncompressed, data.size() != length.
    static Chunk decode(std::span<const std::byte> payload);
    friend bool operator==(const Chunk&, const Chunk&) = default;
};

// Ends the answer to read_log: the logfile's size the server went up to.
// Smaller than the requested offset when the client's copy is longer.
struct ReadEnd {
    static constexpr net::MessageType kType = net::MessageType::read_end;
    std::uint64_t size = 0;

    std::vector<std::byte> encode() const;
    static ReadEnd decode(std::span<const std::byte> payload);
    friend bool operator==(const ReadEnd&, const ReadEnd&) = default;
};

// Asks for bytes [from, size) of the resource's disk on the primary.
struct SyncRequest {
    static constexpr net::MessageType kType = net::MessageType::sync_request;
    std::string resource;
    std::uint64_t from = 0;
    std::uint64_t size = 0;
    bool compress = false;
    std::uint32_t chunk_size = 0; // as in ReadLog

    std::vector<std::byte> encode() const;
    static SyncRequest decode(std::span<const std::byte> payload);
    friend bool operator==(const SyncRequest&, const SyncRequest&) = default;
};

// Ends a sync stream: where it ended and the primary's log position taken
// after the last byte was read (the copy is consistent once replay passes it).
struct SyncEnd {
    static constexpr net::MessageType kType = net::MessageType::sync_end;
    std::uint64_t end = 0;
    std::string position;

    std::vector<std::byte> encode() const;
    static SyncEnd decode(std::span<const std::byte> payload);
    friend bool operator==(const SyncEnd&, const SyncEnd&) = default;
};

} // namespace mars::transfer
