// Crash recovery: replay from a position across rotated logfiles, stop at
// a torn tail, and refuse (applying nothing at or after the damage) a
// corrupted log, a sequence gap, a missing or a duplicated logfile.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "engine/primary_data_path.hpp"
#include "engine/recovery.hpp"
#include "engine_fixture.hpp"
#include "log/logfile_name.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;

namespace {

constexpr std::uint64_t kSize = 8u << 20;
constexpr std::uint64_t kSlot = 8192;

struct Op {
    std::uint64_t first_seq, last_seq;
    std::uint32_t logfile;
    std::uint64_t offset;
    std::uint64_t length;
    bool zero;
};

// A log written by a data path whose writeback never ran (as if it had
// crashed right away): `per_file` writes in each of `files` logfiles, each
// write to its own slot, every fifth one a zero write over a pre-filled
// slot... (zeroes over zeroes would prove nothing, so zero writes come
// after a data write to the same slot).
struct CrashedLog {
    test::TempDir dir{"mars-recovery"};
    std::filesystem::path disk = dir.path() / "disk";
    std::filesystem::path logs = dir.path() / "log";
    std::vector<Op> ops;
    engine::ReplayPosition logged;

    CrashedLog(unsigned files, unsigned per_file, std::uint32_t first_logfile = 1, std::uint64_t first_seq = 1,
               bool rotate_at_end = false)
    {
        std::filesystem::create_directory(logs);
        test::make_disk_file(disk, kSize);
        auto opt = test::data_path_options(disk, logs, kSize);
        opt.writeback.start_held = true;
        opt.log.logfile_number = first_logfile;
        opt.log.first_seq = first_seq;
        engine::PrimaryDataPath dp(opt);
        unsigned slot = 0;
        for (unsigned f = 0; f < files; ++f) {
            if (f > 0) {
                auto r = dp.rotate();
                EXPECT_TRUE(r.ok()) << r.message;
            }
            for (unsigned i = 0; i < per_file; ++i, ++slot) {
                const std::uint64_t off = slot * kSlot;
                auto data = test::pattern(slot + 1, 4096);
                auto r = dp.write(off, data);
                EXPECT_TRUE(r.ok()) << r.message;
                ops.push_back({r.first_seq, r.last_seq, r.logfile_number, off, 4096, false});
                if (slot % 5 == 4) {
                    auto z = dp.zeroes(off, 512);
                    EXPECT_TRUE(z.ok()) << z.message;
                    ops.push_back({z.first_seq, z.last_seq, z.logfile_number, off, 512, true});
                }
            }
        }
        if (rotate_at_end) {
            auto r = dp.rotate();
            EXPECT_TRUE(r.ok()) << r.message;
        }
        logged = dp.logged_position();
        // Destroyed while held: the data exists only in the log.
    }

    // The disk after applying the ops with first_seq in [from, to).
    test::DeviceModel model(std::uint64_t from_seq, std::uint64_t to_seq) const
    {
        test::DeviceModel m(kSize);
        for (const Op& op : ops) {
            if (op.first_seq < from_seq || op.first_seq >= to_seq)
                continue;
            if (op.zero)
                m.zero(op.offset, op.length);
            else
                m.write(op.offset, test::pattern(op.offset / kSlot + 1, op.length));
        }
        return m;
    }

    std::filesystem::path logfile(std::uint32_t n) const { return logs / log::LogfileName{n, test::kEngineHost}.str(); }

    engine::RecoveryResult recover(engine::ReplayPosition start) const
    {
        engine::BackingDisk bd(disk, kSize);
        engine::RecoveryOptions ro;
        ro.log_directory = logs;
        ro.start = std::move(start);
        ro.host = test::kEngineHost;
        return engine::recover(bd, ro);
    }

    std::vector<std::byte> disk_bytes() const { return test::read_file_range(disk, 0, kSize); }

    // Where the log really ends: after the last record of the last
    // logfile (the padding that closes an append included).
    engine::ReplayPosition real_end(std::uint32_t n) const
    {
        auto all = test::read_all(logfile(n));
        EXPECT_FALSE(all.records.empty());
        return {n, test::kEngineHost, std::filesystem::file_size(logfile(n)), all.records.back().header.seq + 1};
    }
};

engine::ReplayPosition start_of(std::uint32_t logfile = 1, std::uint64_t seq = 1)
{
    return {logfile, test::kEngineHost, 0, seq};
}

void flip_byte(const std::filesystem::path& file, std::uint64_t offset)
{
    auto bytes = test::file_bytes(file);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] ^= std::byte{0x5a};
    test::write_file_bytes(file, bytes);
}

} // namespace

