// Writing and reading back every record type, with and without compression
// and O_DIRECT, across a rotation.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "format/compression.hpp"
#include "log/logfile_name.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using format::Compression;
using format::RecordType;

namespace {

struct Written {
    std::uint64_t offset;
    std::vector<std::byte> data;
};

void expect_same_writes(const std::vector<log::Record>& records, const std::vector<Written>& written)
{
    std::size_t w = 0;
    for (const auto& r : records) {
        if (r.header.type != RecordType::write || (r.header.flags & MARS_LOG_F_ZEROES))
            continue;
        ASSERT_LT(w, written.size());
        EXPECT_EQ(r.header.offset, written[w].offset);
        EXPECT_EQ(r.header.payload_len, written[w].data.size());
        EXPECT_TRUE(r.payload == written[w].data) << "payload of record seq " << r.header.seq;
        ++w;
    }
    EXPECT_EQ(w, written.size());
}

class RoundTrip : public ::testing::TestWithParam<std::tuple<Compression, bool>> {};

} // namespace

TEST_P(RoundTrip, EveryRecordTypeSurvives)
{
    auto [compression, direct] = GetParam();
    test::TempDir dir;
    auto opt = test::writer_options(dir.path());
    opt.compression = compression;
    opt.direct_io = direct;
    std::vector<Written> written;
    std::filesystem::path first;
    {
        log::LogWriter writer(opt);
        first = writer.current_path();
        EXPECT_EQ(first.filename(), "log-000000001-alpha");
        std::uint64_t seq = 0;
        for (std::size_t size : {1u, 511u, 4096u, 70000u, 1u << 20}) {
            for (bool compressible : {false, true}) {
                Written w{size * 7, test::pattern(size, size, compressible)};
                log::WriteRequest req;
                req.offset = w.offset;
                req.data = w.data;
                req.fua = size == 4096;
                auto r = writer.write(req);
                ASSERT_TRUE(r.ok()) << r.message;
                EXPECT_GT(r.first_seq, seq);
                seq = r.last_seq;
                written.push_back(std::move(w));
            }
        }
        log::WriteRequest zeroes;
        zeroes.offset = 1 << 20;
        zeroes.zero_length = 3 << 20;
        ASSERT_TRUE(writer.write(zeroes).ok());
        auto f = writer.flush();
        ASSERT_TRUE(f.ok());
        EXPECT_EQ(writer.position().durable_offset, writer.position().end_offset);
        EXPECT_EQ(writer.direct_io_active(), direct);
    }
    auto got = test::read_all(first);
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::clean) << got.diagnosis.message();
    expect_same_writes(got.records, written);

    // Sequence numbers are continuous from 1, including padding.
    std::uint64_t expect = 1;
    bool saw_zeroes = false, saw_compressed = false, saw_fua = false, saw_padding = false;
    for (const auto& r : got.records) {
        EXPECT_EQ(r.header.seq, expect++);
        saw_zeroes |= (r.header.flags & MARS_LOG_F_ZEROES) != 0;
        saw_compressed |= (r.header.flags & (MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4)) != 0;
        saw_fua |= (r.header.flags & MARS_LOG_F_FUA) != 0;
        saw_padding |= r.header.type == RecordType::padding;
        if (r.header.flags & (MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4)) {
            EXPECT_LT(r.header.stored_len, r.header.payload_len);
        }
    }
    EXPECT_TRUE(saw_zeroes);
    EXPECT_TRUE(saw_fua);
    EXPECT_EQ(saw_compressed, compression != Compression::none);
    EXPECT_EQ(saw_padding, direct);
    if (direct) {
        EXPECT_EQ(std::filesystem::file_size(first) % 4096, 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Log, RoundTrip,
                         ::testing::Combine(::testing::Values(Compression::none, Compression::zstd, Compression::lz4),
                                            ::testing::Bool()));

TEST(Log, IncompressibleDataIsStoredPlainEvenWithCompressionOn)
{
    test::TempDir dir;
    auto opt = test::writer_options(dir.path());
    opt.compression = Compression::zstd;
    auto data = test::pattern(3, 4096, false);
    std::filesystem::path path;
    {
        log::LogWriter writer(opt);
        path = writer.current_path();
        ASSERT_TRUE(writer.write({0, data}).ok());
    }
    auto got = test::read_all(path);
    ASSERT_GE(got.records.size(), 1u);
    EXPECT_EQ(got.records[0].header.flags & MARS_LOG_F_ZSTD, 0);
    EXPECT_EQ(got.records[0].payload, data);
}

TEST(Log, LargeWritesAreSplitIntoRecordsOfTheConfiguredSize)
{
    test::TempDir dir;
    auto opt = test::writer_options(dir.path());
    opt.max_record_payload = 1 << 20;
    auto data = test::pattern(4, (5 << 20) / 2);
    std::filesystem::path path;
    {
        log::LogWriter writer(opt);
        path = writer.current_path();
        auto r = writer.write({4096, data});
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.last_seq - r.first_seq, 2u);
    }
    auto got = test::read_all(path);
    std::vector<std::byte> joined;
    std::uint64_t expected_offset = 4096;
    for (const auto& r : got.records) {
        if (r.header.type != RecordType::write)
            continue;
        EXPECT_EQ(r.header.offset, expected_offset);
        expected_offset += r.payload.size();
        joined.insert(joined.end(), r.payload.begin(), r.payload.end());
    }
    EXPECT_EQ(joined, data);
}

