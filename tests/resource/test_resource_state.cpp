#include <gtest/gtest.h>

#include <map>

#include "resource/resource_state.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using namespace mars::resource;

namespace {

constexpr std::uint64_t kSize = 1 << 20;

// Every host writes into the same tree here: beta's entries stand for what
// gossip would have brought from beta.
class ResourceStateTest : public ::testing::Test {
  protected:
    test::FakeRealtime time;
    tree::LamportClock clock{time.source()};
    test::TempDir dir;
    tree::StateTree tree{dir.path(), clock};
    ResourceState alpha{tree, "alpha"};
    ResourceState beta{tree, "beta"};
    ResourceState gamma{tree, "gamma"};

    ReplayLink link(std::uint32_t n, std::string origin, std::uint64_t offset, std::uint64_t seq)
    {
        ReplayLink l;
        l.position = {n, std::move(origin), offset, seq};
        return l;
    }

    std::map<std::string, std::string> entries(const std::string& prefix = "resource-r0/")
    {
        std::map<std::string, std::string> out;
        for (const auto& e : tree.list(prefix))
            out[e.key] = e.value;
        return out;
    }

    void create_r0() { alpha.create("r0", "/dev/vg/r0", "", kSize, kSize); }
    void join_beta() { beta.join("r0", "/dev/vg/b0", "r0", kSize, link(1, "alpha", 0, 1)); }

    // Runs `f`, expects a ResourceError whose message contains `what`.
    template <typename F> void expect_refused(F f, const std::string& what)
    {
        try {
            f();
            ADD_FAILURE() << "not refused; expected: " << what;
        } catch (const ResourceError& e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    }
};

} // namespace

TEST_F(ResourceStateTest, CreateSeedsExactlyTheEntries)
{
    create_r0();
    const std::map<std::string, std::string> expected = {
        {"resource-r0/size", std::to_string(kSize)},
        {"resource-r0/primary", "alpha"},
        {"resource-r0/maxnr", "1"},
        {"resource-r0/data-alpha", "/dev/vg/r0"},
        {"resource-r0/device-alpha", "r0"},
        {"resource-r0/actsize-alpha", std::to_string(kSize)},
        {"resource-r0/replay-alpha", "log-000000001-alpha,0,0,1"},
        {"resource-r0/todo-alpha/attach", "1"},
        {"resource-r0/todo-alpha/connect", "1"},
        {"resource-r0/todo-alpha/allow-replay", "1"},
        {"resource-r0/todo-alpha/sync", "1"},
    };
    EXPECT_EQ(entries(), expected);
    EXPECT_EQ(alpha.names(), std::vector<std::string>{"r0"});

    auto r = alpha.info("r0");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->size, kSize);
    EXPECT_EQ(r->primary, "alpha");
    EXPECT_EQ(r->maxnr, 1u);
    ASSERT_TRUE(r->is_member("alpha"));
    const HostEntry& h = r->hosts.at("alpha");
    EXPECT_EQ(h.disk, "/dev/vg/r0");
    EXPECT_EQ(h.device, "r0");
    EXPECT_EQ(h.actual_size, kSize);
    ASSERT_TRUE(h.replay);
    EXPECT_EQ(h.replay->str(), "log-000000001-alpha,0,0,1");
    EXPECT_FALSE(h.syncstatus);
    EXPECT_TRUE(h.versions.empty());
    EXPECT_EQ(alpha.directory("r0"), dir.path() / "resource-r0");
}

TEST_F(ResourceStateTest, CreatedEntriesSurviveAReload)
{
    alpha.create("r0", "/dev/vg/r0", "db", kSize, 2 * kSize);
    tree::LamportClock clock2(time.source());
    tree::StateTree again(dir.path(), clock2);
    ResourceState reloaded(again, "alpha");
    auto r = reloaded.info("r0");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->size, kSize);
    EXPECT_EQ(r->primary, "alpha");
    EXPECT_EQ(r->hosts.at("alpha").disk, "/dev/vg/r0");
    EXPECT_EQ(r->hosts.at("alpha").device, "db");
    EXPECT_EQ(r->hosts.at("alpha").actual_size, 2 * kSize);
    EXPECT_EQ(r->hosts.at("alpha").replay->str(), "log-000000001-alpha,0,0,1");
}

TEST_F(ResourceStateTest, CreateRefusesBadRequests)
{
    expect_refused([&] { alpha.create("R0", "/dev/x", "", kSize, kSize); }, "lower-case");
    expect_refused([&] { alpha.create("all", "/dev/x", "", kSize, kSize); }, "reserved");
    expect_refused([&] { alpha.create("r0", "/dev/x", "", 0, kSize); }, "size 0");
    expect_refused([&] { alpha.create("r0", "dev/x", "", kSize, kSize); }, "not an absolute path");
    expect_refused([&] { alpha.create("r0", "/dev/x", "a/b", kSize, kSize); }, "not a device name");
    expect_refused([&] { alpha.create("r0", "/dev/x", "", kSize, kSize - 1); }, "less than the resource size");
    EXPECT_TRUE(entries().empty());
    create_r0();
    expect_refused([&] { alpha.create("r0", "/dev/y", "", kSize, kSize); }, "exists already");
    expect_refused([&] { beta.create("r0", "/dev/y", "", kSize, kSize); }, "exists already");
}

