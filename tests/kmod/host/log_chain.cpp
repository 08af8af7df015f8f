#include "log_chain.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine/backing_disk.hpp"
#include "engine/replayer.hpp"
#include "format/record.hpp"
#include "log/log_reader.hpp"
#include "support/log_fixture.hpp"

namespace mars::kmodtest {
namespace {

using format::Marker;
using format::RecordType;

constexpr std::uint64_t kAlign = 4096; // MARS_CTL_LOG_ALIGN

// Walks one chain; collects failures instead of stopping at the first, but
// caps them so a broken kernel does not flood the output.
class ChainChecker {
  public:
    ChainChecker(const ChainSpec& spec, engine::Replayer& replayer) : spec_(spec), replayer_(replayer) {}

    ChainReport run()
    {
        std::uint64_t seq = spec_.first_seq;
        for (std::size_t i = 0; i < spec_.logs.size(); ++i)
            seq = check_file(i, seq);
        report_.next_seq = seq;
        if (report_.fua < spec_.min_fua)
            fail("only " + std::to_string(report_.fua) + " FUA write records, want at least " +
                 std::to_string(spec_.min_fua));
        if (report_.zeroes < spec_.min_zeroes)
            fail("only " + std::to_string(report_.zeroes) + " zeroes records, want at least " +
                 std::to_string(spec_.min_zeroes));
        return report_;
    }

  private:
    template <typename... T> void fail(const T&... parts)
    {
        if (report_.failures.size() == 20)
            report_.failures.emplace_back("(more failures left out)");
        if (report_.failures.size() > 20)
            return;
        std::ostringstream s;
        (s << ... << parts);
        report_.failures.push_back(s.str());
    }

    // Reads logfile `i` from seq `seq` on; returns the seq after its last record.
    std::uint64_t check_file(std::size_t i, std::uint64_t seq)
    {
        const auto& path = spec_.logs[i];
        const bool last = i + 1 == spec_.logs.size();
        const std::vector<std::byte> bytes = test::file_bytes(path);
        const std::string where = path.filename().string();
        log::LogReader reader(path, {.start_offset = 0, .expected_seq = seq});
        log::Record rec;
        std::optional<format::RecordHeader> last_real; // last record that is not padding
        std::uint64_t durable = 0;

        while (reader.next(rec)) {
            const auto& h = rec.header;
            const std::string at =
                where + " offset " + std::to_string(rec.file_offset) + " seq " + std::to_string(h.seq);
            const bool kernel = i > 0 || rec.file_offset >= spec_.kernel_from;
            ++report_.records;
            seq = h.seq + 1;

            check_reencoding(rec, bytes, at);
            if (h.stamp_ns <= last_stamp_)
                fail(at, ": stamp ", h.stamp_ns, " not above the previous record's ", last_stamp_);
            last_stamp_ = h.stamp_ns;
            if (kernel && h.stamp_ns <= spec_.min_stamp)
                fail(at, ": stamp ", h.stamp_ns, " not above log_min_stamp_ns ", spec_.min_stamp);
            if (h.durable < durable)
                fail(at, ": durable ", h.durable, " went back from ", durable);
            durable = h.durable;
            if (kernel && spec_.direct && h.durable % kAlign != 0)
                fail(at, ": durable ", h.durable, " is not an append boundary (direct IO pads to 4096)");
            if (last_real && last_real->type == RecordType::marker && h.type != RecordType::padding)
                fail(at, ": a ", format::record_type_name(h.type), " record after the ",
                     format::marker_name(last_real->marker), " marker");

            switch (h.type) {
            case RecordType::write:
                check_write(h, at);
                replayer_.apply(rec);
                last_real = h;
                break;
            case RecordType::padding:
                ++report_.padding;
                if (kernel)
                    check_padding(rec, at);
                break;
            case RecordType::marker:
                ++report_.markers;
                last_real = h;
                break;
            }
        }

        const log::Diagnosis& end = reader.diagnosis();
        report_.bytes += end.offset;
        const bool torn_ok = last && spec_.end == ChainEnd::torn && end.kind == log::LogEnd::torn_tail;
        if (last)
            report_.end = std::string(log::log_end_name(end.kind)) +
                          (end.kind == log::LogEnd::clean ? "" : " (" + end.reason + ")");
        if (end.kind != log::LogEnd::clean && !torn_ok)
            fail(end.message());
        if (end.kind == log::LogEnd::clean && spec_.direct && end.offset % kAlign != 0)
            fail(where, ": ends at ", end.offset, ", not a multiple of 4096 (direct IO)");

        const bool ends_in_marker = last_real && last_real->type == RecordType::marker;
        if (!last) {
            if (!ends_in_marker || last_real->marker != Marker::rotate)
                fail(where, ": the last record but padding is not a rotate marker");
        } else if (spec_.end == ChainEnd::emergency) {
            if (!ends_in_marker || last_real->marker != Marker::emergency)
                fail(where, ": the last record but padding is not an emergency marker");
        } else if (ends_in_marker) {
            fail(where, ": ends with a ", format::marker_name(last_real->marker), " marker (seq ", last_real->seq, ")");
        }
        return seq;
    }

