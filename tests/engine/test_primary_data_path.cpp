// The primary data path: every read returns the newest data, writeback puts
// exactly the model's image on the disk, the writeback position never runs
// ahead of the disk, and a small memory limit slows writers down without
// failing or deadlocking them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "engine/primary_data_path.hpp"
#include "engine_fixture.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using namespace std::chrono_literals;

namespace {

template <typename Cond> bool eventually(Cond cond)
{
    for (int i = 0; i < 20000; ++i) {
        if (cond())
            return true;
        std::this_thread::sleep_for(1ms);
    }
    return cond();
}

struct Device {
    test::TempDir dir{"mars-engine"};
    std::filesystem::path disk = dir.path() / "disk";
    std::filesystem::path logs = dir.path() / "log";
    std::uint64_t size;

    explicit Device(std::uint64_t size_ = 64u << 20) : size(size_)
    {
        std::filesystem::create_directory(logs);
        test::make_disk_file(disk, size);
    }
    engine::DataPathOptions options() const { return test::data_path_options(disk, logs, size); }
};

// One completed request, for rebuilding the device in log order.
struct Done {
    std::uint64_t seq;
    std::uint64_t offset;
    std::uint64_t length;
    bool zero;
    std::uint64_t seed;
};

std::vector<std::byte> read_all(engine::PrimaryDataPath& dp)
{
    std::vector<std::byte> out(dp.size());
    for (std::uint64_t off = 0; off < dp.size(); off += 1u << 20) {
        auto r = dp.read(off, std::span(out).subspan(off, 1u << 20));
        EXPECT_TRUE(r.ok()) << r.message;
    }
    return out;
}

// Many threads: each has a private area where it checks read-after-write at
// once, and all share an area where writes overlap across threads; the
// final state must match the model built in log (sequence) order.
void random_model_test(log::CompletionMode completion, bool hold)
{
    Device s;
    auto opt = s.options();
    opt.log.completion = completion;
    opt.writeback.start_held = hold;
    if (hold)
        opt.memory_limit = 512u << 20; // everything stays in memory: it must fit
    constexpr unsigned kThreads = 8;
    constexpr int kOps = 250;
    const std::uint64_t private_size = s.size / 2 / kThreads;
    const std::uint64_t shared_base = s.size / 2;

    std::mutex m;
    std::vector<Done> done;
    std::atomic<int> failures = 0;
    {
        engine::PrimaryDataPath dp(opt);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                std::mt19937_64 rng(1000 + t);
                for (int i = 0; i < kOps; ++i) {
                    const bool shared = rng() % 2 == 0;
                    const std::uint64_t base = shared ? shared_base : t * private_size;
                    const std::uint64_t area = shared ? s.size - shared_base : private_size;
                    const std::uint64_t off = base + rng() % (area / 512) * 512;
                    const std::uint64_t len = std::min<std::uint64_t>((1 + rng() % 128) * 512, base + area - off);
                    const bool zero = rng() % 10 == 0;
                    const std::uint64_t seed = (std::uint64_t(t) << 32) | std::uint64_t(i);
                    engine::WriteFlags flags{rng() % 8 == 0, rng() % 16 == 0};
                    std::vector<std::byte> data;
                    engine::IoResult r;
                    if (zero) {
                        r = dp.zeroes(off, len, flags);
                    } else {
                        data = test::pattern(seed, len);
                        r = dp.write(off, data, flags);
                    }
                    if (!r.ok()) {
                        ADD_FAILURE() << r.message;
                        ++failures;
                        return;
                    }
                    {
                        std::lock_guard lock(m);
                        done.push_back({r.first_seq, off, len, zero, seed});
                    }
                    if (!shared) { // nobody else writes here: read back at once
                        std::vector<std::byte> back(len);
                        auto rr = dp.read(off, back);
                        ASSERT_TRUE(rr.ok()) << rr.message;
                        if (zero)
                            data.assign(len, std::byte{0});
                        if (back != data) {
                            ADD_FAILURE() << "thread " << t << " op " << i << ": read after write differs";
                            ++failures;
                        }
                    }
                    if (rng() % 50 == 0) {
                        auto fr = dp.flush();
                        EXPECT_TRUE(fr.ok()) << fr.message;
                    }
                }
            });
        }
        for (auto& th : threads)
            th.join();
        ASSERT_EQ(failures, 0);

        std::sort(done.begin(), done.end(), [](const Done& a, const Done& b) { return a.seq < b.seq; });
        test::DeviceModel model(s.size);
        for (const Done& d : done) {
            if (d.zero)
                model.zero(d.offset, d.length);
            else
                model.write(d.offset, test::pattern(d.seed, d.length));
        }
        auto through = read_all(dp);
        EXPECT_EQ(test::first_difference(through, model.bytes()), -1) << "reading through the data path";

        if (hold) {
            // Everything still in memory; the disk is untouched.
            EXPECT_EQ(dp.writeback_position(), (engine::ReplayPosition{1, test::kEngineHost, 0, 1}));
            auto on_disk = test::read_file_range(s.disk, 0, s.size);
            EXPECT_TRUE(std::all_of(on_disk.begin(), on_disk.end(), [](std::byte b) { return b == std::byte{0}; }));
            dp.release_writeback();
        }
        auto wr = dp.wait_writeback();
        ASSERT_TRUE(wr.ok()) << wr.message;
        EXPECT_EQ(dp.writeback_position(), dp.logged_position());
        auto stats = dp.stats();
        EXPECT_EQ(stats.dirty_bytes, 0u);
        EXPECT_EQ(stats.memory_used, 0u);
        std::cout << "rounds " << stats.writeback.rounds << ", extents " << stats.writeback.extents << ", disk writes "
                  << stats.writeback.disk_writes << ", zero requests " << stats.writeback.disk_zeroes
                  << ", log appends " << stats.log.appends << ", records " << stats.log.records << "\n";
        auto on_disk = test::read_file_range(s.disk, 0, s.size);
        EXPECT_EQ(test::first_difference(on_disk, model.bytes()), -1) << "the disk after writeback";
        EXPECT_EQ(test::first_difference(read_all(dp), model.bytes()), -1) << "reading after writeback";
    }
}

} // namespace