TEST(Recovery, ReplaysEveryRecordAcrossRotatedLogfiles)
{
    CrashedLog log(3, 20);
    auto empty = log.disk_bytes();
    ASSERT_TRUE(std::all_of(empty.begin(), empty.end(), [](std::byte b) { return b == std::byte{0}; }));

    auto r = log.recover(start_of());
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.logfiles, 3u);
    EXPECT_EQ(r.end, log.real_end(3));
    EXPECT_FALSE(engine::before(r.end, log.logged));
    EXPECT_EQ(r.next_logfile, 4u);
    EXPECT_EQ(r.next_seq, r.end.next_seq);
    ASSERT_TRUE(r.last_end);
    EXPECT_EQ(r.last_end->kind, log::LogEnd::clean);
    EXPECT_EQ(r.records, log.ops.size());
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(0, ~0ull).bytes()), -1);

    // Replay is idempotent: again from the start gives the same disk.
    auto again = log.recover(start_of());
    ASSERT_TRUE(again.ok()) << again.error;
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(0, ~0ull).bytes()), -1);
}

TEST(Recovery, StartsAtTheGivenPosition)
{
    CrashedLog log(2, 10);
    // The position just after op 13 (in logfile 2): everything before it
    // counts as on the disk already, so only later records are replayed.
    const Op& op = log.ops[13];
    auto records = test::read_all(log.logfile(op.logfile));
    auto it = std::find_if(records.records.begin(), records.records.end(),
                           [&](const log::Record& rec) { return rec.header.seq == op.last_seq + 1; });
    ASSERT_NE(it, records.records.end());
    auto r = log.recover({op.logfile, test::kEngineHost, it->file_offset, op.last_seq + 1});
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.logfiles, 1u);
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(op.last_seq + 1, ~0ull).bytes()), -1);
}

TEST(Recovery, StopsAtATornTail)
{
    CrashedLog log(2, 10);
    // An append that never completed: half a record of garbage at the end.
    const auto valid_end = log.real_end(2); // before the garbage is added
    {
        std::ofstream out(log.logfile(2), std::ios::binary | std::ios::app);
        auto junk = test::pattern(77, 3000);
        out.write(reinterpret_cast<const char*>(junk.data()), static_cast<std::streamsize>(junk.size()));
    }
    auto r = log.recover(start_of());
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_TRUE(r.last_end);
    EXPECT_EQ(r.last_end->kind, log::LogEnd::torn_tail) << r.last_end->message();
    EXPECT_EQ(r.end, valid_end);
    EXPECT_EQ(r.next_logfile, 3u) << "a writer never appends behind a torn tail";
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(0, ~0ull).bytes()), -1);
}

TEST(Recovery, CorruptionStopsWithAnErrorAndAppliesNothingFromThere)
{
    CrashedLog log(3, 20);
    // Damage the payload of a record in the middle of logfile 2.
    auto records = test::read_all(log.logfile(2)).records;
    std::vector<log::Record> writes;
    std::copy_if(records.begin(), records.end(), std::back_inserter(writes), [](const log::Record& rec) {
        return rec.header.type == format::RecordType::write && !rec.payload.empty();
    });
    ASSERT_GT(writes.size(), 10u);
    const log::Record& bad = writes[writes.size() / 2];
    flip_byte(log.logfile(2), bad.file_offset + format::kHeaderSize + 100);

    auto r = log.recover(start_of());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error.find(log.logfile(2).string()), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("offset " + std::to_string(bad.file_offset)), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("corruption"), std::string::npos) << r.error;
    EXPECT_EQ(r.end.logfile_number, 2u);
    EXPECT_EQ(r.end.offset, bad.file_offset);
    EXPECT_EQ(r.end.next_seq, bad.header.seq);
    // Everything before the damage is on the disk, nothing at or after it.
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(0, bad.header.seq).bytes()), -1);
}

TEST(Recovery, SequenceGapIsAnError)
{
    CrashedLog log(2, 5);
    auto r = log.recover(start_of(1, 7)); // the first record has seq 1
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error.find("sequence gap"), std::string::npos) << r.error;
    auto disk = log.disk_bytes();
    EXPECT_TRUE(std::all_of(disk.begin(), disk.end(), [](std::byte b) { return b == std::byte{0}; }));
}

