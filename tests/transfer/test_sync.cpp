// Full sync over real TLS (PSK) on loopback: exact copies, resume from an
// offset, durable progress, early stop, errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "transfer/sync_client.hpp"
#include "transfer_test_support.hpp"

namespace mars::transfer::test {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

struct SyncTest : ::testing::Test {
    Fixture f{Service::sync};
    std::filesystem::path target = f.dir.path() / "client" / "disk-r0";

    SyncClient client(bool compress = false, std::uint64_t durable_interval = kMiB)
    {
        auto o = f.client_options(compress);
        o.sync_durable_interval = durable_interval;
        return SyncClient(f.client_clock, o, kServerHost, "127.0.0.1");
    }
};

TEST_F(SyncTest, CopiesTheDiskExactly)
{
    auto data = random_bytes(5 * kMiB + 4096, 1);
    const auto text = compressible_bytes(kMiB);
    std::copy(text.begin(), text.end(), data.begin() + kMiB); // one compressible stretch
    write_file(f.disk, data);
    write_file(target, std::vector<std::byte>(data.size())); // zeroes
    for (bool compress : {false, true}) {
        auto c = client(compress);
        std::vector<std::uint64_t> progress;
        const auto r = c.sync("r0", 0, data.size(), target, {}, [&](std::uint64_t p) { progress.push_back(p); });
        EXPECT_EQ(r.end_offset, data.size());
        EXPECT_EQ(r.primary_position, kPosition);
        EXPECT_EQ(read_file(target), data) << "compress " << compress;
        ASSERT_FALSE(progress.empty());
        EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
        EXPECT_EQ(std::adjacent_find(progress.begin(), progress.end()), progress.end()); // strictly increasing
        EXPECT_EQ(progress.back(), data.size());
        if (compress) {
            EXPECT_LT(c.wire_bytes(), data.size() - kMiB / 2);
        }
        write_file(target, std::vector<std::byte>(data.size()));
    }
}

TEST_F(SyncTest, ResumesFromAnOffset)
{
    const auto data = random_bytes(3 * kMiB, 2);
    write_file(f.disk, data);
    const auto old = random_bytes(3 * kMiB, 3);
    write_file(target, old);
    auto c = client();
    std::vector<std::uint64_t> progress;
    const std::uint64_t from = kMiB + 512;
    const auto r = c.sync("r0", from, data.size(), target, {}, [&](std::uint64_t p) { progress.push_back(p); });
    EXPECT_EQ(r.end_offset, data.size());
    auto expect = old;
    std::copy(data.begin() + from, data.end(), expect.begin() + from); // bytes before `from` untouched
    EXPECT_EQ(read_file(target), expect);
    ASSERT_FALSE(progress.empty());
    EXPECT_GT(progress.front(), from);
}

TEST_F(SyncTest, KeepGoingFalseStopsWithDurableProgress)
{
    const auto data = random_bytes(6 * kMiB, 4);
    write_file(f.disk, data);
    write_file(target, std::vector<std::byte>(data.size()));
    auto c = client(false, 2 * kMiB);
    int chunks = 0;
    std::vector<std::uint64_t> progress;
    const auto r = c.sync(
        "r0", 0, data.size(), target, [&] { return ++chunks < 3; }, [&](std::uint64_t p) { progress.push_back(p); });
    EXPECT_EQ(r.end_offset, 3 * kMiB);
    EXPECT_TRUE(r.primary_position.empty());
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), r.end_offset);
    EXPECT_EQ(progress, (std::vector<std::uint64_t>{2 * kMiB, 3 * kMiB}));
    const auto got = read_file(target);
    EXPECT_TRUE(std::equal(data.begin(), data.begin() + 3 * kMiB, got.begin()));
    // Resume where it stopped, on a fresh connection.
    const auto rest = c.sync("r0", r.end_offset, data.size(), target);
    EXPECT_EQ(rest.end_offset, data.size());
    EXPECT_EQ(rest.primary_position, kPosition);
    EXPECT_EQ(read_file(target), data);
}

TEST_F(SyncTest, EmptyRangeStillReportsThePosition)
{
    write_file(f.disk, random_bytes(4096, 5));
    write_file(target, random_bytes(4096, 6));
    auto c = client();
    const auto r = c.sync("r0", 4096, 4096, target);
    EXPECT_EQ(r.end_offset, 4096u);
    EXPECT_EQ(r.primary_position, kPosition);
}

TEST_F(SyncTest, ErrorsAreClearAndTheConnectionSurvives)
{
    write_file(f.disk, random_bytes(8192, 7));
    write_file(target, std::vector<std::byte>(8192));
    auto c = client();
    try {
        c.sync("r9", 0, 8192, target);
        ADD_FAILURE() << "no error";
    } catch (const RemoteError& e) {
        EXPECT_NE(std::string(e.what()).find("r9"), std::string::npos) << e.what();
    }
    try {
        c.sync("r0", 0, 1 << 20, target); // beyond the primary's disk
        ADD_FAILURE() << "no error";
    } catch (const RemoteError& e) {
        EXPECT_NE(std::string(e.what()).find("has 8192"), std::string::npos) << e.what();
    }
    EXPECT_THROW(c.sync("r0", 0, 8192, f.dir.path() / "missing"), std::system_error);
    EXPECT_EQ(c.sync("r0", 0, 8192, target).end_offset, 8192u);
}

} // namespace
} // namespace mars::transfer::test
