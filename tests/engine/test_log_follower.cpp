// The secondary's replay (LogFollower): logfiles written by the real
// LogWriter in a "primary" directory are "fetched" (appended piece by
// piece) into a "secondary" directory and followed onto a disk file, which
// is then compared with the writes the log holds.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <system_error>

#include "engine/log_follower.hpp"
#include "engine_fixture.hpp"
#include "log/logfile_name.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using Stop = engine::LogFollower::Stop;

namespace {

constexpr std::uint64_t kSize = 4u << 20;
constexpr std::uint64_t kSlot = 8192;

struct Op {
    std::uint64_t first_seq, last_seq;
    std::uint32_t logfile;
    std::uint64_t offset;
    std::vector<std::byte> data; // empty: zeroes of `zero_length`
    std::uint64_t zero_length;
};

struct Log {
    test::TempDir dir{"mars-follower"};
    std::filesystem::path primary = dir.path() / "primary";
    std::filesystem::path secondary = dir.path() / "secondary";
    std::filesystem::path disk = dir.path() / "disk";
    std::unique_ptr<log::LogWriter> writer;
    std::vector<Op> ops;
    unsigned writes = 0;

    explicit Log(std::string host = test::kEngineHost, std::uint32_t logfile = 1, std::uint64_t first_seq = 1)
    {
        std::filesystem::create_directory(primary);
        std::filesystem::create_directory(secondary);
        test::make_disk_file(disk, kSize);
        start_writer(std::move(host), logfile, first_seq);
    }

    void start_writer(std::string host, std::uint32_t logfile, std::uint64_t first_seq)
    {
        writer.reset();
        auto o = test::writer_options(primary, std::move(host));
        o.logfile_number = logfile;
        o.first_seq = first_seq;
        writer = std::make_unique<log::LogWriter>(o);
    }

    // `n` writes: mostly 4 KiB of data to slots that wrap around (so later
    // writes overwrite earlier ones), every fourth a zero write.
    void write(unsigned n)
    {
        for (unsigned i = 0; i < n; ++i, ++writes) {
            const std::uint64_t off = (writes % 37) * kSlot + (writes % 3) * 512;
            log::WriteRequest rq;
            rq.offset = off;
            std::vector<std::byte> data;
            if (writes % 4 == 3) {
                rq.zero_length = 2048;
            } else {
                data = test::pattern(1000 + writes, 4096);
                rq.data = data;
            }
            auto r = writer->write(rq);
            ASSERT_TRUE(r.ok()) << r.message;
            ops.push_back({r.first_seq, r.last_seq, r.logfile_number, off, std::move(data), rq.zero_length});
        }
    }

    void rotate()
    {
        auto r = writer->rotate();
        ASSERT_TRUE(r.ok()) << r.message;
    }

    std::string name(std::uint32_t n, const std::string& host = test::kEngineHost) const
    {
        return log::LogfileName{n, host}.str();
    }
    std::filesystem::path source(std::uint32_t n, const std::string& host = test::kEngineHost) const
    {
        return primary / name(n, host);
    }
    std::filesystem::path local(std::uint32_t n, const std::string& host = test::kEngineHost) const
    {
        return secondary / name(n, host);
    }

    // Appends what the local copy lacks, up to `up_to` bytes of the file.
    void fetch(std::uint32_t n, std::uint64_t up_to = ~0ull, const std::string& host = test::kEngineHost) const
    {
        auto all = test::file_bytes(source(n, host));
        const std::uint64_t have = std::filesystem::exists(local(n, host)) ? std::filesystem::file_size(local(n, host)) : 0;
        const std::uint64_t end = std::min<std::uint64_t>(up_to, all.size());
        std::ofstream out(local(n, host), std::ios::binary | std::ios::app);
        if (end > have)
            out.write(reinterpret_cast<const char*>(all.data() + have), static_cast<std::streamsize>(end - have));
    }

    // The disk after the ops with first_seq in [from, to).
    test::DeviceModel model(std::uint64_t from_seq = 0, std::uint64_t to_seq = ~0ull) const
    {
        test::DeviceModel m(kSize);
        for (const Op& op : ops) {
            if (op.first_seq < from_seq || op.first_seq >= to_seq)
                continue;
            if (op.data.empty())
                m.zero(op.offset, op.zero_length);
            else
                m.write(op.offset, op.data);
        }
        return m;
    }

    std::int64_t disk_differs_from(const test::DeviceModel& m) const
    {
        return test::first_difference(test::read_file_range(disk, 0, kSize), m.bytes());
    }
};

engine::ReplayPosition start_of(std::uint32_t logfile = 1, std::uint64_t seq = 1,
                                 const std::string& host = test::kEngineHost)
{
    return {logfile, host, 0, seq};
}

std::uint64_t size_of(const std::filesystem::path& p) { return std::filesystem::file_size(p); }

} // namespace

