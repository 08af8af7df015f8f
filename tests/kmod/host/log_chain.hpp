// Checks the logfiles one logged /dev/marsN wrote in the qemu guest, with
// the userspace reader, encoder and replayer of the daemon:
//
//  - every logfile reads to a clean end (the last one may end in a torn
//    tail where a crash is expected); seq numbers run on across logfiles;
//  - each record re-encoded by format::encode_record from its decoded
//    header and payload is byte for byte what the kernel wrote;
//  - the rules of the kernel writer: stamps strictly increasing and above
//    the daemon's clock given at ADD_DEVICE, `durable` never going back,
//    with direct IO every append padded to 4096 like the userspace writer
//    (and no padding without it), writes inside the device, no compression;
//  - markers only where expected: a rotate marker ends every logfile but
//    the last, an emergency marker ends the last when emergency mode was
//    switched on, and nothing but padding follows a marker;
//  - all writes replayed by engine::Replayer onto a zero image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mars::kmodtest {

// How the last logfile must end.
enum class ChainEnd {
    clean,     // device removed (or idle): a clean end, no marker last
    emergency, // an emergency marker is the last record but padding
    torn,      // qemu was killed: a clean end or a torn tail
};

struct ChainSpec {
    std::string name;
    std::vector<std::filesystem::path> logs; // by generation
    std::uint64_t first_seq = 1;
    std::uint64_t min_stamp = 0;   // kernel stamps are above this
    std::uint64_t kernel_from = 0; // offset in the first logfile where the kernel began
    std::uint64_t device_bytes = 0;
    bool direct = false; // the kernel appended with direct IO
    ChainEnd end = ChainEnd::clean;
    unsigned min_fua = 0;    // at least this many FUA write records
    unsigned min_zeroes = 0; // ... and zeroes records
};

struct ChainReport {
    std::vector<std::string> failures; // empty: all good
    std::uint64_t records = 0;
    std::uint64_t writes = 0;
    std::uint64_t zeroes = 0;
    std::uint64_t fua = 0;
    std::uint64_t padding = 0;
    std::uint64_t markers = 0;
    std::uint64_t bytes = 0;    // logfile bytes read
    std::uint64_t next_seq = 0; // after the last record
    std::string end;            // how reading the last logfile ended

    std::string summary() const;
};

// Reads, checks and replays the chain; the replayed device image is
// written to `replay_image` (created or truncated to device_bytes).
ChainReport check_chain(const ChainSpec& spec, const std::filesystem::path& replay_image);

// Compares two files byte by byte; empty if equal, else where they differ.
std::string compare_files(const std::filesystem::path& a, const std::filesystem::path& b);

} // namespace mars::kmodtest
