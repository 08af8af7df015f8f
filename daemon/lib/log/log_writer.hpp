// The transaction log writer: appends write records of one resource to
// /mars/resource-<res>/log-<N>-<host>, with group commit over io_uring.
//
// Any number of threads submit requests. One writer thread gathers whatever
// is queued into a single aligned append (a "batch"), writes it, makes it
// durable with fdatasync and then completes every request of the batch in
// submission order. While one batch is on its way to the disk the next one
// fills up, so the more writers there are, the more records share one
// fdatasync.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "format/compression.hpp"
#include "format/record.hpp"

namespace mars::log {

// When a write counts as complete (block-device semantics).
enum class CompletionMode {
    // Every write completes only after its record is durable. The default.
    durable,
    // Writes complete once their record reached the file; writes carrying
    // FUA or a preflush, and flush requests, still wait for durability.
    // The log is made durable soon after the writer goes idle.
    early,
};

struct WriterOptions {
    std::filesystem::path directory; // /mars/resource-<res>
    std::string host;                // origin host, part of the logfile name
    std::uint32_t logfile_number = 1;
    std::uint64_t first_seq = 1; // sequence number of the first record written
    bool direct_io = true;       // O_DIRECT where the filesystem allows it
    std::uint32_t alignment = 4096; // append alignment with O_DIRECT
    format::Compression compression = format::Compression::none;
    CompletionMode completion = CompletionMode::durable;
    std::size_t max_batch_bytes = 16u << 20;
    unsigned max_inflight_batches = 4;
    std::uint32_t max_record_payload = format::kMaxPayload; // larger writes become several records
    std::function<std::uint64_t()> clock; // Lamport stamps; default: strictly increasing realtime ns
};

struct WriteRequest {
    std::uint64_t offset = 0;          // device byte offset
    std::span<const std::byte> data;   // must stay valid until the completion ran
    bool fua = false;
    bool preflush = false;
    std::uint64_t zero_length = 0;     // > 0 with empty data: write zeroes / discard this many bytes
};

struct WriteResult {
    int error = 0;       // 0 or a negative errno
    std::string message; // what failed, naming file and offset
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::uint32_t logfile_number = 0;
    std::uint64_t end_offset = 0; // logfile offset just after the request's last record

    bool ok() const { return error == 0; }
};

struct LogPosition {
    std::uint32_t logfile_number = 0;
    std::uint64_t end_offset = 0;     // bytes appended to the current logfile
    std::uint64_t durable_offset = 0; // bytes of it known durable
    std::uint64_t next_seq = 0;
};

// Counters since the writer started; appends/syncs per record show how
// well group commit works.
struct WriterStats {
    std::uint64_t records = 0; // including padding and markers
    std::uint64_t appends = 0; // write submissions of whole batches
    std::uint64_t syncs = 0;   // fdatasyncs
    std::uint64_t bytes = 0;   // logfile bytes appended
};

using Completion = std::function<void(const WriteResult&)>;

class LogWriter {
public:
    // Creates log-<N>-<host> (or opens it if it exists and is empty: a
    // writer never appends after records it did not write itself) and makes
    // the new directory entry durable. Throws std::system_error naming the file.
    explicit LogWriter(WriterOptions options);
    // Completes everything queued, then stops.
    ~LogWriter();
    LogWriter(const LogWriter&) = delete;
    LogWriter& operator=(const LogWriter&) = delete;

    // Queues a write; `done` runs on the writer thread once it completed
    // (keep it short). Compression and the payload checksum run here, on the
    // caller's thread, so concurrent callers share that work.
    void submit(const WriteRequest& request, Completion done);
    // Queues a flush: completes once everything submitted before is durable.
    void submit_flush(Completion done);
    // Queues a switch to log-<number>-<host> (0: the next number). The old
    // logfile ends with a rotate marker and is durable, the new one exists
    // durably, before `done` runs; requests queued later go to the new file.
    void submit_rotate(std::uint32_t number, Completion done);

    // Blocking conveniences.
    WriteResult write(const WriteRequest& request);
    WriteResult flush();
    WriteResult rotate(std::uint32_t number = 0);

    LogPosition position() const;
    WriterStats stats() const;
    std::filesystem::path current_path() const;
    bool direct_io_active() const;

private:
    class Engine; // the writer thread and everything it owns (log_writer.cpp)
    std::unique_ptr<Engine> engine_;
};

} // namespace mars::log
