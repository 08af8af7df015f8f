// Back-pressure bookkeeping: waits in order, never deadlocks on a request
// larger than the limit, and closing wakes everyone.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/memory_budget.hpp"

using namespace mars;
using namespace std::chrono_literals;

namespace {

// Waits (bounded) until `cond` holds; the verdict never depends on timing.
template <typename Cond> bool eventually(Cond cond)
{
    for (int i = 0; i < 10000; ++i) {
        if (cond())
            return true;
        std::this_thread::sleep_for(1ms);
    }
    return cond();
}

} // namespace

TEST(MemoryBudget, WaitsUntilReleased)
{
    engine::MemoryBudget budget(1000);
    ASSERT_TRUE(budget.reserve(800));
    std::atomic<bool> got = false;
    std::thread t([&] {
        EXPECT_TRUE(budget.reserve(300));
        got = true;
    });
    ASSERT_TRUE(eventually([&] { return budget.waiting() == 1; }));
    EXPECT_FALSE(got);
    budget.release(800);
    t.join();
    EXPECT_TRUE(got);
    EXPECT_EQ(budget.used(), 300u);
    EXPECT_EQ(budget.waits(), 1u);
    EXPECT_EQ(budget.peak(), 800u);
}

TEST(MemoryBudget, OversizedRequestRunsAlone)
{
    engine::MemoryBudget budget(1000);
    ASSERT_TRUE(budget.reserve(5000)); // nothing else reserved: admitted
    std::atomic<bool> got = false;
    std::thread t([&] {
        EXPECT_TRUE(budget.reserve(1));
        got = true;
    });
    ASSERT_TRUE(eventually([&] { return budget.waiting() == 1; }));
    budget.release(5000);
    t.join();
    EXPECT_TRUE(got);
}

TEST(MemoryBudget, FirstComeFirstServed)
{
    engine::MemoryBudget budget(1000);
    ASSERT_TRUE(budget.reserve(1000));
    std::thread big([&] { EXPECT_TRUE(budget.reserve(900)); });
    ASSERT_TRUE(eventually([&] { return budget.waiting() == 1; }));
    std::thread small([&] { EXPECT_TRUE(budget.reserve(10)); });
    ASSERT_TRUE(eventually([&] { return budget.waiting() == 2; }));
    budget.release(50); // room for the small one, but the big one is first
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(budget.waiting(), 2u) << "the small request overtook the big one";
    EXPECT_EQ(budget.used(), 950u);
    budget.release(950);
    big.join();
    small.join();
    EXPECT_EQ(budget.used(), 910u);
}

TEST(MemoryBudget, CloseFailsWaiters)
{
    engine::MemoryBudget budget(10);
    ASSERT_TRUE(budget.reserve(10));
    std::thread t([&] { EXPECT_FALSE(budget.reserve(5)); });
    ASSERT_TRUE(eventually([&] { return budget.waiting() == 1; }));
    budget.close();
    t.join();
    EXPECT_FALSE(budget.reserve(1));
}