    // The userspace encoder must produce exactly the kernel's bytes.
    void check_reencoding(const log::Record& rec, const std::vector<std::byte>& file, const std::string& at)
    {
        const auto& h = rec.header;
        const std::uint64_t size = format::record_size(h.stored_len);
        if (h.flags & (MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4)) {
            fail(at, ": compressed record (the kernel does not compress)");
            return;
        }
        // Stored bytes: the payload of writes and markers, zeroes for padding.
        std::vector<std::byte> stored = rec.payload;
        if (h.type == RecordType::padding)
            stored.assign(h.stored_len, std::byte{0});
        std::vector<std::byte> encoded(size);
        const std::size_t n = format::encode_record(h, stored, encoded.data());
        if (n != size || rec.file_offset + size > file.size() ||
            std::memcmp(encoded.data(), file.data() + rec.file_offset, size) != 0) {
            std::size_t first = 0;
            while (first < size && rec.file_offset + first < file.size() &&
                   encoded[first] == file[rec.file_offset + first])
                ++first;
            fail(at, ": the userspace encoder writes different bytes (first difference at record byte ", first, ")");
        }
    }

    void check_write(const format::RecordHeader& h, const std::string& at)
    {
        ++report_.writes;
        if (h.flags & MARS_LOG_F_ZEROES)
            ++report_.zeroes;
        if (h.flags & MARS_LOG_F_FUA)
            ++report_.fua;
        if (h.payload_len == 0 || h.offset % 512 != 0 || h.payload_len % 512 != 0 ||
            h.offset + h.payload_len > spec_.device_bytes)
            fail(at, ": write of ", h.payload_len, " bytes at ", h.offset, " is not sector-aligned inside the ",
                 spec_.device_bytes, "-byte device");
    }

    // Padding as the userspace writer makes it: closes an append on a 4096
    // boundary, one alignment unit at most beyond the smallest gap; and only
    // with direct IO.
    void check_padding(const log::Record& rec, const std::string& at)
    {
        const std::uint64_t size = format::record_size(rec.header.stored_len);
        const std::uint64_t end = rec.file_offset + size;
        if (!spec_.direct)
            fail(at, ": padding record, but the log was not written with direct IO");
        else if (end % kAlign != 0 || size >= kAlign + format::kHeaderSize)
            fail(at, ": padding of ", size, " bytes ends at ", end, ", not the next 4096 boundary");
    }

    const ChainSpec& spec_;
    engine::Replayer& replayer_;
    ChainReport report_;
    std::uint64_t last_stamp_ = 0;
};

} // namespace

std::string ChainReport::summary() const
{
    return std::to_string(records) + " records (" + std::to_string(writes) + " writes, " + std::to_string(zeroes) +
           " zeroes, " + std::to_string(fua) + " FUA, " + std::to_string(padding) + " padding, " +
           std::to_string(markers) + " markers), " + std::to_string(bytes) + " logfile bytes, next seq " +
           std::to_string(next_seq) + ", " + end;
}

ChainReport check_chain(const ChainSpec& spec, const std::filesystem::path& replay_image)
{
    {
        std::ofstream create(replay_image, std::ios::binary | std::ios::trunc);
    }
    std::filesystem::resize_file(replay_image, spec.device_bytes);
    engine::BackingDisk disk(replay_image, spec.device_bytes, {.direct_io = true, .exclusive = false});
    engine::Replayer replayer(disk);
    ChainReport report;
    try {
        report = ChainChecker(spec, replayer).run();
        replayer.sync();
    } catch (const std::exception& e) {
        report.failures.push_back(std::string("replay failed: ") + e.what());
    }
    return report;
}

std::string compare_files(const std::filesystem::path& a, const std::filesystem::path& b)
{
    const auto x = test::file_bytes(a);
    const auto y = test::file_bytes(b);
    if (x.size() != y.size())
        return a.string() + " has " + std::to_string(x.size()) + " bytes, " + b.string() + " " +
               std::to_string(y.size());
    auto diff = std::mismatch(x.begin(), x.end(), y.begin());
    if (diff.first == x.end())
        return {};
    const auto at = static_cast<std::size_t>(diff.first - x.begin());
    std::size_t count = 0;
    for (std::size_t i = at; i < x.size(); ++i)
        count += x[i] != y[i];
    return a.filename().string() + " and " + b.filename().string() + " differ from byte " + std::to_string(at) +
           " on (" + std::to_string(count) + " bytes differ)";
}

} // namespace mars::kmodtest
