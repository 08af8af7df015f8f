// A crash can cut a logfile anywhere in its last append. Whatever the cut,
// the reader must return exactly the complete records before it and call
// the rest a torn tail.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/unique_fd.hpp"

using namespace mars;

namespace {

// A small log (no O_DIRECT, so no padding) with records of varied sizes,
// compressed and plain, written one at a time.
std::filesystem::path write_sample_log(const std::filesystem::path& dir, bool direct)
{
    auto opt = test::writer_options(dir);
    opt.direct_io = direct;
    opt.compression = format::Compression::zstd;
    log::LogWriter writer(opt);
    int i = 0;
    for (std::size_t size : {4096u, 1u, 300u, 12000u, 7u, 2000u, 520u}) {
        auto data = test::pattern(i, size, i % 2 == 0);
        log::WriteRequest req{std::uint64_t(i) * 65536, data};
        EXPECT_TRUE(writer.write(req).ok());
        ++i;
    }
    return writer.current_path();
}

// Number of records that end at or before `cut`.
std::size_t complete_before(const std::vector<log::Record>& all, std::uint64_t cut)
{
    std::size_t n = 0;
    for (const auto& r : all)
        if (r.file_offset + format::record_size(r.header.stored_len) <= cut)
            ++n;
    return n;
}

bool is_record_boundary(const std::vector<log::Record>& all, std::uint64_t cut)
{
    if (cut == 0)
        return true;
    for (const auto& r : all)
        if (r.file_offset + format::record_size(r.header.stored_len) == cut)
            return true;
    return false;
}

void expect_prefix(const test::ReadResult& got, const std::vector<log::Record>& all, std::size_t n,
                   std::uint64_t cut)
{
    ASSERT_EQ(got.records.size(), n) << "cut at " << cut << ": " << got.diagnosis.message();
    for (std::size_t i = 0; i < n; ++i) {
        EXPECT_EQ(got.records[i].header.seq, all[i].header.seq);
        EXPECT_EQ(got.records[i].payload, all[i].payload) << "cut at " << cut;
    }
}

class Truncation : public ::testing::TestWithParam<bool> {};

} // namespace

TEST_P(Truncation, EveryCutInTheLastRecordsYieldsTheCompletePrefixAndATornTail)
{
    test::TempDir dir;
    auto path = write_sample_log(dir.path(), GetParam());
    auto full = test::read_all(path);
    ASSERT_EQ(full.diagnosis.kind, log::LogEnd::clean);
    ASSERT_GE(full.records.size(), 7u);
    const std::uint64_t size = std::filesystem::file_size(path);
    // Every byte offset from the start of the fourth-last record to the end.
    const std::uint64_t from = full.records[full.records.size() - 4].file_offset;

    util::UniqueFd fd(::open(path.c_str(), O_WRONLY));
    ASSERT_TRUE(fd);
    for (std::uint64_t cut = size; cut + 1 > from; --cut) {
        ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(cut)), 0);
        auto got = test::read_all(path);
        expect_prefix(got, full.records, complete_before(full.records, cut), cut);
        if (is_record_boundary(full.records, cut)) {
            EXPECT_EQ(got.diagnosis.kind, log::LogEnd::clean) << got.diagnosis.message();
        } else {
            EXPECT_EQ(got.diagnosis.kind, log::LogEnd::torn_tail) << got.diagnosis.message();
            EXPECT_EQ(got.diagnosis.offset, got.records.empty() ? 0 : got.records.back().file_offset +
                                                                          format::record_size(got.records.back().header.stored_len));
        }
        if (cut == 0)
            break;
    }
}

TEST_P(Truncation, ZerosOrGarbageAfterEveryCutAreATornTail)
{
    test::TempDir dir;
    auto path = write_sample_log(dir.path(), GetParam());
    auto full = test::read_all(path);
    const auto original = test::file_bytes(path);
    const std::uint64_t from = full.records[full.records.size() - 3].file_offset;
    for (bool garbage : {false, true}) {
        // A crash before an append's blocks reached the disk leaves zeros
        // (unwritten extents) or stale garbage where records should be.
        for (std::uint64_t cut = from; cut < original.size(); cut += garbage ? 13 : 1) {
            auto bytes = original;
            auto noise = test::pattern(cut, bytes.size() - cut);
            for (std::size_t i = cut; i < bytes.size(); ++i)
                bytes[i] = garbage ? noise[i - cut] : std::byte{0};
            // Overwriting bytes with what they already were changes nothing:
            // the damage starts at the first byte that really differs.
            std::uint64_t first_change = cut;
            while (first_change < bytes.size() && bytes[first_change] == original[first_change])
                ++first_change;
            if (first_change == bytes.size())
                continue;
            test::write_file_bytes(path, bytes);
            auto got = test::read_all(path);
            expect_prefix(got, full.records, complete_before(full.records, first_change), cut);
            if (is_record_boundary(full.records, cut) && !garbage) {
                EXPECT_EQ(got.diagnosis.kind, log::LogEnd::torn_tail) << got.diagnosis.message();
                EXPECT_NE(got.diagnosis.reason.find("all zero"), std::string::npos) << got.diagnosis.reason;
            } else {
                EXPECT_EQ(got.diagnosis.kind, log::LogEnd::torn_tail) << "cut " << cut << ": " << got.diagnosis.message();
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Log, Truncation, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "direct" : "buffered"; });
