#include "log/log_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "format/compression.hpp"
#include "format/crc32c.hpp"
#include "util/little_endian.hpp"
#include "util/system_error.hpp"

namespace mars::log {
namespace {

using format::HeaderCheck;
using format::RecordHeader;

std::string bytes(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

} // namespace

std::string_view log_end_name(LogEnd e)
{
    switch (e) {
    case LogEnd::clean:
        return "clean end";
    case LogEnd::torn_tail:
        return "torn tail";
    case LogEnd::corruption:
        return "corruption";
    case LogEnd::sequence_gap:
        return "sequence gap";
    case LogEnd::io_error:
        return "I/O error";
    }
    return "unknown";
}

std::string Diagnosis::message() const
{
    return file.string() + " at offset " + std::to_string(offset) + ": " + std::string(log_end_name(kind)) + ": " +
           reason;
}

LogReader::LogReader(std::filesystem::path file, ReaderOptions options)
    : file_(std::move(file)), pos_(options.start_offset), expected_seq_(options.expected_seq)
{
    if (pos_ % format::kRecordAlign != 0)
        throw std::invalid_argument("log reader: start offset " + std::to_string(pos_) + " in " + file_.string() +
                                    " is not a record boundary (records are 8-byte aligned)");
    fd_.reset(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_)
        util::throw_errno("opening logfile " + file_.string());
    diagnosis_.file = file_;
    header_buf_.resize(format::kHeaderSize);
}

bool LogReader::refresh_size()
{
    struct stat st{};
    if (::fstat(fd_.get(), &st) != 0)
        return stop(LogEnd::io_error, std::string("stat failed: ") + std::strerror(errno));
    size_ = static_cast<std::uint64_t>(st.st_size);
    return true;
}

bool LogReader::read_exact(std::uint64_t offset, std::size_t length, std::vector<std::byte>& out)
{
    out.resize(length);
    std::size_t done = 0;
    while (done < length) {
        ssize_t n = ::pread(fd_.get(), out.data() + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            stop(LogEnd::io_error, "reading " + bytes(length) + " at offset " + std::to_string(offset) + ": " +
                                       std::strerror(errno));
            return false;
        }
        if (n == 0) { // the file shrank under us
            stop(LogEnd::io_error, "file ended while reading at offset " + std::to_string(offset + done));
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool LogReader::stop(LogEnd kind, std::string reason)
{
    diagnosis_.kind = kind;
    diagnosis_.offset = pos_;
    diagnosis_.reason = std::move(reason);
    return false;
}

bool LogReader::next(Record& out)
{
    // A defect is final; a clean end or torn tail may be followed by data
    // appended since (a logfile that is still being written or fetched).
    if (diagnosis_.is_defect() && !diagnosis_.reason.empty())
        return false;
    if (!refresh_size())
        return false;
    if (pos_ >= size_)
        return stop(LogEnd::clean, pos_ == size_ ? "end of file" : "start offset is beyond the end of file");

    const std::uint64_t remaining = size_ - pos_;
    if (remaining < format::kHeaderSize)
        return damaged("incomplete record header (" + bytes(remaining) + " before end of file)");
    if (!read_exact(pos_, format::kHeaderSize, header_buf_))
        return false;
    RecordHeader h;
    if (HeaderCheck check = format::decode_header(header_buf_.data(), h); check != HeaderCheck::ok)
        return damaged(std::string(format::describe(check)));
    if (h.durable > pos_)
        return damaged("record claims the log was durable up to " + std::to_string(h.durable) +
                       ", beyond its own start");
    const std::uint64_t size = format::record_size(h.stored_len);
    if (size > remaining)
        return damaged("record of " + bytes(size) + " is cut off after " + bytes(remaining));
    // Read the zero fill up to the next record too: every byte of a logfile
    // is checked, so no flipped bit goes unnoticed.
    if (!read_exact(pos_ + format::kHeaderSize, size - format::kHeaderSize, stored_buf_))
        return false;
    if (!std::all_of(stored_buf_.begin() + h.stored_len, stored_buf_.end(), [](std::byte b) { return b == std::byte{0}; }))
        return damaged("non-zero fill after the payload of record seq " + std::to_string(h.seq));
    stored_buf_.resize(h.stored_len);
    if (std::uint32_t crc = format::crc32c(stored_buf_); crc != h.payload_crc)
        return damaged("payload checksum mismatch in record seq " + std::to_string(h.seq));

    if (expected_seq_ && h.seq != *expected_seq_)
        return stop(LogEnd::sequence_gap, "expected record seq " + std::to_string(*expected_seq_) + ", found seq " +
                                              std::to_string(h.seq) +
                                              (h.seq < *expected_seq_ ? " (sequence went backwards)" : ""));

    out.header = h;
    out.file_offset = pos_;
    out.payload.clear();
    const bool compressed = h.flags & (MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4);
    if (compressed) {
        out.payload.resize(h.payload_len);
        auto method = (h.flags & MARS_LOG_F_ZSTD) ? format::Compression::zstd : format::Compression::lz4;
        if (auto why = format::decompress(method, stored_buf_, out.payload); !why.empty()) {
            out.payload.clear();
            return damaged("record seq " + std::to_string(h.seq) + " does not decompress: " + why);
        }
    } else if (h.type != format::RecordType::padding) {
        out.payload.swap(stored_buf_);
    }
    pos_ += size;
    expected_seq_ = h.seq + 1;
    diagnosis_ = Diagnosis{LogEnd::clean, file_, pos_, {}};
    return true;
}

// The record at pos_ is bad. Decide whether that is the torn tail of an
// append that never completed, or corruption of data that was durable.
//
// Every record carries `durable`: how far the logfile was known durable
// (fdatasync completed) when the record was built. A valid record after
// the bad one whose `durable` lies beyond the bad record's start proves the
// bad bytes had been durable, hence acknowledged: corruption. Valid records
// without such proof can only belong to the same unfinished append (the
// blocks of one append may reach the disk in any order): still a torn tail.
bool LogReader::damaged(std::string reason)
{
    const std::uint64_t bad = pos_;
    std::uint64_t valid_after = 0;
    bool all_zero = true;
    std::vector<std::byte> chunk;
    std::vector<std::byte> header(format::kHeaderSize);
    std::vector<std::byte> stored;
    constexpr std::size_t kChunk = 1 << 20;

    std::uint64_t q = bad;
    while (q < size_) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size_ - q));
        if (!read_exact(q, n, chunk))
            return false;
        if (all_zero)
            all_zero = std::all_of(chunk.begin(), chunk.end(), [](std::byte b) { return b == std::byte{0}; });
        std::uint64_t next_q = q + n;
        for (std::size_t i = 0; i + 8 <= n; i += format::kRecordAlign) {
            std::uint64_t at = q + i;
            if (at == bad)
                continue;
            std::uint64_t magic;
            std::memcpy(&magic, chunk.data() + i, sizeof magic);
            if (util::from_le64(magic) != MARS_LOG_MAGIC || size_ - at < format::kHeaderSize)
                continue;
            RecordHeader h;
            if (!read_exact(at, format::kHeaderSize, header))
                return false;
            if (format::decode_header(header.data(), h) != HeaderCheck::ok || h.durable > at ||
                format::record_size(h.stored_len) > size_ - at)
                continue;
            if (!read_exact(at + format::kHeaderSize, h.stored_len, stored))
                return false;
            if (format::crc32c(stored) != h.payload_crc)
                continue;
            if (h.durable > bad)
                return stop(LogEnd::corruption,
                            reason + "; the valid record at offset " + std::to_string(at) + " (seq " +
                                std::to_string(h.seq) + ") shows the log was durable up to " +
                                std::to_string(h.durable) + ", so this record had been written completely");
            ++valid_after;
            // Continue scanning after this record (it may cross the chunk).
            next_q = at + format::record_size(h.stored_len);
            break;
        }
        q = std::max(next_q, q + format::kRecordAlign);
        // Keep the scan on record alignment.
        q = (q + format::kRecordAlign - 1) & ~std::uint64_t(format::kRecordAlign - 1);
    }

    std::string tail = bytes(size_ - bad) + " to end of file";
    if (valid_after > 0)
        reason += "; " + tail + " hold " + std::to_string(valid_after) +
                  " valid records of the same unfinished append, none proven durable";
    else if (all_zero)
        reason += "; " + tail + ", all zero";
    else
        reason += "; " + tail + ", no valid record among them";
    return stop(LogEnd::torn_tail, std::move(reason));
}

} // namespace mars::log