TEST(LogFollower, AppliesAWholeLogfile)
{
    Log log;
    log.write(40);
    log.fetch(1);

    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.position(), start_of());
    EXPECT_EQ(f.last_stamp(), 0u);
    EXPECT_EQ(f.apply_available(), Stop::waiting);
    EXPECT_EQ(f.diagnosis().kind, log::LogEnd::clean) << f.diagnosis().message();
    const engine::ReplayPosition end{1, test::kEngineHost, size_of(log.local(1)), log.writer->position().next_seq};
    EXPECT_EQ(f.position(), end);
    EXPECT_EQ(f.sync(), end);
    EXPECT_EQ(f.applied_records(), 40u);
    EXPECT_GT(f.last_stamp(), 0u);
    EXPECT_EQ(f.stats().writes + f.stats().zeroes, 40u);
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);

    // Nothing new: still waiting, nothing moves.
    EXPECT_EQ(f.apply_available(), Stop::waiting);
    EXPECT_EQ(f.position(), end);
}

TEST(LogFollower, FollowsAGrowingLogfile)
{
    Log log;
    log.write(10);
    log.fetch(1);
    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(), Stop::waiting);
    EXPECT_EQ(f.applied_records(), 10u);

    log.write(20);
    // Fetch in pieces that cut records anywhere: each call applies exactly
    // the complete records there are and waits at the torn tail.
    const std::uint64_t total = size_of(log.source(1));
    bool saw_torn_tail = false;
    for (std::uint64_t have = size_of(log.local(1)); have < total;) {
        have = std::min(total, have + 3100);
        log.fetch(1, have);
        EXPECT_EQ(f.apply_available(), Stop::waiting);
        saw_torn_tail = saw_torn_tail || f.diagnosis().kind == log::LogEnd::torn_tail;
        EXPECT_LE(f.position().offset, have);
        EXPECT_GT(f.position().offset + 4096 + 64, have); // at most one record (and padding) is incomplete
        const auto synced = f.sync();
        EXPECT_EQ(synced, f.position());
        EXPECT_EQ(log.disk_differs_from(log.model(0, synced.next_seq)), -1) << "at " << synced.str();
    }
    EXPECT_TRUE(saw_torn_tail);
    EXPECT_EQ(f.diagnosis().kind, log::LogEnd::clean);
    EXPECT_EQ(f.position().offset, total);
    EXPECT_EQ(f.applied_records(), 30u);
    f.sync();
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);
}

TEST(LogFollower, MaxRecordsLimitsOneCall)
{
    Log log;
    log.write(6);
    log.fetch(1);
    auto records = test::read_all(log.local(1)).records;
    ASSERT_GE(records.size(), 6u);
    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(0), Stop::waiting);
    EXPECT_EQ(f.position(), start_of());
    EXPECT_EQ(f.apply_available(3), Stop::waiting);
    EXPECT_EQ(f.position().offset, records[3].file_offset);
    EXPECT_EQ(f.position().next_seq, records[3].header.seq);
    EXPECT_EQ(f.apply_available(), Stop::waiting);
    f.sync();
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);
}

TEST(LogFollower, RotationFinishesTheLogfileAndSwitchToContinues)
{
    Log log;
    log.write(12);
    log.rotate();
    log.write(12);
    log.fetch(1);
    log.fetch(2);

    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(), Stop::finished);
    EXPECT_TRUE(f.rotated());
    // The versionlink length of a finished logfile: its whole size.
    const auto second = test::read_all(log.local(2)).records;
    ASSERT_FALSE(second.empty());
    const engine::ReplayPosition end{1, test::kEngineHost, size_of(log.local(1)), second.front().header.seq};
    EXPECT_EQ(f.position(), end);
    EXPECT_EQ(f.apply_available(), Stop::finished); // stays finished
    EXPECT_EQ(f.position(), end);
    EXPECT_EQ(f.sync(), end);
    EXPECT_EQ(log.disk_differs_from(log.model(0, end.next_seq)), -1);

    // A logfile that is not there: nothing changes.
    EXPECT_THROW(f.switch_to(9, test::kEngineHost), std::system_error);
    EXPECT_EQ(f.position(), end);
    EXPECT_EQ(f.apply_available(), Stop::finished);

    f.switch_to(2, test::kEngineHost);
    EXPECT_FALSE(f.rotated());
    EXPECT_EQ(f.position(), (engine::ReplayPosition{2, test::kEngineHost, 0, end.next_seq}));
    EXPECT_EQ(f.apply_available(), Stop::waiting);
    EXPECT_EQ(f.position(), (engine::ReplayPosition{2, test::kEngineHost, size_of(log.local(2)),
                                                     log.writer->position().next_seq}));
    EXPECT_EQ(f.applied_records(), 24u);
    f.sync();
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);
}

