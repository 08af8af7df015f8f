#include <gtest/gtest.h>

#include "support/fake_clock.hpp"
#include "tree/lamport_clock.hpp"

using mars::test::FakeRealtime;
using mars::tree::LamportClock;

namespace {
// 1000 s after the epoch: the tests only look at differences.
constexpr std::uint64_t kStart = 1'000'000'000'000;
} // namespace

TEST(LamportClock, StampsOnlyMoveForward)
{
    FakeRealtime t{kStart};
    LamportClock clock(t.source());
    auto a = clock.now();
    auto b = clock.now(); // same real time: still strictly greater
    EXPECT_EQ(a, t.now);
    EXPECT_EQ(b, a + 1);
    t.now -= 5'000'000'000; // real time jumps back (NTP): stamps do not
    EXPECT_GT(clock.now(), b);
    t.now += 60'000'000'000;
    EXPECT_EQ(clock.now(), t.now);
}

TEST(LamportClock, ObservedStampsAdvanceTheClock)
{
    FakeRealtime t{kStart};
    LamportClock clock(t.source());
    const std::uint64_t peer = t.now + 3'600'000'000'000; // a peer one hour ahead
    EXPECT_TRUE(clock.observe(peer));
    EXPECT_EQ(clock.now(), peer + 1);
    EXPECT_TRUE(clock.observe(peer - 100)); // older: no effect
    EXPECT_EQ(clock.now(), peer + 2);
}

TEST(LamportClock, StampsFarInTheFutureAreRefused)
{
    FakeRealtime t{kStart};
    LamportClock clock(t.source());
    EXPECT_FALSE(clock.observe(t.now + LamportClock::kMaxFutureNs + 1));
    EXPECT_EQ(clock.now(), t.now);
    EXPECT_TRUE(clock.observe(t.now + LamportClock::kMaxFutureNs - 1));
}
