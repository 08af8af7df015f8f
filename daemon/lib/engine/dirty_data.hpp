// The dirty index under a lock, together with the log position it is
// complete up to: the position just after the last log request whose
// data entered the index. A writeback round snapshots both at once; once
// the snapshot's extents are on the disk, that position is the new
// writeback position (everything logged before it is on the disk).
//
// This works because log completions arrive in log order (the LogWriter
// completes requests in submission order) and each one enters the index
// before it is acknowledged.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/dirty_index.hpp"
#include "engine/replay_position.hpp"

namespace mars::engine {

struct WritebackSnapshot {
    std::vector<DirtyExtent> extents; // ascending, disjoint
    ReplayPosition position;          // every record before it is in `extents` or on the disk
};

class DirtyData {
  public:
    using Clock = std::chrono::steady_clock;

    explicit DirtyData(ReplayPosition start) : logged_(std::move(start)) {}

    struct Inserted {
        bool became_dirty = false; // first dirty data since the last snapshot: starts the age timer
        std::uint64_t dirty_bytes = 0;
    };
    // A write's log record is complete: its data enters the index and the
    // logged position moves past it.
    Inserted logged_write(std::uint64_t offset, std::shared_ptr<const Chunk> chunk, ReplayPosition after);
    // A request without data (a rotation) is complete.
    void logged(ReplayPosition after);

    std::vector<DirtyExtent> lookup(std::uint64_t offset, std::uint64_t length) const;
    WritebackSnapshot snapshot();
    // After a writeback round: drops what it put on the disk.
    void forget(const std::vector<DirtyExtent>& written);

    ReplayPosition logged_position() const;
    std::uint64_t dirty_bytes() const;
    std::size_t extent_count() const;
    // When the oldest dirty data not in a snapshot yet entered the index.
    std::optional<Clock::time_point> dirty_since() const;

  private:
    mutable std::mutex mutex_;
    DirtyIndex index_;
    ReplayPosition logged_;
    std::optional<Clock::time_point> dirty_since_;
};

} // namespace mars::engine
