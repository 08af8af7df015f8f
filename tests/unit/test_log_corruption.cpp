// Damage that is not a torn tail: flipped bits and sequence gaps.
#include <gtest/gtest.h>

#include "log/append_buffer.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using format::RecordHeader;
using format::RecordType;

namespace {

std::size_t index_of_record_at(const std::vector<log::Record>& all, std::uint64_t byte)
{
    for (std::size_t i = 0; i < all.size(); ++i)
        if (byte < all[i].file_offset + format::record_size(all[i].header.stored_len))
            return i;
    return all.size();
}

// Builds a logfile by hand from (seq, durable) pairs of small write records.
std::vector<std::byte> handmade_log(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& records)
{
    log::AppendBuffer buf;
    buf.reset(records.size() * 128);
    for (auto [seq, durable] : records) {
        RecordHeader h;
        h.type = RecordType::write;
        h.seq = seq;
        h.durable = durable;
        auto data = test::pattern(seq, 40);
        h.payload_len = 40;
        h.offset = seq * 512;
        buf.add(h, data);
    }
    return {buf.data(), buf.data() + buf.size()};
}

} // namespace

TEST(Corruption, EverySingleFlippedBitIsDetectedAndNothingBadIsReturned)
{
    test::TempDir dir;
    std::filesystem::path path;
    {
        auto opt = test::writer_options(dir.path());
        opt.direct_io = false; // keep the file small: every bit is tried
        opt.compression = format::Compression::lz4;
        log::LogWriter writer(opt);
        path = writer.current_path();
        for (int i = 0; i < 12; ++i) {
            auto data = test::pattern(i, 24 + i * 13, i % 3 == 0);
            ASSERT_TRUE(writer.write({std::uint64_t(i) * 4096, data}).ok());
        }
    }
    const auto original = test::file_bytes(path);
    auto full = test::read_all(path);
    ASSERT_EQ(full.diagnosis.kind, log::LogEnd::clean);
    const std::size_t last = full.records.size() - 1;

    for (std::size_t byte = 0; byte < original.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            auto bytes = original;
            bytes[byte] ^= std::byte(1u << bit);
            test::write_file_bytes(path, bytes);
            auto got = test::read_all(path);
            const std::size_t damaged = index_of_record_at(full.records, byte);
            // Exactly the records before the damaged one, unaltered.
            ASSERT_EQ(got.records.size(), damaged) << "bit " << bit << " of byte " << byte;
            for (std::size_t i = 0; i < damaged; ++i)
                ASSERT_EQ(got.records[i].payload, full.records[i].payload);
            // Each record was written and made durable on its own, so any
            // later record proves the damaged one had been durable.
            auto expected = damaged == last ? log::LogEnd::torn_tail : log::LogEnd::corruption;
            ASSERT_EQ(got.diagnosis.kind, expected) << "bit " << bit << " of byte " << byte << ": "
                                                    << got.diagnosis.message();
            ASSERT_EQ(got.diagnosis.offset, full.records[damaged].file_offset);
        }
    }
}

TEST(Corruption, MessageNamesFileOffsetAndReason)
{
    test::TempDir dir;
    auto path = dir.path() / "log-000000001-alpha";
    auto bytes = handmade_log({{1, 0}, {2, 0}, {3, 208}}); // record 3: durable past record 2
    bytes[104 + 70] ^= std::byte{1}; // payload of the second record
    test::write_file_bytes(path, bytes);
    auto got = test::read_all(path);
    EXPECT_EQ(got.records.size(), 1u);
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::corruption);
    auto msg = got.diagnosis.message();
    EXPECT_NE(msg.find(path.string() + " at offset 104: corruption: payload checksum mismatch"), std::string::npos)
        << msg;
}

TEST(Corruption, ValidRecordsOfTheSameUnfinishedAppendDoNotProveDurability)
{
    // All three records were built while nothing was durable yet (durable 0):
    // they belong to one append that never completed, so damage in the
    // first is a torn tail even though the others are intact.
    test::TempDir dir;
    auto path = dir.path() / "log-000000001-alpha";
    auto bytes = handmade_log({{1, 0}, {2, 0}, {3, 0}});
    bytes[10] ^= std::byte{4};
    test::write_file_bytes(path, bytes);
    auto got = test::read_all(path);
    EXPECT_TRUE(got.records.empty());
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::torn_tail) << got.diagnosis.message();
    EXPECT_NE(got.diagnosis.reason.find("2 valid records of the same unfinished append"), std::string::npos)
        << got.diagnosis.reason;
}

TEST(SequenceGap, AForwardJumpIsReportedAndTheRecordNotReturned)
{
    test::TempDir dir;
    auto path = dir.path() / "log-000000001-alpha";
    test::write_file_bytes(path, handmade_log({{1, 0}, {2, 0}, {3, 0}, {5, 0}, {6, 0}}));
    auto got = test::read_all(path);
    ASSERT_EQ(got.records.size(), 3u);
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::sequence_gap);
    EXPECT_EQ(got.diagnosis.offset, 3 * format::record_size(40));
    EXPECT_NE(got.diagnosis.message().find("expected record seq 4, found seq 5"), std::string::npos)
        << got.diagnosis.message();
    EXPECT_TRUE(got.diagnosis.is_defect());
}

TEST(SequenceGap, ABackwardStepIsReported)
{
    test::TempDir dir;
    auto path = dir.path() / "log-000000001-alpha";
    test::write_file_bytes(path, handmade_log({{7, 0}, {8, 0}, {8, 0}}));
    auto got = test::read_all(path);
    EXPECT_EQ(got.records.size(), 2u);
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::sequence_gap);
    EXPECT_NE(got.diagnosis.reason.find("backwards"), std::string::npos);
}

TEST(SequenceGap, TheFirstRecordMustContinueThePreviousLogfile)
{
    test::TempDir dir;
    auto path = dir.path() / "log-000000002-alpha";
    test::write_file_bytes(path, handmade_log({{10, 0}, {11, 0}}));
    EXPECT_EQ(test::read_all(path, {0, 10}).records.size(), 2u);
    auto got = test::read_all(path, {0, 9});
    EXPECT_TRUE(got.records.empty());
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::sequence_gap);
}

TEST(Reader, StartsAtAnOffsetAndFollowsAGrowingFile)
{
    test::TempDir dir;
    auto path = dir.path() / "log-000000001-alpha";
    auto bytes = handmade_log({{1, 0}, {2, 0}, {3, 0}});
    const auto one = format::record_size(40);
    test::write_file_bytes(path, {bytes.begin(), bytes.begin() + static_cast<long>(one + 10)});
    log::LogReader reader(path, {one, 2});
    log::Record rec;
    EXPECT_FALSE(reader.next(rec));
    EXPECT_EQ(reader.diagnosis().kind, log::LogEnd::torn_tail);
    test::write_file_bytes(path, bytes); // the rest arrives (fetch appends)
    ASSERT_TRUE(reader.next(rec));
    EXPECT_EQ(rec.header.seq, 2u);
    ASSERT_TRUE(reader.next(rec));
    EXPECT_FALSE(reader.next(rec));
    EXPECT_EQ(reader.diagnosis().kind, log::LogEnd::clean);
    EXPECT_THROW(log::LogReader(path, {3, std::nullopt}), std::invalid_argument);
    EXPECT_THROW(log::LogReader(dir.path() / "nope"), std::system_error);
}
