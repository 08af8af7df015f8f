// The bandwidth limiter's accounting, with made-up time points: no verdict
// here depends on how fast the machine runs.
#include <gtest/gtest.h>

#include "transfer/token_bucket.hpp"

namespace mars::transfer {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucket, UnlimitedNeverWaits)
{
    TokenBucket b(0);
    EXPECT_TRUE(b.unlimited());
    EXPECT_EQ(b.take(std::uint64_t(1) << 40, Clock::now()), 0ns);
    EXPECT_TRUE(b.acquire(std::uint64_t(1) << 40));
}

TEST(TokenBucket, BurstIsFreeThenDebtIsWaitedOff)
{
    const auto t0 = Clock::time_point{} + 1h;
    TokenBucket b(1000, 500, t0);
    EXPECT_EQ(b.take(500, t0), 0ns); // the full bucket
    EXPECT_EQ(b.level(), 0);
    EXPECT_EQ(b.take(1000, t0), 1s); // a second's worth of debt
    EXPECT_EQ(b.level(), -1000);
    // Waiting the second off pays the debt exactly.
    EXPECT_EQ(b.take(0, t0 + 1s), 0ns);
    EXPECT_EQ(b.level(), 0);
}

TEST(TokenBucket, RefillsAtRateUpToBurst)
{
    const auto t0 = Clock::time_point{} + 1h;
    TokenBucket b(1000, 2000, t0);
    EXPECT_EQ(b.take(2000, t0), 0ns);
    EXPECT_EQ(b.take(0, t0 + 500ms), 0ns);
    EXPECT_EQ(b.level(), 500);
    // A long idle time fills the bucket only up to the burst.
    EXPECT_EQ(b.take(0, t0 + 1h), 0ns);
    EXPECT_EQ(b.level(), 2000);
}

TEST(TokenBucket, AverageRateHoldsOverManySmallTakes)
{
    // 100 takes of 100 bytes every 10 ms at 10,000 B/s: exactly the rate,
    // so after the first burst nobody waits and the level stays put.
    const auto t0 = Clock::time_point{} + 1h;
    TokenBucket b(10000, 100, t0);
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(b.take(100, t0 + i * 10ms), 0ns) << "take " << i;
    EXPECT_EQ(b.level(), 0);
    // Twice the rate: every take now waits for its share.
    EXPECT_EQ(b.take(200, t0 + 1s), 10ms);
}

TEST(TokenBucket, RoundsWaitsUp)
{
    const auto t0 = Clock::time_point{} + 1h;
    TokenBucket b(3, 1, t0);
    EXPECT_EQ(b.take(2, t0), 333333334ns); // 1/3 s, never less
}

TEST(TokenBucket, DefaultBurstIsAQuarterSecond)
{
    EXPECT_EQ(TokenBucket(4000).burst(), 1000u);
    EXPECT_EQ(TokenBucket(1).burst(), 1u);
}

TEST(TokenBucket, AcquireGivesUpWhenTold)
{
    TokenBucket b(1, 1);
    // An hour of debt: keep_waiting saying no ends the wait at once.
    EXPECT_FALSE(b.acquire(3600, [] { return false; }));
}

} // namespace
} // namespace mars::transfer