TEST(Log, RotationEndsTheOldFileWithAMarkerAndContinuesTheSequence)
{
    test::TempDir dir;
    auto opt = test::writer_options(dir.path());
    opt.logfile_number = 41;
    opt.first_seq = 1000;
    std::filesystem::path first, second;
    {
        log::LogWriter writer(opt);
        first = writer.current_path();
        ASSERT_TRUE(writer.write({0, test::pattern(1, 100)}).ok());
        auto r = writer.rotate();
        ASSERT_TRUE(r.ok()) << r.message;
        EXPECT_EQ(r.logfile_number, 42u);
        second = writer.current_path();
        EXPECT_EQ(second.filename(), "log-000000042-alpha");
        EXPECT_EQ(writer.position().logfile_number, 42u);
        ASSERT_TRUE(writer.write({100, test::pattern(2, 100)}).ok());
        EXPECT_FALSE(writer.rotate(10).ok()) << "numbers only grow";
    }
    auto a = test::read_all(first, {0, 1000});
    ASSERT_EQ(a.diagnosis.kind, log::LogEnd::clean) << a.diagnosis.message();
    ASSERT_FALSE(a.records.empty());
    const auto& last = a.records.back().header.type == RecordType::padding ? a.records[a.records.size() - 2]
                                                                            : a.records.back();
    EXPECT_EQ(last.header.type, RecordType::marker);
    EXPECT_EQ(last.header.marker, format::Marker::rotate);
    auto b = test::read_all(second, {0, a.records.back().header.seq + 1});
    EXPECT_EQ(b.diagnosis.kind, log::LogEnd::clean) << b.diagnosis.message();
    ASSERT_FALSE(b.records.empty());
    EXPECT_EQ(b.records[0].header.offset, 100u);
}

TEST(Log, EarlyCompletionStillEndsDurable)
{
    test::TempDir dir;
    auto opt = test::writer_options(dir.path());
    opt.completion = log::CompletionMode::early;
    std::filesystem::path path;
    {
        log::LogWriter writer(opt);
        path = writer.current_path();
        for (int i = 0; i < 50; ++i)
            ASSERT_TRUE(writer.write({std::uint64_t(i) * 512, test::pattern(i, 512)}).ok());
        log::WriteRequest fua{9999 * 512, test::pattern(99, 512)};
        auto data = test::pattern(99, 512);
        fua.data = data;
        fua.fua = true;
        auto r = writer.write(fua);
        ASSERT_TRUE(r.ok());
        // A FUA write completes only after it is durable.
        EXPECT_GE(writer.position().durable_offset, r.end_offset);
    }
    auto got = test::read_all(path);
    EXPECT_EQ(got.diagnosis.kind, log::LogEnd::clean);
}

TEST(Log, WriterNeverAppendsToAnExistingNonEmptyLogfile)
{
    test::TempDir dir;
    auto opt = test::writer_options(dir.path());
    {
        log::LogWriter writer(opt);
        ASSERT_TRUE(writer.write({0, test::pattern(1, 10)}).ok());
    }
    try {
        log::LogWriter again(opt);
        FAIL() << "opened a non-empty logfile";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("log-000000001-alpha already holds"), std::string::npos) << e.what();
    }
    // An empty one (as the admin tool creates for the next number) is fine.
    opt.logfile_number = 2;
    test::write_file_bytes(dir.path() / "log-000000002-alpha", {});
    log::LogWriter next(opt);
    EXPECT_TRUE(next.write({0, test::pattern(1, 10)}).ok());
}

TEST(Log, BadOptionsAreRefusedWithAReason)
{
    test::TempDir dir;
    auto opt = test::writer_options(dir.path(), "Not-A-Host");
    EXPECT_THROW(log::LogWriter{opt}, std::invalid_argument);
    opt = test::writer_options(dir.path());
    opt.directory = dir.path() / "missing";
    try {
        log::LogWriter w(opt);
        FAIL();
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing/log-000000001-alpha"), std::string::npos) << e.what();
    }
}
