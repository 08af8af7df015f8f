// Writeback: the thread that moves dirty data from memory to the backing
// disk, and with it the writeback position (what replay-<host> publishes
// on the primary, and where crash recovery starts).
//
// A round: snapshot the whole dirty index with its log position; make
// sure the log holds every snapshot record durably (only needed when the
// log completes writes early); write the extents to the disk in ascending
// offset order, adjacent ones coalesced into one vectored write, many in
// flight through io_uring; fdatasync the disk; only then drop the written
// extents from the index (which frees their memory) and publish the
// snapshot's position. Extents that were overwritten while the round ran
// stay in the index for the next round.
//
// A round starts when enough is dirty, when dirty data gets old, when a
// writer waits for memory, when someone waits for writeback, or when the
// log moved on with nothing dirty (e.g. after a rotation).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/backing_disk.hpp"
#include "engine/dirty_data.hpp"
#include "engine/disk_write_queue.hpp"
#include "engine/memory_budget.hpp"
#include "engine/replay_position.hpp"

namespace mars::engine {

struct WritebackOptions {
    std::size_t start_bytes = 32u << 20;       // start a round once this much is dirty
    std::chrono::milliseconds max_delay{1000}; // ... or once dirty data is this old
    unsigned queue_depth = 64;                 // disk requests in flight
    std::size_t max_write_bytes = 4u << 20;    // largest coalesced write
    bool start_held = false;                   // begin paused (see Writeback::hold)
    // Runs on the writeback thread after the position advanced (keep it short).
    std::function<void(const ReplayPosition&)> on_position;
    // Tracing and tests: each disk request of a round, in submission order.
    std::function<void(std::uint64_t offset, std::uint64_t length, bool zero)> observer;
};

struct WritebackStats {
    std::uint64_t rounds = 0;      // rounds that wrote something or moved the position
    std::uint64_t extents = 0;     // index extents written
    std::uint64_t disk_writes = 0; // vectored data writes (after coalescing)
    std::uint64_t disk_zeroes = 0; // zero-range requests (after coalescing)
    std::uint64_t bytes = 0;       // data and zeroed bytes
    std::uint64_t syncs = 0;       // fdatasyncs of the disk
};

class Writeback {
  public:
    // Makes the log hold every completed write durably; returns an empty
    // string or what failed.
    using MakeLogDurable = std::function<std::string()>;

    Writeback(DirtyData& dirty, const BackingDisk& disk, MemoryBudget& budget, MakeLogDurable make_log_durable,
              WritebackOptions options);
    // Stops without a final round (see stop()).
    ~Writeback();
    Writeback(const Writeback&) = delete;
    Writeback& operator=(const Writeback&) = delete;

    // Pause and resume (tests; a paused writeback keeps every write in
    // memory). A round already running finishes.
    void hold();
    void release();
    // New data arrived or a writer waits for memory: re-evaluate whether a
    // round is due (cheap; call it as often as you like).
    void notify();

    // Waits until the data of everything logged up to `target` is on the
    // disk. Returns an empty string, or why that will not happen (failure
    // or stop).
    std::string wait_for(const ReplayPosition& target);

    // Ends the thread; with `final_round` (and not held) it first writes
    // back everything dirty.
    void stop(bool final_round);

    ReplayPosition position() const;
    WritebackStats stats() const;
    // Empty unless writeback failed (a disk error): then nothing more is
    // written back and the memory budget is closed.
    std::string error() const;

  private:
    void run();
    bool due() const;
    std::chrono::milliseconds sleep_time() const;
    // One round; returns an empty string or what failed. `did_work` says
    // whether it wrote anything or moved the position.
    std::string round(DiskWriteQueue& queue, bool& did_work);
    void fail(const std::string& why);

    DirtyData& dirty_;
    const BackingDisk& disk_;
    MemoryBudget& budget_;
    MakeLogDurable make_log_durable_;
    WritebackOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;      // wakes the thread
    std::condition_variable done_cv_; // wakes wait_for()
    bool held_ = false;
    bool kicked_ = false;
    bool stopping_ = false;
    bool final_round_ = false;
    bool exited_ = false;
    unsigned waiting_for_ = 0; // wait_for() callers
    ReplayPosition position_;
    WritebackStats stats_;
    std::string error_;
    std::unique_ptr<DiskWriteQueue> queue_; // used by the thread only
    std::thread thread_;
};

} // namespace mars::engine