TEST(PrimaryDataPath, RandomWritesMatchTheModel)
{
    random_model_test(log::CompletionMode::durable, false);
}
TEST(PrimaryDataPath, RandomWritesMatchTheModelEarlyCompletion)
{
    random_model_test(log::CompletionMode::early, false);
}
TEST(PrimaryDataPath, RandomWritesMatchTheModelWritebackHeld)
{
    random_model_test(log::CompletionMode::durable, true);
}

TEST(PrimaryDataPath, ReadsOfDataNotWrittenBackComeFromMemory)
{
    Device s(4u << 20);
    auto opt = s.options();
    opt.writeback.start_held = true;
    engine::PrimaryDataPath dp(opt);
    const auto start = dp.writeback_position();
    auto data = test::pattern(7, 64 * 1024);
    ASSERT_TRUE(dp.write(8192, data).ok());
    ASSERT_TRUE(dp.zeroes(8192 + 4096, 4096).ok());
    auto expect = data;
    std::fill(expect.begin() + 4096, expect.begin() + 8192, std::byte{0});

    std::vector<std::byte> back(64 * 1024);
    ASSERT_TRUE(dp.read(8192, back).ok());
    EXPECT_EQ(back, expect);
    // An unaligned destination buffer works too (bounced for O_DIRECT).
    std::vector<std::byte> odd(64 * 1024 + 1 + 4096);
    ASSERT_TRUE(dp.read(4096, std::span(odd).subspan(1, 64 * 1024 + 4096)).ok());
    EXPECT_TRUE(std::equal(expect.begin(), expect.end() - 4096, odd.begin() + 1 + 4096));

    // The disk has none of it, and the position did not move.
    auto on_disk = test::read_file_range(s.disk, 8192, data.size());
    EXPECT_TRUE(std::all_of(on_disk.begin(), on_disk.end(), [](std::byte b) { return b == std::byte{0}; }));
    EXPECT_EQ(dp.writeback_position(), start);
    EXPECT_GT(dp.stats().dirty_bytes, 0u);

    dp.release_writeback();
    ASSERT_TRUE(dp.wait_writeback().ok());
    EXPECT_EQ(test::read_file_range(s.disk, 8192, data.size()), expect);
    EXPECT_EQ(dp.stats().dirty_bytes, 0u);
}

