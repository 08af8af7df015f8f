#include <gtest/gtest.h>

#include "wait_condition.hpp"

using namespace mars::marsadm;

namespace {

ResourceProperties secondary()
{
    ResourceProperties p;
    p.name = "r0";
    p.role = "Secondary";
    p.disk_state = "OutDated[F]";
    p.repl_state = "Replaying";
    p.flags = "-CASFR";
    p.primary = "alpha";
    p.replay_position = "log-000000003-alpha,4096,0,17";
    p.fetch_position = "log-000000003-alpha,8192,0,18";
    p.primary_position = "log-000000003-alpha,8192,0,18";
    p.replay_lag = 4096;
    p.sync_progress = 1;
    return p;
}

bool holds(const char* name, const ResourceProperties& p)
{
    auto c = parse_wait_condition(name);
    EXPECT_TRUE(c.has_value()) << name;
    return c && condition_holds(*c, p);
}

} // namespace

TEST(WaitCondition, NamesRoundTripAndUnknownNamesAreRejected)
{
    for (const char* n : {"attached", "detached", "primary", "secondary", "device", "device-off", "uptodate", "synced",
                          "caught-up", "replicating"}) {
        auto c = parse_wait_condition(n);
        ASSERT_TRUE(c.has_value()) << n;
        EXPECT_EQ(wait_condition_name(*c), n);
    }
    for (const char* n : {"", "attach", "caught_up", "Primary", "is-primary"})
        EXPECT_FALSE(parse_wait_condition(n).has_value()) << n;
}

TEST(WaitCondition, AttachFollowsTheAFlag)
{
    auto p = secondary();
    EXPECT_TRUE(holds("attached", p));
    EXPECT_FALSE(holds("detached", p));
    p.flags = "-Ca-FR"; // attaching
    EXPECT_FALSE(holds("attached", p));
    EXPECT_FALSE(holds("detached", p));
    p.flags = "-C----";
    EXPECT_TRUE(holds("detached", p));
    p.flags = ""; // unknown: neither
    EXPECT_FALSE(holds("attached", p));
    EXPECT_FALSE(holds("detached", p));
}

TEST(WaitCondition, RolesDeviceAndStates)
{
    auto p = secondary();
    EXPECT_TRUE(holds("secondary", p));
    EXPECT_FALSE(holds("primary", p));
    EXPECT_TRUE(holds("device-off", p));
    EXPECT_FALSE(holds("device", p));
    EXPECT_FALSE(holds("uptodate", p));
    EXPECT_TRUE(holds("replicating", p));
    p.role = "NotYetPrimary"; // handover in progress: not primary yet
    p.repl_state = "NotYetPrimary";
    EXPECT_FALSE(holds("primary", p));
    EXPECT_FALSE(holds("secondary", p));
    EXPECT_FALSE(holds("replicating", p));
    p.role = "Primary";
    p.repl_state = "Replicating";
    p.device = "/dev/mars/r0";
    p.disk_state = "UpToDate";
    EXPECT_TRUE(holds("primary", p));
    EXPECT_TRUE(holds("device", p));
    EXPECT_TRUE(holds("uptodate", p));
    EXPECT_TRUE(holds("replicating", p));
    p.repl_state = "PausedFetch";
    EXPECT_FALSE(holds("replicating", p));
}

TEST(WaitCondition, SyncedNeedsNothingRemaining)
{
    auto p = secondary();
    EXPECT_TRUE(holds("synced", p));
    p.sync_progress = 0.999;
    p.sync_remaining = 4096;
    EXPECT_FALSE(holds("synced", p));
    p.sync_progress = 1;
    EXPECT_FALSE(holds("synced", p));
    p.sync_remaining = 0;
    EXPECT_TRUE(holds("synced", p));
}

TEST(WaitCondition, CaughtUpNeedsNoLagAndThePrimarysPosition)
{
    auto p = secondary();
    EXPECT_FALSE(holds("caught-up", p)); // replay lag
    p.replay_lag = 0;
    EXPECT_FALSE(holds("caught-up", p)); // replay position behind
    p.replay_position = p.primary_position;
    EXPECT_TRUE(holds("caught-up", p));
    p.fetch_lag = 1;
    EXPECT_FALSE(holds("caught-up", p));
    p.fetch_lag = 0;
    p.primary_position = ""; // primary unknown: what was fetched is the end
    EXPECT_TRUE(holds("caught-up", p));
    p.replay_position = "";
    p.fetch_position = "";
    EXPECT_FALSE(holds("caught-up", p)); // nothing known is not caught up
}

TEST(WaitCondition, EvidenceNamesTheValuesSeen)
{
    auto p = secondary();
    EXPECT_EQ(condition_evidence(WaitCondition::primary, p), "Role 'Secondary', Primary 'alpha'");
    EXPECT_EQ(condition_evidence(WaitCondition::caught_up, p),
              "FetchLag 0, ReplayLag 4096, ReplayPosition 'log-000000003-alpha,4096,0,17', FetchPosition "
              "'log-000000003-alpha,8192,0,18', PrimaryPosition 'log-000000003-alpha,8192,0,18'");
    p.sync_progress = 0.25;
    p.sync_remaining = 3 << 20;
    EXPECT_EQ(condition_evidence(WaitCondition::synced, p),
              "SyncProgress 0.25, SyncRemaining 3145728, ReplState 'Replaying'");
}