TEST(LogFollower, PaddingAfterTheRotateMarkerArrivingLaterIsConsumed)
{
    Log log;
    log.write(5);
    log.rotate();
    log.write(3);
    auto first = test::read_all(log.source(1)).records;
    auto marker = std::find_if(first.begin(), first.end(), [](const log::Record& r) {
        return r.header.type == format::RecordType::marker && r.header.marker == format::Marker::rotate;
    });
    ASSERT_NE(marker, first.end());
    const std::uint64_t after_marker = marker->file_offset + format::record_size(0);

    log.fetch(1, after_marker);
    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(), Stop::finished);
    EXPECT_EQ(f.position().offset, after_marker);
    EXPECT_EQ(f.position().next_seq, marker->header.seq + 1);

    if (after_marker < size_of(log.source(1))) { // O_DIRECT writer: a padding record closes the append
        log.fetch(1, after_marker + 10);         // part of it: the file is not complete
        EXPECT_EQ(f.apply_available(), Stop::waiting);
        EXPECT_EQ(f.diagnosis().kind, log::LogEnd::torn_tail);
        log.fetch(1);
        EXPECT_EQ(f.apply_available(), Stop::finished);
        EXPECT_EQ(f.position().offset, size_of(log.source(1)));
    }
    log.fetch(2);
    f.switch_to(2, test::kEngineHost);
    EXPECT_EQ(f.apply_available(), Stop::waiting) << f.diagnosis().message();
    f.sync();
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);
}

TEST(LogFollower, ASequenceMismatchInTheNextLogfileIsADefect)
{
    Log log;
    log.write(8);
    log.rotate();
    const std::uint64_t next = log.writer->position().next_seq;
    log.writer.reset();
    // Logfile 2 of another origin that does not continue the sequence.
    log.start_writer("beta", 2, next + 5);
    log.write(4);
    log.fetch(1);
    log.fetch(2, ~0ull, "beta");

    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    ASSERT_EQ(f.apply_available(), Stop::finished);
    EXPECT_EQ(f.position().next_seq, next);
    f.switch_to(2, "beta");
    EXPECT_EQ(f.apply_available(), Stop::defect);
    EXPECT_EQ(f.diagnosis().kind, log::LogEnd::sequence_gap) << f.diagnosis().message();
    EXPECT_EQ(f.diagnosis().offset, 0u);
    EXPECT_EQ(f.position(), (engine::ReplayPosition{2, "beta", 0, next}));
    EXPECT_EQ(f.apply_available(), Stop::defect); // final until repaired
    EXPECT_EQ(f.applied_records(), 8u);
    f.sync();
    EXPECT_EQ(log.disk_differs_from(log.model(0, next)), -1);
}

TEST(LogFollower, CorruptionStopsBeforeTheBadRecordAndRetryContinuesAfterRepair)
{
    Log log;
    log.write(30);
    log.fetch(1);
    const auto original = test::file_bytes(log.local(1));

    // Damage the payload of a data write in the middle; valid (durable)
    // records follow it.
    const Op* bad_op = nullptr;
    for (const Op& op : log.ops)
        if (op.first_seq > 30 && !op.data.empty() && !bad_op)
            bad_op = &op;
    ASSERT_NE(bad_op, nullptr);
    auto records = test::read_all(log.local(1)).records;
    auto bad = std::find_if(records.begin(), records.end(),
                            [&](const log::Record& r) { return r.header.seq == bad_op->first_seq; });
    ASSERT_NE(bad, records.end());
    {
        auto bytes = original;
        bytes[bad->file_offset + format::kHeaderSize + 100] ^= std::byte{0x5a};
        test::write_file_bytes(log.local(1), bytes);
    }

    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(), Stop::defect);
    EXPECT_EQ(f.diagnosis().kind, log::LogEnd::corruption) << f.diagnosis().message();
    EXPECT_EQ(f.diagnosis().offset, bad->file_offset);
    EXPECT_EQ(f.position(), (engine::ReplayPosition{1, test::kEngineHost, bad->file_offset, bad_op->first_seq}));
    EXPECT_EQ(f.apply_available(), Stop::defect);
    EXPECT_EQ(f.sync(), f.position());
    // Exactly the records before it are on the disk; the bad one's data
    // and every later write are not.
    EXPECT_EQ(log.disk_differs_from(log.model(0, bad_op->first_seq)), -1);
    EXPECT_NE(test::read_file_range(log.disk, bad_op->offset, 4096), bad_op->data);
    const Op& later = log.ops.back();
    ASSERT_FALSE(later.data.empty());
    EXPECT_NE(test::read_file_range(log.disk, later.offset, 4096), later.data);

    // Repair as the owner does: truncate at the defect, fetch again.
    ASSERT_EQ(::truncate(log.local(1).c_str(), static_cast<off_t>(f.diagnosis().offset)), 0);
    log.fetch(1);
    EXPECT_EQ(test::file_bytes(log.local(1)), original);
    f.retry();
    EXPECT_EQ(f.apply_available(), Stop::waiting) << f.diagnosis().message();
    EXPECT_EQ(f.position().offset, original.size());
    EXPECT_EQ(f.applied_records(), 30u);
    f.sync();
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);
}