TEST(PrimaryDataPath, WritebackIsSortedAndCoalesced)
{
    Device s(16u << 20);
    auto opt = s.options();
    opt.writeback.start_held = true;
    opt.writeback.max_write_bytes = 1u << 20;
    std::mutex m;
    std::vector<std::tuple<std::uint64_t, std::uint64_t, bool>> ops;
    opt.writeback.observer = [&](std::uint64_t off, std::uint64_t len, bool zero) {
        std::lock_guard lock(m);
        ops.emplace_back(off, len, zero);
    };
    test::DeviceModel model(s.size);
    engine::PrimaryDataPath dp(opt);
    // 512 adjacent 4 KiB blocks (2 MiB) written in random order...
    std::vector<std::uint64_t> blocks(512);
    for (std::uint64_t i = 0; i < blocks.size(); ++i)
        blocks[i] = (4u << 20) + i * 4096;
    std::shuffle(blocks.begin(), blocks.end(), std::mt19937_64(5));
    for (std::uint64_t b : blocks) {
        auto data = test::pattern(b, 4096);
        ASSERT_TRUE(dp.write(b, data).ok());
        model.write(b, data);
    }
    // ... two adjacent discards, and a write far below.
    ASSERT_TRUE(dp.zeroes(10u << 20, 1u << 20).ok());
    ASSERT_TRUE(dp.zeroes(11u << 20, 1u << 20).ok());
    auto low = test::pattern(99, 512);
    ASSERT_TRUE(dp.write(512, low).ok());
    model.write(512, low);
    dp.release_writeback();
    ASSERT_TRUE(dp.wait_writeback().ok());

    std::lock_guard lock(m);
    ASSERT_EQ(ops.size(), 4u) << "1 write at 512, 2 coalesced writes of 1 MiB, 1 zero range";
    for (std::size_t i = 1; i < ops.size(); ++i)
        EXPECT_LT(std::get<0>(ops[i - 1]), std::get<0>(ops[i])) << "writeback must go in ascending offset order";
    EXPECT_EQ(ops[1], std::make_tuple(std::uint64_t(4u << 20), std::uint64_t(1u << 20), false));
    EXPECT_EQ(ops[2], std::make_tuple(std::uint64_t(5u << 20), std::uint64_t(1u << 20), false));
    EXPECT_EQ(ops[3], std::make_tuple(std::uint64_t(10u << 20), std::uint64_t(2u << 20), true));
    auto stats = dp.stats().writeback;
    EXPECT_EQ(stats.extents, 515u);
    EXPECT_EQ(stats.disk_writes, 3u);
    EXPECT_EQ(stats.disk_zeroes, 1u);
    EXPECT_EQ(test::first_difference(test::read_file_range(s.disk, 0, s.size), model.bytes()), -1);
}

