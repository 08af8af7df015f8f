// Applies writes to a disk in log order with many of them in flight: the
// replay of crash recovery on the primary and of fetched logfiles on a
// secondary.
//
// Writes that do not overlap run concurrently (through io_uring); a write
// never starts while an earlier write it overlaps is still queued or in
// flight, so the disk ends up exactly as if the writes had been applied
// one after the other. Later non-overlapping writes may pass a blocked one.
//
// Used by one thread. Data is copied on submission, so callers may reuse
// their buffers at once; queued bytes and requests are bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "engine/backing_disk.hpp"
#include "engine/disk_write_queue.hpp"
#include "log/log_reader.hpp"
#include "util/aligned_buffer.hpp"

namespace mars::engine {

struct ReplayerOptions {
    unsigned max_in_flight = 128;             // disk requests at once (MARS: up to 512)
    std::size_t max_queued_bytes = 64u << 20; // copied data queued or in flight
};

struct ReplayerStats {
    std::uint64_t writes = 0;
    std::uint64_t zeroes = 0;
    std::uint64_t bytes = 0;
    std::uint64_t held_back = 0; // writes that had to wait for an overlapping earlier one
    unsigned most_in_flight = 0;
};

class Replayer {
  public:
    explicit Replayer(const BackingDisk& disk, ReplayerOptions options = {});
    // Waits for what is in flight; does not sync.
    ~Replayer();
    Replayer(const Replayer&) = delete;
    Replayer& operator=(const Replayer&) = delete;

    // Queue one write. Throw std::system_error if it lies outside the disk
    // or an earlier write failed (the first failure, with offset and disk).
    void write(std::uint64_t offset, std::span<const std::byte> data);
    void zero(std::uint64_t offset, std::uint64_t length);
    // A log record: writes (data or zeroes) are applied, padding and
    // markers ignored.
    void apply(const log::Record& record);

    // Waits until everything queued is written. Throws on a failed write.
    void drain();
    // drain() and fdatasync of the disk.
    void sync();

    ReplayerStats stats() const { return stats_; }

  private:
    struct Request {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
        bool zero = false;
        util::AlignedBuffer data;
        bool held_back = false;
    };

    void enqueue(std::unique_ptr<Request> request);
    void start_ready();
    bool overlaps_in_flight(std::uint64_t offset, std::uint64_t end) const;
    void finished(std::uint64_t offset, int error, const std::string& message);
    void throw_if_failed() const;
    void check_range(std::uint64_t offset, std::uint64_t length) const;

    const BackingDisk& disk_;
    ReplayerOptions options_;
    DiskWriteQueue queue_;
    std::deque<std::unique_ptr<Request>> waiting_;                // in log order
    std::map<std::uint64_t, std::unique_ptr<Request>> in_flight_; // by offset; disjoint ranges
    std::size_t queued_bytes_ = 0;
    int error_ = 0;
    std::string error_message_;
    ReplayerStats stats_;
};

} // namespace mars::engine