TEST(LogFollower, ATornTailWaits)
{
    Log log;
    log.write(10);
    log.fetch(1);
    const std::uint64_t valid = size_of(log.local(1));
    {
        std::ofstream out(log.local(1), std::ios::binary | std::ios::app);
        auto junk = test::pattern(77, 3000);
        out.write(reinterpret_cast<const char*>(junk.data()), static_cast<std::streamsize>(junk.size()));
    }
    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(), Stop::waiting);
    EXPECT_EQ(f.diagnosis().kind, log::LogEnd::torn_tail) << f.diagnosis().message();
    EXPECT_EQ(f.position().offset, valid);
    EXPECT_EQ(f.sync().offset, valid);
    EXPECT_EQ(log.disk_differs_from(log.model()), -1);
}

TEST(LogFollower, StartsInTheMiddleOfALogfile)
{
    Log log;
    log.write(20);
    log.fetch(1);
    const Op& op = log.ops[9];
    auto records = test::read_all(log.local(1)).records;
    auto it = std::find_if(records.begin(), records.end(),
                           [&](const log::Record& r) { return r.header.seq == op.last_seq + 1; });
    ASSERT_NE(it, records.end());

    engine::BackingDisk disk(log.disk, kSize);
    {
        engine::LogFollower f(disk, log.secondary, {1, test::kEngineHost, it->file_offset, op.last_seq + 1});
        EXPECT_EQ(f.apply_available(), Stop::waiting);
        EXPECT_EQ(f.applied_records(), 10u);
        f.sync();
        EXPECT_EQ(log.disk_differs_from(log.model(op.last_seq + 1)), -1);
    }
    // The wrong seq at that offset is a gap, and nothing is applied.
    test::make_disk_file(log.disk, kSize);
    engine::LogFollower g(disk, log.secondary, {1, test::kEngineHost, it->file_offset, op.last_seq + 3});
    EXPECT_EQ(g.apply_available(), Stop::defect);
    EXPECT_EQ(g.diagnosis().kind, log::LogEnd::sequence_gap);
    EXPECT_EQ(g.applied_records(), 0u);
    g.sync();
    EXPECT_EQ(log.disk_differs_from(test::DeviceModel(kSize)), -1);
}

TEST(LogFollower, AMissingLogfileThrows)
{
    Log log;
    engine::BackingDisk disk(log.disk, kSize);
    EXPECT_THROW(engine::LogFollower(disk, log.secondary, start_of(7)), std::system_error);
}

TEST(LogFollower, ARecordAfterTheRotateMarkerIsADefect)
{
    Log log;
    log.write(4);
    log.rotate();
    log.write(4);
    // A local logfile 1 that goes on after its marker (the records of 2).
    log.fetch(1);
    const std::uint64_t end_of_one = size_of(log.local(1));
    {
        auto two = test::file_bytes(log.source(2));
        std::ofstream out(log.local(1), std::ios::binary | std::ios::app);
        out.write(reinterpret_cast<const char*>(two.data()), static_cast<std::streamsize>(two.size()));
    }
    engine::BackingDisk disk(log.disk, kSize);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_EQ(f.apply_available(), Stop::defect);
    EXPECT_EQ(f.diagnosis().offset, end_of_one) << f.diagnosis().message();
    EXPECT_EQ(f.position().offset, end_of_one);
    EXPECT_EQ(f.applied_records(), 4u);
    // Repaired (cut back to the real end): finished.
    ASSERT_EQ(::truncate(log.local(1).c_str(), static_cast<off_t>(end_of_one)), 0);
    f.retry();
    EXPECT_EQ(f.apply_available(), Stop::finished);
    EXPECT_EQ(f.position().offset, end_of_one);
}

TEST(LogFollower, ARecordBeyondTheDiskThrowsAndIsNotSkipped)
{
    Log log;
    log.write(3);
    log.fetch(1);
    // A disk smaller than the device the log was written for.
    engine::BackingDisk disk(log.disk, kSlot);
    engine::LogFollower f(disk, log.secondary, start_of());
    EXPECT_THROW(f.apply_available(), std::system_error);
    const auto at = f.position();
    EXPECT_EQ(f.applied_records(), 1u); // the first write is in slot 0
    EXPECT_THROW(f.apply_available(), std::system_error);
    EXPECT_EQ(f.position(), at);
}