TEST_F(ResourceStateTest, JoinWritesTheMemberEntries)
{
    create_r0();
    beta.join("r0", "/dev/vg/b0", "", 2 * kSize, link(4, "alpha", 8192, 33));
    auto e = entries("resource-r0/");
    EXPECT_EQ(e["resource-r0/data-beta"], "/dev/vg/b0");
    EXPECT_EQ(e["resource-r0/device-beta"], "r0");
    EXPECT_EQ(e["resource-r0/actsize-beta"], std::to_string(2 * kSize));
    EXPECT_EQ(e["resource-r0/replay-beta"], "log-000000004-alpha,8192,0,33");
    EXPECT_EQ(e["resource-r0/syncstatus-beta"], "0");
    EXPECT_EQ(e["resource-r0/todo-beta/sync"], "1");
    EXPECT_EQ(e["resource-r0/primary"], "alpha"); // untouched
    auto r = alpha.info("r0");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->is_member("beta"));
    EXPECT_EQ(r->hosts.at("beta").syncstatus, 0u);
}

TEST_F(ResourceStateTest, JoinRefusesEachCaseWithTheReason)
{
    const ReplayLink start = link(1, "alpha", 0, 1);
    expect_refused([&] { beta.join("r0", "/dev/b", "", kSize, start); }, "unknown");
    create_r0();
    expect_refused([&] { alpha.join("r0", "/dev/b", "", kSize, start); }, "already a member");
    expect_refused([&] { beta.join("r0", "/dev/b", "", kSize - 1, start); }, "less than the resource size");
    alpha.set_primary("r0", "");
    expect_refused([&] { beta.join("r0", "/dev/b", "", kSize, start); }, "no designated primary");
    EXPECT_FALSE(alpha.info("r0")->is_member("beta"));
    EXPECT_TRUE(entries("resource-r0/data-beta").empty());
}

TEST_F(ResourceStateTest, LeaveTombstonesOnlyOwnEntries)
{
    create_r0();
    join_beta();
    beta.publish_version("r0", 1, "digest,log-000000001-alpha,0:");
    beta.set_syncpos("r0", "log-000000001-alpha,4096,0,9");
    beta.set_actual("r0", "is-attached", "1");
    tree.set("resource-r0/skip-check-beta", "1");
    alpha.publish_version("r0", 1, "digest,log-000000001-alpha,0:");
    const auto before = entries();

    beta.leave("r0");
    auto after = entries();
    for (const auto& [key, value] : before) {
        const bool betas = key.find("-beta") != std::string::npos;
        EXPECT_EQ(after.count(key), betas ? 0u : 1u) << key;
        if (betas) {
            auto raw = tree.get_raw(key);
            ASSERT_TRUE(raw) << key;
            EXPECT_TRUE(raw->is_tombstone()) << key;
        }
    }
    EXPECT_FALSE(alpha.info("r0")->is_member("beta"));
    expect_refused([&] { beta.leave("r0"); }, "not a member");
}

TEST_F(ResourceStateTest, TheDesignatedPrimaryLeavesOnlyWhenAlone)
{
    create_r0();
    join_beta();
    expect_refused([&] { alpha.leave("r0"); }, "designated primary");
    beta.leave("r0");
    alpha.leave("r0");
    EXPECT_FALSE(alpha.info("r0")->is_member("alpha"));
}

TEST_F(ResourceStateTest, RemoveNeedsForceWhileOthersRemain)
{
    create_r0();
    join_beta();
    expect_refused([&] { alpha.remove("r0", false); }, "beta");
    EXPECT_TRUE(alpha.info("r0"));
    alpha.remove("r0", true);
    EXPECT_TRUE(entries().empty());
    EXPECT_FALSE(alpha.info("r0"));
    EXPECT_TRUE(alpha.names().empty());
    expect_refused([&] { alpha.remove("r0", true); }, "does not exist");
    // The name is free again.
    create_r0();
    EXPECT_TRUE(alpha.info("r0"));
}

TEST_F(ResourceStateTest, RemoveWithoutForceWhenOnlyThisHostRemains)
{
    create_r0();
    join_beta();
    beta.leave("r0");
    alpha.remove("r0", false);
    EXPECT_TRUE(entries().empty());
    // Other resources stay.
    create_r0();
    alpha.create("r1", "/dev/vg/r1", "", kSize, kSize);
    alpha.remove("r0", false);
    EXPECT_EQ(alpha.names(), std::vector<std::string>{"r1"});
}