TEST(PrimaryDataPath, WritebackPositionOnlyAdvancesWhenDataIsOnTheDisk)
{
    Device s(32u << 20);
    auto opt = s.options();
    opt.writeback.start_bytes = 256u << 10;
    opt.writeback.max_delay = 5ms;

    struct Acked {
        std::uint64_t last_seq, offset, length, seed;
        bool checked = false;
    };
    std::mutex m;
    std::vector<Acked> acked;
    std::vector<std::string> violations;
    std::vector<engine::ReplayPosition> published;
    opt.writeback.on_position = [&](const engine::ReplayPosition& pos) {
        std::lock_guard lock(m);
        if (!published.empty() && !engine::before(published.back(), pos))
            violations.push_back("position went backwards: " + pos.str());
        published.push_back(pos);
        // Every write acknowledged below the new position must be on disk
        // (each is checked once: its slot is never written again).
        for (Acked& a : acked) {
            if (a.checked || a.last_seq >= pos.next_seq)
                continue;
            a.checked = true;
            if (test::read_file_range(s.disk, a.offset, a.length) != test::pattern(a.seed, a.length))
                violations.push_back("position " + pos.str() + " published, but the write at " +
                                     std::to_string(a.offset) + " (seq " + std::to_string(a.last_seq) +
                                     ") is not on the disk");
        }
    };
    {
        engine::PrimaryDataPath dp(opt);
        std::vector<std::thread> threads;
        constexpr unsigned kThreads = 4;
        for (unsigned t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                // Disjoint slots, each written once: a slot's content is final.
                for (std::uint64_t i = 0; i < 200; ++i) {
                    const std::uint64_t slot = i * kThreads + t;
                    const std::uint64_t off = slot * 32768;
                    const std::uint64_t seed = slot + 1;
                    auto data = test::pattern(seed, 32768);
                    auto r = dp.write(off, data);
                    ASSERT_TRUE(r.ok()) << r.message;
                    std::lock_guard lock(m);
                    acked.push_back({r.last_seq, off, 32768, seed, false});
                }
            });
        }
        for (auto& th : threads)
            th.join();
        ASSERT_TRUE(dp.wait_writeback().ok());
        EXPECT_EQ(dp.writeback_position(), dp.logged_position());
    }
    std::lock_guard lock(m);
    EXPECT_TRUE(violations.empty()) << violations.front();
    EXPECT_GT(published.size(), 2u) << "writeback should have run several rounds";
}

TEST(PrimaryDataPath, MemoryLimitSlowsWritersDownWithoutFailingThem)
{
    Device s(32u << 20);
    auto opt = s.options();
    opt.memory_limit = 256u << 10;
    opt.writeback.start_bytes = 128u << 10;
    std::atomic<int> ok = 0;
    test::DeviceModel model(s.size); // threads write disjoint areas
    {
        engine::PrimaryDataPath dp(opt);
        std::vector<std::thread> threads;
        constexpr unsigned kThreads = 8;
        for (unsigned t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                std::mt19937_64 rng(t);
                const std::uint64_t base = t * (s.size / kThreads);
                for (int i = 0; i < 300; ++i) {
                    std::uint64_t len = (16 + rng() % 49) * 1024;
                    std::uint64_t off = base + rng() % ((s.size / kThreads - len) / 512) * 512;
                    auto data = test::pattern(std::uint64_t(t) << 32 | std::uint64_t(i), len);
                    auto r = dp.write(off, data);
                    if (!r.ok()) {
                        ADD_FAILURE() << r.message;
                        return;
                    }
                    model.write(off, data);
                    ++ok;
                }
            });
        }
        for (auto& th : threads)
            th.join();
        auto stats = dp.stats();
        EXPECT_LE(stats.memory_peak, opt.memory_limit);
        EXPECT_GT(stats.memory_waits, 0u) << "the limit should have been reached";
        std::cout << "memory peak " << stats.memory_peak << " of " << stats.memory_limit << ", waits "
                  << stats.memory_waits << ", writeback rounds " << stats.writeback.rounds << "\n";
        ASSERT_TRUE(dp.wait_writeback().ok());
        EXPECT_EQ(test::first_difference(read_all(dp), model.bytes()), -1);
    }
    EXPECT_EQ(ok, 8 * 300);
    EXPECT_EQ(test::first_difference(test::read_file_range(s.disk, 0, s.size), model.bytes()), -1);
}