TEST(Recovery, SequenceMustContinueInTheNextLogfile)
{
    CrashedLog log(1, 5);
    // A logfile 2 whose first record does not follow logfile 1's last one.
    CrashedLog other(1, 3, 2, 1000);
    std::filesystem::copy_file(other.logfile(2), log.logfile(2));
    auto r = log.recover(start_of());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error.find(log.logfile(2).string()), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("sequence gap"), std::string::npos) << r.error;
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(0, ~0ull).bytes()), -1)
        << "logfile 1 is fine and applied; nothing of logfile 2";
}

TEST(Recovery, MissingLogfileIsAGap)
{
    CrashedLog log(3, 5);
    std::filesystem::remove(log.logfile(2));
    auto r = log.recover(start_of());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error.find("gap"), std::string::npos) << r.error;
    // Logfile 1 is applied (a good prefix of the log), nothing of logfile 3.
    const std::uint64_t first_of_2 =
        std::find_if(log.ops.begin(), log.ops.end(), [](const Op& op) { return op.logfile == 2; })->first_seq;
    EXPECT_EQ(test::first_difference(log.disk_bytes(), log.model(0, first_of_2).bytes()), -1);
}

TEST(Recovery, TwoLogfilesWithOneNumberAreSplitBrain)
{
    CrashedLog log(2, 5);
    std::filesystem::copy_file(log.logfile(2), log.logs / "log-000000002-beta");
    auto r = log.recover(start_of());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error.find("split brain"), std::string::npos) << r.error;
}

TEST(Recovery, AnEmptyLastLogfileOfOurOwnIsReused)
{
    // Rotated, then crashed before anything went to the new logfile.
    CrashedLog log(1, 5, 1, 1, true);
    ASSERT_TRUE(std::filesystem::exists(log.logfile(2)));
    ASSERT_EQ(std::filesystem::file_size(log.logfile(2)), 0u);
    EXPECT_EQ(log.logged.logfile_number, 2u);
    auto r = log.recover(start_of());
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.next_logfile, 2u);
    EXPECT_EQ(r.next_seq, log.logged.next_seq) << "the data path's position after a rotation is exact";
    EXPECT_EQ(r.next_seq, log.real_end(1).next_seq);
    // Recovering from the position the data path had after the rotation
    // finds nothing to do.
    auto again = log.recover(log.logged);
    ASSERT_TRUE(again.ok()) << again.error;
    EXPECT_EQ(again.records, 0u);
    EXPECT_EQ(again.next_logfile, 2u);
}

TEST(Recovery, ContinuesPastATornTailIntoTheLogOfTheNextWriter)
{
    // Crash 1: a torn tail in logfile 1. Recovery says: continue in 2.
    CrashedLog log(1, 8);
    {
        std::ofstream out(log.logfile(1), std::ios::binary | std::ios::app);
        std::vector<char> zeros(5000, 0);
        out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    }
    auto first = log.recover(start_of());
    ASSERT_TRUE(first.ok()) << first.error;
    ASSERT_EQ(first.next_logfile, 2u);
    // The next writer logs more, then crashes too.
    test::DeviceModel model = log.model(0, ~0ull);
    {
        auto opt = test::data_path_options(log.disk, log.logs, kSize);
        opt.log.logfile_number = first.next_logfile;
        opt.log.first_seq = first.next_seq;
        opt.writeback.start_held = true;
        engine::PrimaryDataPath dp(opt);
        auto data = test::pattern(500, 8192);
        ASSERT_TRUE(dp.write(4u << 20, data).ok());
        model.write(4u << 20, data);
    }
    // Recovering from the very beginning crosses the torn tail.
    test::make_disk_file(log.disk, kSize);
    auto second = log.recover(start_of());
    ASSERT_TRUE(second.ok()) << second.error;
    EXPECT_EQ(second.logfiles, 2u);
    EXPECT_EQ(second.next_logfile, 3u);
    EXPECT_EQ(test::first_difference(log.disk_bytes(), model.bytes()), -1);
}

TEST(Recovery, MissingStartLogfileIsFineOnlyAtOffsetZero)
{
    test::TempDir dir;
    auto disk = dir.path() / "disk";
    test::make_disk_file(disk, kSize);
    engine::BackingDisk bd(disk, kSize);
    engine::RecoveryOptions ro;
    ro.log_directory = dir.path();
    ro.host = test::kEngineHost;
    ro.start = start_of(5, 40);
    auto r = engine::recover(bd, ro);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.next_logfile, 5u);
    EXPECT_EQ(r.next_seq, 40u);
    ro.start.offset = 4096;
    EXPECT_FALSE(engine::recover(bd, ro).ok());
}