TEST_F(ResourceStateTest, SwitchesDefaultOn)
{
    create_r0();
    join_beta();
    tree.remove(keys::todo("r0", "beta", Switch::sync));
    auto r = alpha.info("r0");
    EXPECT_TRUE(r->todo("beta", Switch::sync));
    EXPECT_TRUE(r->todo("nobody", Switch::sync));
    beta.set_switch("r0", Switch::fetch, false);
    r = alpha.info("r0");
    EXPECT_FALSE(r->todo("beta", Switch::fetch));
    EXPECT_TRUE(r->todo("beta", Switch::replay));
    EXPECT_TRUE(r->todo("alpha", Switch::fetch));
    EXPECT_EQ(tree.get("resource-r0/todo-beta/connect")->value, "0");
    beta.set_switch("r0", Switch::fetch, true);
    EXPECT_TRUE(alpha.info("r0")->todo("beta", Switch::fetch));
    expect_refused([&] { gamma.set_switch("r0", Switch::sync, false); }, "not a member");
}

TEST_F(ResourceStateTest, MaxnrOnlyRises)
{
    create_r0();
    alpha.set_maxnr("r0", 7);
    EXPECT_EQ(alpha.info("r0")->maxnr, 7u);
    const auto stamp = tree.get(keys::maxnr("r0"))->stamp;
    alpha.set_maxnr("r0", 3);
    alpha.set_maxnr("r0", 7);
    EXPECT_EQ(alpha.info("r0")->maxnr, 7u);
    EXPECT_EQ(tree.get(keys::maxnr("r0"))->stamp, stamp);
    expect_refused([&] { alpha.set_maxnr("r9", 3); }, "does not exist");
}

TEST_F(ResourceStateTest, SetActualWritesOnlyOnChange)
{
    create_r0();
    EXPECT_TRUE(alpha.set_actual("r0", "is-primary", "1"));
    const auto stamp = tree.get(keys::actual("r0", "alpha", "is-primary"))->stamp;
    EXPECT_FALSE(alpha.set_actual("r0", "is-primary", "1"));
    EXPECT_EQ(tree.get(keys::actual("r0", "alpha", "is-primary"))->stamp, stamp);
    EXPECT_TRUE(alpha.set_actual("r0", "is-primary", "0"));
    EXPECT_EQ(alpha.info("r0")->hosts.at("alpha").actual.at("is-primary"), "0");
    expect_refused([&] { alpha.set_actual("r0", "a/b", "1"); }, "not a status name");
}

TEST_F(ResourceStateTest, ProgressIsPublished)
{
    create_r0();
    join_beta();
    beta.publish_replay("r0", link(2, "alpha", 4096, 12), tree::Durability::normal);
    beta.publish_version("r0", 2, "abc,log-000000002-alpha,4096:def");
    beta.publish_version("r0", 3, "ghi,log-000000003-alpha,0:abc");
    beta.remove_version("r0", 2);
    beta.set_syncstatus("r0", kSize);
    beta.set_syncpos("r0", "log-000000002-alpha,4096,0");
    const HostEntry h = alpha.info("r0")->hosts.at("beta");
    EXPECT_EQ(h.replay->str(), "log-000000002-alpha,4096,0,12");
    EXPECT_EQ(h.versions, (std::map<std::uint32_t, std::string>{{3, "ghi,log-000000003-alpha,0:abc"}}));
    EXPECT_EQ(h.syncstatus, kSize);
    EXPECT_EQ(h.syncpos, "log-000000002-alpha,4096,0");
    EXPECT_TRUE(tree.get_raw(keys::version("r0", 2, "beta"))->is_tombstone());
}

TEST_F(ResourceStateTest, PrimaryNoneHasAWeakStamp)
{
    create_r0();
    join_beta();
    const auto old = tree.get(keys::primary("r0"))->stamp;
    alpha.set_primary("r0", "");
    auto e = tree.get(keys::primary("r0"));
    EXPECT_EQ(e->value, "(none)");
    EXPECT_EQ(e->stamp, old + 1);
    EXPECT_EQ(alpha.info("r0")->primary, "");
    // A handover written concurrently elsewhere, with a real stamp, wins.
    EXPECT_EQ(tree.merge({keys::primary("r0"), "beta", old + 2}), tree::MergeResult::applied);
    EXPECT_EQ(alpha.info("r0")->primary, "beta");
    alpha.set_primary("r0", "alpha");
    EXPECT_EQ(alpha.info("r0")->primary, "alpha");
    expect_refused([&] { alpha.set_primary("r0", "gamma"); }, "not a member");
}

TEST_F(ResourceStateTest, NonMembersAreNotHosts)
{
    create_r0();
    // A stray entry of a host that left (a late gossip update).
    tree.set(keys::actual("r0", "gamma", "is-attached"), "0");
    auto r = alpha.info("r0");
    EXPECT_FALSE(r->is_member("gamma"));
    EXPECT_EQ(r->hosts.size(), 1u);
    EXPECT_FALSE(alpha.info("r9"));
    EXPECT_FALSE(alpha.info("BAD"));
}

TEST(ResourceStateCtor, RefusesABadHostName)
{
    mars::test::FakeRealtime time;
    tree::LamportClock clock{time.source()};
    mars::test::TempDir dir;
    tree::StateTree tree{dir.path(), clock};
    EXPECT_THROW(ResourceState(tree, "Alpha"), std::invalid_argument);
}
