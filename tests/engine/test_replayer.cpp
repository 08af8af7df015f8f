// The Replayer must leave the disk exactly as applying the writes one after
// the other would, while keeping many of them in flight.
#include <gtest/gtest.h>

#include <random>

#include "engine/replayer.hpp"
#include "engine_fixture.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;

namespace {

void replay_random(bool direct_io, unsigned max_in_flight, std::size_t max_bytes, std::uint64_t seed)
{
    constexpr std::uint64_t kSize = 8u << 20;
    test::TempDir dir;
    auto disk_path = dir.path() / "disk";
    test::make_disk_file(disk_path, kSize);
    test::DeviceModel model(kSize);
    engine::ReplayerStats stats;
    {
        engine::BackingDisk disk(disk_path, kSize, {direct_io, true});
        engine::Replayer replayer(disk, {max_in_flight, max_bytes});
        std::mt19937_64 rng(seed);
        for (int i = 0; i < 4000; ++i) {
            // Most writes hit a small hot area, so overlaps are frequent.
            const std::uint64_t area = (rng() % 4 == 0) ? kSize : 256u << 10;
            std::uint64_t off = rng() % (area / 512) * 512;
            std::uint64_t len = std::min<std::uint64_t>((1 + rng() % 64) * 512, kSize - off);
            if (rng() % 10 == 0) {
                replayer.zero(off, len);
                model.zero(off, len);
            } else {
                auto data = test::pattern(seed * 100000 + static_cast<std::uint64_t>(i), len);
                replayer.write(off, data);
                model.write(off, data);
            }
        }
        replayer.sync();
        stats = replayer.stats();
    }
    auto disk = test::read_file_range(disk_path, 0, kSize);
    EXPECT_EQ(test::first_difference(disk, model.bytes()), -1);
    EXPECT_GT(stats.held_back, 0u) << "the test should produce overlapping writes in flight";
    if (max_in_flight > 1) {
        EXPECT_GT(stats.most_in_flight, 1u);
    }
    std::cout << "writes " << stats.writes << ", zeroes " << stats.zeroes << ", held back " << stats.held_back
              << ", most in flight " << stats.most_in_flight << "\n";
}

} // namespace

TEST(Replayer, OverlappingWritesApplyInOrderDirect)
{
    replay_random(true, 128, 64u << 20, 1);
}
TEST(Replayer, OverlappingWritesApplyInOrderBuffered)
{
    replay_random(false, 64, 64u << 20, 2);
}
TEST(Replayer, SmallQueueAndByteLimit)
{
    replay_random(true, 4, 64u << 10, 3);
}

TEST(Replayer, RefusesWritesOutsideTheDisk)
{
    test::TempDir dir;
    auto disk_path = dir.path() / "disk";
    test::make_disk_file(disk_path, 1 << 20);
    engine::BackingDisk disk(disk_path, 1 << 20);
    engine::Replayer replayer(disk);
    std::vector<std::byte> data(1024);
    EXPECT_THROW(replayer.write((1 << 20) - 512, data), std::system_error);
    EXPECT_THROW(replayer.zero(1 << 20, 512), std::system_error);
    EXPECT_NO_THROW(replayer.write((1 << 20) - 1024, data));
    EXPECT_NO_THROW(replayer.sync());
}

TEST(BackingDisk, RefusesADiskSmallerThanTheDevice)
{
    test::TempDir dir;
    auto disk_path = dir.path() / "disk";
    test::make_disk_file(disk_path, 1 << 20);
    try {
        engine::BackingDisk disk(disk_path, 2 << 20);
        FAIL() << "a 1 MiB disk was accepted for a 2 MiB device";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find(disk_path.string()), std::string::npos) << e.what();
    }
    EXPECT_THROW(engine::BackingDisk(dir.path() / "missing", 1 << 20), std::system_error);
    EXPECT_THROW(engine::BackingDisk(disk_path, 1000), std::system_error);
    engine::BackingDisk ok(disk_path, 1 << 20);
    EXPECT_TRUE(ok.direct_io()) << "O_DIRECT should work on " << disk_path;
}
