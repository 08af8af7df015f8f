// The replay of a secondary: applies the records of fetched logfiles to
// its disk, incrementally, while fetch still appends to the logfile.
//
// One logfile at a time, strictly forward from a known record start (the
// LogReader's rules): every complete record available is queued to the
// Replayer in log order. A clean end or a torn tail means "wait for fetch";
// corruption, a sequence gap or an I/O error stop the follower before the
// defective record, so nothing at or after it ever reaches the disk.
//
// A rotate marker ends a logfile. The writer may close the append holding
// the marker with a padding record (O_DIRECT alignment), which belongs to
// the same file and takes a sequence number, so the follower consumes
// padding after the marker too: once the reader reached the clean end
// after the marker, position() is the end of the file — the length its
// versionlink must state — and position().next_seq is what the first
// record of the next logfile must carry. Any other record after a rotate
// marker is a defect.
//
// Which logfile comes next, and whether the switch is allowed (MARS §4.4:
// versionlinks, split brain, a live primary), is the owner's decision:
// switch_to(). Used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/backing_disk.hpp"
#include "engine/replay_position.hpp"
#include "engine/replayer.hpp"
#include "log/log_reader.hpp"

namespace mars::engine {

struct FollowerOptions {
    ReplayerOptions replayer;
};

class LogFollower {
  public:
    enum class Stop {
        waiting,  // every complete record available now is applied; the file may still grow (clean end or torn tail)
        finished, // a rotation marker was applied: this logfile is complete, position() is its end
        defect,   // corruption, sequence gap or I/O error: see diagnosis(); nothing at or after it was applied
    };

    // Opens directory/start.logfile_name() (must exist: else std::system_error)
    // at start.offset, expecting start.next_seq if non-zero. So do switch_to()
    // and retry(), which leave the follower as it was if they throw.
    LogFollower(const BackingDisk& disk, std::filesystem::path directory, ReplayPosition start,
                FollowerOptions options = {});
    // Waits for the writes in flight; does not sync.
    ~LogFollower();
    LogFollower(const LogFollower&) = delete;
    LogFollower& operator=(const LogFollower&) = delete;

    // Applies (queues to the Replayer) every complete record available, at
    // most max_records records (padding and markers count). Returns why it
    // stopped (max_records reached counts as waiting). After a defect it
    // keeps returning defect until retry() or switch_to(). Throws
    // std::system_error only for disk write failures (including a record
    // that reaches beyond the disk); position() then stays before the
    // record that failed, and the next call tries it again.
    Stop apply_available(std::size_t max_records = SIZE_MAX);

    // Just after the last applied record (queued to the disk, maybe not
    // durable yet).
    ReplayPosition position() const { return position_; }
    // Drains and fdatasyncs the disk; returns the position everything
    // before which is durable on the disk: what replay-<host> may publish.
    ReplayPosition sync();
    // How reading ended the last time: a clean end or torn tail while
    // waiting, the defect after `defect`.
    const log::Diagnosis& diagnosis() const { return diagnosis_; }
    // Whether this logfile's rotate marker has been applied.
    bool rotated() const { return rotated_; }

    // After a defect was repaired (the owner truncated the local logfile
    // at diagnosis().offset and fetched again): reopen the reader at
    // position() and continue.
    void retry();
    // Continue with log-<number>-<origin> at offset 0 (the owner decided
    // the switch is allowed). Sequence numbers continue across logfiles:
    // the first record of the new file must carry position().next_seq.
    void switch_to(std::uint32_t number, const std::string& origin);

    // Lamport stamp of the last applied record (0 if none): for lag in seconds.
    std::uint64_t last_stamp() const { return last_stamp_; }
    // Write records applied (data and zeroes; not padding or markers).
    std::uint64_t applied_records() const { return applied_records_; }
    // Bytes those records wrote or zeroed.
    std::uint64_t applied_bytes() const { return applied_bytes_; }
    ReplayerStats stats() const { return replayer_.stats(); }

  private:
    // Reads from `at` on; position() becomes `at` once the file is open.
    void open_reader(ReplayPosition at);
    Stop defect(log::Diagnosis diagnosis);

    std::filesystem::path directory_;
    Replayer replayer_;
    std::unique_ptr<log::LogReader> reader_;
    bool reopen_ = false; // the reader went past a record that was not applied
    ReplayPosition position_;
    log::Diagnosis diagnosis_;
    bool defective_ = false;
    bool rotated_ = false;
    log::Record record_; // reused: keeps its payload buffer
    std::uint64_t last_stamp_ = 0;
    std::uint64_t applied_records_ = 0;
    std::uint64_t applied_bytes_ = 0;
};

} // namespace mars::engine
