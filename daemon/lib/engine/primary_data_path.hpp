// The primary's data path, independent of how the device is exposed (the
// FUSE frontend uses it; the kernel module implements the same semantics):
//
//   write:  copy the data into a chunk (waiting for memory if the dirty
//           index is full) -> append a record to the transaction log ->
//           once the record is durable, the data enters the dirty index ->
//           acknowledge.
//   read:   newest data: the dirty index overlaid on the backing disk.
//   later:  writeback puts dirty data on the disk, sorted and coalesced,
//           and advances the writeback position (replay-<host>).
//
// Every request is checked first: offsets and lengths must be multiples of
// 512 bytes and lie within the device; others fail with -EINVAL or
// -ENOSPC and a message, never touching anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "engine/backing_disk.hpp"
#include "engine/replay_position.hpp"
#include "engine/writeback.hpp"
#include "log/log_writer.hpp"

namespace mars::engine {

struct DataPathOptions {
    std::filesystem::path disk; // the backing disk: block device or file
    std::uint64_t size = 0;     // device size in bytes; the disk must hold at least this
    DiskOptions disk_options;
    // The log writer: directory, host, logfile number and first seq to
    // continue with (after recovery: its end position), completion mode...
    log::WriterOptions log;
    std::size_t memory_limit = 256u << 20; // bytes of dirty data held in memory
    WritebackOptions writeback;
};

struct IoResult {
    int error = 0;       // 0 or a negative errno
    std::string message; // what failed
    // For writes, zeroes and rotations: the log records that carry them.
    std::uint32_t logfile_number = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;

    bool ok() const { return error == 0; }
};

using IoCompletion = std::function<void(const IoResult&)>;

struct WriteFlags {
    bool fua = false;      // durable when complete (always true with the default log completion)
    bool preflush = false; // everything completed before is durable first
};

struct DataPathStats {
    std::uint64_t dirty_bytes = 0; // in the index, not yet on the disk
    std::size_t dirty_extents = 0;
    std::size_t memory_used = 0; // reserved by accepted writes
    std::size_t memory_peak = 0;
    std::size_t memory_limit = 0;
    unsigned memory_waiting = 0;    // writes waiting for memory right now
    std::uint64_t memory_waits = 0; // writes that ever had to wait
    WritebackStats writeback;
    log::WriterStats log;
};

class PrimaryDataPath {
  public:
    // Opens the disk, starts the log writer (on a new or empty logfile) and
    // writeback. Throws std::system_error or std::invalid_argument.
    explicit PrimaryDataPath(DataPathOptions options);
    // Completes every request already submitted, then writes back all
    // dirty data (unless writeback is held: then it stays in the log only,
    // as after a crash) and stops. Do not destroy while a submit_* call is
    // still running on another thread.
    ~PrimaryDataPath();
    PrimaryDataPath(const PrimaryDataPath&) = delete;
    PrimaryDataPath& operator=(const PrimaryDataPath&) = delete;

    // Asynchronous requests. `done` runs exactly once, on the log writer's
    // thread or (for rejected requests) on the caller's; keep it short and
    // never submit writes from it. submit_write copies `data` before it
    // returns, and may block the caller while the memory limit is reached.
    void submit_write(std::uint64_t offset, std::span<const std::byte> data, WriteFlags flags, IoCompletion done);
    // Discard and write-zeroes: both read back as zeroes afterwards.
    void submit_zeroes(std::uint64_t offset, std::uint64_t length, WriteFlags flags, IoCompletion done);
    // Completes once everything completed before it is durable in the log.
    void submit_flush(IoCompletion done);
    // Continues the log in log-<number>-<host> (0: the next number).
    void submit_rotate(std::uint32_t number, IoCompletion done);

    // Reads are served at once on the caller's thread: memory copies plus
    // a pread of the parts that are not dirty.
    IoResult read(std::uint64_t offset, std::span<std::byte> out);

    // Blocking conveniences.
    IoResult write(std::uint64_t offset, std::span<const std::byte> data, WriteFlags flags = {});
    IoResult zeroes(std::uint64_t offset, std::uint64_t length, WriteFlags flags = {});
    IoResult flush();
    IoResult rotate(std::uint32_t number = 0);

    // Writeback control. hold() keeps all new data in memory (tests);
    // wait_writeback() returns once everything completed before the call is
    // on the disk and the writeback position covers it.
    void hold_writeback();
    void release_writeback();
    IoResult wait_writeback();

    // Everything before it is on the disk: what replay-<host> publishes.
    ReplayPosition writeback_position() const;
    // Just after the last completed write (or rotation).
    ReplayPosition logged_position() const;

    std::uint64_t size() const { return options_.size; }
    const BackingDisk& disk() const { return disk_; }
    DataPathStats stats() const;

  private:
    IoResult check(std::uint64_t offset, std::uint64_t length, const char* what) const;
    void submit_logged(std::uint64_t offset, std::shared_ptr<Chunk> chunk, WriteFlags flags, IoCompletion done);
    ReplayPosition position_after(const log::WriteResult& r) const;

    IoResult stopped_result() const;

    DataPathOptions options_;
    BackingDisk disk_;
    MemoryBudget budget_;
    DirtyData dirty_;
    // Guards the pointer against the writeback thread (which flushes the
    // log in early-completion mode) while the destructor ends the writer.
    std::mutex log_mutex_;
    std::unique_ptr<log::LogWriter> log_;
    std::unique_ptr<Writeback> writeback_;
};

} // namespace mars::engine