TEST(PrimaryDataPath, AFullIndexBlocksWritersUntilWritebackFreesMemory)
{
    Device s(8u << 20);
    auto opt = s.options();
    opt.memory_limit = 64u << 10;
    opt.writeback.start_held = true;
    engine::PrimaryDataPath dp(opt);
    auto data = test::pattern(3, 16384);
    for (int i = 0; i < 3; ++i) // 3 x (16 KiB + overhead) fit in 64 KiB
        ASSERT_TRUE(dp.write(std::uint64_t(i) * 16384, data).ok());
    std::atomic<bool> finished = false;
    std::thread blocked([&] {
        auto r = dp.write(1u << 20, test::pattern(4, 32768)); // does not fit while held
        EXPECT_TRUE(r.ok()) << r.message;
        finished = true;
    });
    ASSERT_TRUE(eventually([&] { return dp.stats().memory_waiting == 1; }));
    EXPECT_FALSE(finished);
    dp.release_writeback();
    blocked.join();
    EXPECT_TRUE(finished);
    // A single write larger than the whole limit still goes through.
    auto big = test::pattern(5, 256u << 10);
    ASSERT_TRUE(dp.write(2u << 20, big).ok());
    std::vector<std::byte> back(big.size());
    ASSERT_TRUE(dp.read(2u << 20, back).ok());
    EXPECT_EQ(back, big);
}

TEST(PrimaryDataPath, RejectsMisalignedAndOutOfRangeRequests)
{
    Device s(1u << 20);
    engine::PrimaryDataPath dp(s.options());
    std::vector<std::byte> data(1024), out(1024);
    auto expect = [](const engine::IoResult& r, int error) {
        EXPECT_EQ(r.error, error) << r.message;
        EXPECT_FALSE(r.message.empty());
    };
    expect(dp.write(100, data), -EINVAL);
    expect(dp.write(0, std::span(data).subspan(0, 1000)), -EINVAL);
    expect(dp.write(0, {}), -EINVAL);
    expect(dp.write(1u << 20, data), -ENOSPC);
    expect(dp.write((1u << 20) - 512, data), -ENOSPC);
    expect(dp.write(~std::uint64_t(0) - 511, data), -ENOSPC); // no overflow
    expect(dp.zeroes(512, 100), -EINVAL);
    expect(dp.zeroes(0, 2u << 20), -ENOSPC);
    expect(dp.read(0, std::span(out).subspan(0, 10)), -EINVAL);
    expect(dp.read(1u << 20, out), -ENOSPC);
    EXPECT_EQ(dp.stats().log.records, 0u) << "rejected requests must not reach the log";
    EXPECT_TRUE(dp.write((1u << 20) - 1024, data).ok());
    EXPECT_TRUE(dp.read((1u << 20) - 1024, out).ok());
}

TEST(PrimaryDataPath, RotationMovesThePositionToTheNextLogfile)
{
    Device s(4u << 20);
    engine::PrimaryDataPath dp(s.options());
    auto data = test::pattern(1, 4096);
    ASSERT_TRUE(dp.write(0, data).ok());
    auto r = dp.rotate();
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.logfile_number, 2u);
    // With nothing written since, the position moves to the new logfile's
    // start, with the seq its first record will carry.
    ASSERT_TRUE(dp.wait_writeback().ok());
    auto rotated = dp.writeback_position();
    EXPECT_EQ(rotated.logfile_number, 2u);
    EXPECT_EQ(rotated.offset, 0u);
    auto w = dp.write(4096, data);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w.logfile_number, 2u);
    EXPECT_EQ(w.first_seq, rotated.next_seq);
    ASSERT_TRUE(dp.wait_writeback().ok());
    auto pos = dp.writeback_position();
    EXPECT_EQ(pos.logfile_number, 2u);
    EXPECT_EQ(pos.next_seq, w.last_seq + 1);
    EXPECT_GT(pos.offset, 0u);
    EXPECT_TRUE(std::filesystem::exists(s.logs / "log-000000002-alpha"));
}

TEST(PrimaryDataPath, DestructionWritesBackEverything)
{
    Device s(4u << 20);
    auto data = test::pattern(11, 128 * 1024);
    {
        auto opt = s.options();
        opt.writeback.max_delay = std::chrono::hours(1); // only the final round writes
        opt.writeback.start_bytes = 1u << 30;
        engine::PrimaryDataPath dp(opt);
        ASSERT_TRUE(dp.write(65536, data).ok());
    }
    EXPECT_EQ(test::read_file_range(s.disk, 65536, data.size()), data);
}
