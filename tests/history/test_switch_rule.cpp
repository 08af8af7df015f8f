// Every branch of decide_switch, in the documented order, with the reason
// checked for the words an admin needs (numbers, hosts, byte counts).
#include <gtest/gtest.h>

#include "history/switch_rule.hpp"

using namespace mars::history;
using mars::log::LogfileName;
using Kind = SwitchDecision::Kind;

namespace {

// A secondary "beta" replaying log 2 of "alpha"; alpha finished it at 5000
// bytes. Both share the history seed -> log-1-alpha (4096 bytes).
struct Scenario {
    VersionLink alpha1 = chain(seed_link(0, "alpha"), 1, "alpha", 4096);
    VersionLink alpha2 = chain(alpha1, 2, "alpha", 5000);

    SwitchInput input() const
    {
        SwitchInput in;
        in.number = 2;
        in.origin = "alpha";
        in.replay_offset = 5000;
        in.own_previous = alpha1; // beta's own version-1 equals alpha's
        in.origin_version = alpha2;
        in.known_logfiles = {{1, "alpha"}, {2, "alpha"}, {3, "alpha"}};
        in.own_host = "beta";
        return in;
    }
};

void expect_reason_has(const SwitchDecision& d, const std::vector<std::string>& words)
{
    for (const auto& w : words)
        EXPECT_NE(d.reason.find(w), std::string::npos) << "'" << w << "' not in: " << d.reason;
}

} // namespace

TEST(SwitchRule, ProceedsWhenFinishedAndEqual)
{
    Scenario s;
    auto d = decide_switch(s.input());
    ASSERT_EQ(d.kind, Kind::proceed) << d.reason;
    EXPECT_EQ(d.own_version, s.alpha2);
    EXPECT_EQ(d.next, (LogfileName{3, "alpha"}));
}

TEST(SwitchRule, ProceedsToAnotherOriginAfterHandover)
{
    Scenario s;
    auto in = s.input();
    in.known_logfiles = {{2, "alpha"}, {3, "gamma"}, {3, "gamma"}}; // same name known twice
    auto d = decide_switch(in);
    ASSERT_EQ(d.kind, Kind::proceed) << d.reason;
    EXPECT_EQ(d.next, (LogfileName{3, "gamma"}));
}

TEST(SwitchRule, TwoNextLogfilesAreSplitBrain)
{
    Scenario s;
    auto in = s.input();
    in.known_logfiles.push_back({3, "gamma"});
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::split_brain);
    expect_reason_has(d, {"log-000000003-alpha", "log-000000003-gamma", "3"});
}

TEST(SwitchRule, TwoCurrentLogfilesAreSplitBrain)
{
    Scenario s;
    auto in = s.input();
    in.known_logfiles.push_back({2, "gamma"});
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::split_brain);
    expect_reason_has(d, {"log-000000002-alpha", "log-000000002-gamma"});

    // Also when only the other one is listed: ours is log-2-alpha anyway.
    in.known_logfiles = {{2, "gamma"}, {3, "alpha"}};
    EXPECT_EQ(decide_switch(in).kind, Kind::split_brain);
}

TEST(SwitchRule, SplitBrainOnNextIsCheckedBeforeAnythingElse)
{
    Scenario s;
    auto in = s.input();
    in.origin_version.reset();
    in.own_previous.reset();
    in.known_logfiles.push_back({3, "gamma"});
    EXPECT_EQ(decide_switch(in).kind, Kind::split_brain);
}

TEST(SwitchRule, WaitsUntilOriginFinished)
{
    Scenario s;
    auto in = s.input();
    in.origin_version.reset();
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::wait);
    expect_reason_has(d, {"log-000000002-alpha", "not finished", "alpha"});
    EXPECT_EQ(d.reason.find("not reachable"), std::string::npos);

    in.peer_alive = false;
    expect_reason_has(decide_switch(in), {"not finished", "not reachable"});
}

TEST(SwitchRule, MissingOwnPreviousIsAnError)
{
    Scenario s;
    auto in = s.input();
    in.own_previous.reset();
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::error);
    expect_reason_has(d, {"hole", "version-000000001-beta", "missing"});
}

TEST(SwitchRule, WrongNumberedOwnPreviousIsAnError)
{
    Scenario s;
    auto in = s.input();
    in.own_previous = seed_link(0, "alpha");
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::error);
    expect_reason_has(d, {"log number 0"});
}

TEST(SwitchRule, WaitsWhileNotFullyApplied)
{
    Scenario s;
    auto in = s.input();
    in.replay_offset = 4999;
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::wait);
    expect_reason_has(d, {"applied 4999 of 5000 bytes", "log-000000002-alpha"});
}

TEST(SwitchRule, AppliedMoreThanOriginWroteIsSplitBrain)
{
    Scenario s;
    auto in = s.input();
    in.replay_offset = 5001;
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::split_brain);
    expect_reason_has(d, {"5001", "5000", "log-000000002-alpha", "beta"});
}

TEST(SwitchRule, DifferentEarlierHistoryIsSplitBrain)
{
    Scenario s;
    auto in = s.input();
    // beta applied log 1 only up to 4000 bytes and still called it finished.
    in.own_previous = chain(seed_link(0, "alpha"), 1, "alpha", 4000);
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::split_brain);
    expect_reason_has(d, {"history diverges at log-000000002-alpha", abbreviate(s.alpha2.digest),
                          abbreviate(s.alpha1.digest), abbreviate(in.own_previous->digest)});
}

TEST(SwitchRule, OriginVersionForAnotherLogfileIsSplitBrain)
{
    Scenario s;
    auto in = s.input();
    in.origin_version = chain(s.alpha1, 2, "gamma", 5000);
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::split_brain);
    expect_reason_has(d, {"log-000000002-gamma", "log-000000002-alpha"});
}

TEST(SwitchRule, WaitsForNextLogfile)
{
    Scenario s;
    auto in = s.input();
    in.known_logfiles = {{1, "alpha"}, {2, "alpha"}};
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::wait);
    expect_reason_has(d, {"no log-000000003", "yet"});
}

TEST(SwitchRule, GapIsAnError)
{
    Scenario s;
    auto in = s.input();
    in.known_logfiles = {{1, "alpha"}, {2, "alpha"}, {5, "gamma"}, {4, "alpha"}};
    auto d = decide_switch(in);
    EXPECT_EQ(d.kind, Kind::error);
    expect_reason_has(d, {"gap", "log-000000003", "log-000000004-alpha"});
}

TEST(SwitchRule, FirstLogfileAfterSeed)
{
    // create-resource wrote the seed as version-0; log 1 is the first real one.
    auto seed = seed_link(0, "alpha");
    SwitchInput in;
    in.number = 1;
    in.origin = "alpha";
    in.replay_offset = 0;
    in.own_previous = seed;
    in.origin_version = chain(seed, 1, "alpha", 0); // alpha rotated away from an empty file
    in.known_logfiles = {{1, "alpha"}, {2, "alpha"}};
    auto d = decide_switch(in);
    ASSERT_EQ(d.kind, Kind::proceed) << d.reason;
    EXPECT_EQ(d.own_version, *in.origin_version);
}

TEST(SwitchRule, KindNames)
{
    EXPECT_STREQ(to_string(Kind::proceed), "proceed");
    EXPECT_STREQ(to_string(Kind::split_brain), "split-brain");
}
