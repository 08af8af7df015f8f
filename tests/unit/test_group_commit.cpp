// Many concurrent writers: group commit must keep every writer's order and
// lose nothing, and flush must cover everything completed before it.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;

TEST(GroupCommit, ConcurrentWritersKeepTheirOrderAndLoseNothing)
{
    constexpr int kThreads = 32;
    constexpr int kWritesPerThread = 150;
    test::TempDir dir;
    std::filesystem::path path;
    std::map<std::uint64_t, std::pair<int, int>> acked; // seq -> (thread, counter)
    std::mutex acked_mutex;
    log::WriterStats stats;
    {
        log::LogWriter writer(test::writer_options(dir.path()));
        path = writer.current_path();
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int c = 0; c < kWritesPerThread; ++c) {
                    auto data = test::pattern(std::uint64_t(t) << 32 | std::uint64_t(c), 512 + 64 * (c % 8));
                    // Each thread writes its own device area, counter by counter.
                    auto r = writer.write({std::uint64_t(t) << 30 | std::uint64_t(c) << 16, data});
                    ASSERT_TRUE(r.ok()) << r.message;
                    std::lock_guard lock(acked_mutex);
                    acked[r.first_seq] = {t, c};
                }
            });
        }
        for (auto& th : threads)
            th.join();
        stats = writer.stats();
    }
    std::cout << "records " << stats.records << ", appends " << stats.appends << ", syncs " << stats.syncs << "\n";

    auto got = test::read_all(path);
    ASSERT_EQ(got.diagnosis.kind, log::LogEnd::clean) << got.diagnosis.message();
    std::vector<int> next_counter(kThreads, 0);
    std::size_t writes = 0;
    for (const auto& r : got.records) {
        if (r.header.type != format::RecordType::write)
            continue;
        ++writes;
        int t = static_cast<int>(r.header.offset >> 30);
        int c = static_cast<int>((r.header.offset >> 16) & 0x3fff);
        ASSERT_LT(t, kThreads);
        // A thread's writes appear in the order it issued them.
        EXPECT_EQ(c, next_counter[t]) << "thread " << t;
        next_counter[t] = c + 1;
        EXPECT_EQ(r.payload, test::pattern(std::uint64_t(t) << 32 | std::uint64_t(c), 512 + 64 * (c % 8)));
        auto it = acked.find(r.header.seq);
        ASSERT_NE(it, acked.end()) << "record seq " << r.header.seq << " was never acknowledged";
        EXPECT_EQ(it->second, std::make_pair(t, c));
    }
    EXPECT_EQ(writes, std::size_t(kThreads) * kWritesPerThread);
}

TEST(GroupCommit, AsynchronousSubmissionsCompleteInSubmissionOrder)
{
    test::TempDir dir;
    log::LogWriter writer(test::writer_options(dir.path()));
    constexpr int kRequests = 2000;
    auto data = test::pattern(1, 4096);
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::uint64_t> completed_seqs;
    for (int i = 0; i < kRequests; ++i) {
        writer.submit({std::uint64_t(i) * 4096, data}, [&](const log::WriteResult& r) {
            std::lock_guard lock(m);
            EXPECT_TRUE(r.ok());
            EXPECT_LE(r.end_offset, writer.position().durable_offset) << "completed before durable";
            completed_seqs.push_back(r.first_seq);
            cv.notify_all();
        });
    }
    auto f = writer.flush();
    ASSERT_TRUE(f.ok());
    std::unique_lock lock(m);
    ASSERT_EQ(completed_seqs.size(), std::size_t(kRequests)) << "flush completed before earlier writes";
    for (std::size_t i = 1; i < completed_seqs.size(); ++i)
        ASSERT_LT(completed_seqs[i - 1], completed_seqs[i]);
    auto stats = writer.stats();
    std::cout << "2000 queued writes took " << stats.appends << " appends and " << stats.syncs << " syncs\n";
}

TEST(GroupCommit, FlushWithNothingToFlushCompletesAtOnce)
{
    test::TempDir dir;
    log::LogWriter writer(test::writer_options(dir.path()));
    EXPECT_TRUE(writer.flush().ok());
    EXPECT_TRUE(writer.flush().ok());
    EXPECT_EQ(writer.position().end_offset, 0u);
}
