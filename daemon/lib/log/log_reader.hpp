// The transaction log reader: iterates the records of one logfile from a
// byte offset and, where it stops, says why.
//
// It walks strictly forward from a known record start and never searches
// for a "next good record" to continue from: nothing at or after a defective
// record is ever returned. Only to tell *what kind* of end it hit does it
// look past a bad record (see diagnose_damage in log_reader.cpp):
//
//   clean        the file ends exactly after the last good record
//   torn_tail    an incomplete last append: zeros or garbage to the end of
//                the file, nothing after it that was ever known durable
//   corruption   a bad record that was durable once: a later valid record
//                says the log was durable past it
//   sequence_gap a valid record whose sequence number does not follow
//   io_error     the file could not be read
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/record.hpp"
#include "util/unique_fd.hpp"

namespace mars::log {

enum class LogEnd { clean, torn_tail, corruption, sequence_gap, io_error };

std::string_view log_end_name(LogEnd e);

struct Diagnosis {
    LogEnd kind = LogEnd::clean;
    std::filesystem::path file;
    std::uint64_t offset = 0; // where reading stopped: the end of the last good record
    std::string reason;       // what was found there

    // "<file> at offset <n>: <kind>: <reason>"
    std::string message() const;
    // Clean ends and torn tails are normal ends of a log (the latter after a
    // crash); corruption, a gap or an I/O error mean it cannot be trusted.
    bool is_defect() const { return kind != LogEnd::clean && kind != LogEnd::torn_tail; }
};

struct Record {
    format::RecordHeader header;
    std::uint64_t file_offset = 0;  // where the record starts
    std::vector<std::byte> payload; // decompressed data of writes and markers; empty for padding and zero writes
};

struct ReaderOptions {
    std::uint64_t start_offset = 0;          // must be the start of a record
    std::optional<std::uint64_t> expected_seq; // sequence number the first record must carry
};

class LogReader {
public:
    // Throws std::system_error if the file cannot be opened.
    explicit LogReader(std::filesystem::path file, ReaderOptions options = {});

    // The next good record, or false at the end; diagnosis() then says why.
    // Sees data appended since the last call (a growing logfile).
    bool next(Record& out);

    const Diagnosis& diagnosis() const { return diagnosis_; }
    // Offset just after the last good record.
    std::uint64_t position() const { return pos_; }
    // Sequence number the next record must carry, once known.
    std::optional<std::uint64_t> expected_seq() const { return expected_seq_; }

private:
    bool refresh_size();
    bool read_exact(std::uint64_t offset, std::size_t length, std::vector<std::byte>& out);
    bool stop(LogEnd kind, std::string reason);
    bool damaged(std::string reason);

    std::filesystem::path file_;
    util::UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t pos_ = 0;
    std::optional<std::uint64_t> expected_seq_;
    Diagnosis diagnosis_;
    std::vector<std::byte> header_buf_;
    std::vector<std::byte> stored_buf_;
};

} // namespace mars::log
