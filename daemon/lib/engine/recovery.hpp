// Crash recovery of the primary: before the device appears again, replay
// its own log from the writeback position (replay-<host>) onto the disk.
//
// Every complete record from the start position on is applied in log
// order, following the logfile numbers (log-N, then log-(N+1) of whatever
// origin) and checking sequence continuity across them. A torn tail is the
// normal end of a log after a crash. Corruption, a sequence gap, a
// missing or duplicated logfile number are errors reported with file,
// offset and reason; nothing at or after the defect reaches the disk
// (records before it do: they are good, and replay is idempotent).
//
// Logfiles are left as they are: the new writer continues in a new (or an
// empty) logfile, never behind records it did not write, and a torn tail
// in the old file stays a torn tail that readers step over.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/backing_disk.hpp"
#include "engine/replay_position.hpp"
#include "engine/replayer.hpp"
#include "log/log_reader.hpp"

namespace mars::engine {

struct RecoveryOptions {
    std::filesystem::path log_directory; // /mars/resource-<res>
    ReplayPosition start;                // as read from replay-<host>
    std::string host;                    // this host: an empty last logfile of its own is reused
    ReplayerOptions replayer;
};

struct RecoveryResult {
    std::string error;  // empty on success, else file, offset and reason
    ReplayPosition end; // just after the last applied record
    // Where the new log writer continues: LogWriter options logfile_number
    // and first_seq. The logfile is new, or existing and empty.
    std::uint32_t next_logfile = 0;
    std::uint64_t next_seq = 0;             // 0 if the start seq was unknown and no record was read
    std::optional<log::Diagnosis> last_end; // how reading ended in the last logfile
    std::uint64_t records = 0;              // write records applied
    std::uint64_t bytes = 0;                // bytes they wrote or zeroed
    unsigned logfiles = 0;                  // logfiles read
    ReplayerStats replayer;

    bool ok() const { return error.empty(); }
};

// Replays onto `disk` and fdatasyncs it. Never throws for log or disk
// problems: they end up in `error`.
RecoveryResult recover(const BackingDisk& disk, const RecoveryOptions& options);

} // namespace mars::engine
