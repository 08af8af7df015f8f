// Writes to the backing disk through io_uring, many in flight: vectored
// data writes and zeroing. The queue does not order anything: callers
// submit only requests that may run concurrently (writeback's extents are
// disjoint; the Replayer holds back overlapping ones).
//
// Used by one thread at a time; completion callbacks run inside the calls
// that reap (write, zero, reap, drain), on that thread.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/backing_disk.hpp"
#include "util/aligned_buffer.hpp"
#include "util/io_ring.hpp"

namespace mars::engine {

class DiskWriteQueue {
  public:
    // `error` is 0 or a negative errno; `message` says what failed.
    using Done = std::function<void(int error, const std::string& message)>;

    // At most `depth` requests are in flight; submitting more waits for one.
    DiskWriteQueue(const BackingDisk& disk, unsigned depth);
    // Waits for everything in flight (buffers may still be referenced).
    ~DiskWriteQueue();
    DiskWriteQueue(const DiskWriteQueue&) = delete;
    DiskWriteQueue& operator=(const DiskWriteQueue&) = delete;

    // Writes the buffers back to back at `offset`. They must stay valid
    // until `done` ran. Short writes are continued.
    void write(std::uint64_t offset, std::vector<iovec> buffers, Done done);
    // Makes [offset, offset + length) read as zeroes: fallocate(ZERO_RANGE),
    // or plain writes of zeroes where the disk cannot do that.
    void zero(std::uint64_t offset, std::uint64_t length, Done done);

    // Runs the completions that are ready; with `wait`, waits for at least
    // one if anything is in flight.
    void reap(bool wait);
    // Waits until nothing is in flight.
    void drain();

    unsigned in_flight() const { return in_flight_; }
    unsigned depth() const { return depth_; }

  private:
    struct Op;

    void submit(Op& op);
    void complete(Op& op, int res);
    void switch_to_zero_writes(Op& op);

    const BackingDisk& disk_;
    unsigned depth_;
    util::IoRing ring_;
    unsigned in_flight_ = 0;
    bool fallocate_works_ = true; // until the disk said otherwise
    util::AlignedBuffer zeroes_;  // source for zero writes, allocated on first use
};

} // namespace mars::engine
