// A position in a resource's transaction log, as replay-<host> stores it:
// the logfile, the byte offset in it, and the sequence number of the record
// that starts there. Everything before the position has been applied to
// the disk (on a secondary: replayed; on the primary: written back).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace mars::engine {

struct ReplayPosition {
    std::uint32_t logfile_number = 0;
    std::string origin;         // host part of the logfile name log-<N>-<origin>
    std::uint64_t offset = 0;   // byte offset in that logfile; a record starts here
    std::uint64_t next_seq = 0; // seq the record at `offset` must carry; 0: not known

    // log-<N>-<origin>
    std::string logfile_name() const;
    std::filesystem::path logfile_path(const std::filesystem::path& directory) const;
    // "log-000000003-alpha,4096 (next seq 17)"
    std::string str() const;

    friend bool operator==(const ReplayPosition&, const ReplayPosition&) = default;
};

// Whether `a` lies before `b` in log order. Both must be positions of the
// same log (sequence numbers run continuously across its logfiles), so the
// record sequence decides; the file position breaks ties where it is unknown.
bool before(const ReplayPosition& a, const ReplayPosition& b);

} // namespace mars::engine
