#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"
#include "tree/state_tree.hpp"

using namespace mars;
using tree::Durability;
using tree::Entry;
using tree::MergeResult;
using tree::StateTree;

namespace {

class StateTreeTest : public ::testing::Test {
protected:
    test::FakeRealtime time;
    tree::LamportClock clock{time.source()};
    test::TempDir dir;
    StateTree tree{dir.path(), clock};
};

} // namespace

TEST_F(StateTreeTest, AnEntryIsASymlinkWithTheStampAsMtime)
{
    Entry e = tree.set("resource-r0/primary", "alpha", Durability::proof);
    EXPECT_EQ(e.stamp, time.now);
    auto path = dir.path() / "resource-r0/primary";
    EXPECT_TRUE(std::filesystem::is_symlink(path));
    EXPECT_EQ(std::filesystem::read_symlink(path), "alpha");
    struct stat st{};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_EQ(std::uint64_t(st.st_mtim.tv_sec) * 1000000000ull + std::uint64_t(st.st_mtim.tv_nsec), e.stamp);
    EXPECT_EQ(tree.get("resource-r0/primary")->value, "alpha");
}

TEST_F(StateTreeTest, ReloadingFindsTheSameEntriesAndDropsInterruptedWrites)
{
    tree.set("uuid", "alpha_1764000000");
    tree.set("ips/ip-alpha", "10.0.0.1");
    tree.remove("ips/ip-gone");
    // What a crash between symlink() and rename() leaves behind.
    ASSERT_EQ(::symlink("half", (dir.path() / "ips/.tmp.123.1.ip-beta").c_str()), 0);
    // Logfiles are regular files, not entries.
    { std::ofstream(dir.path() / "log-000000001-alpha") << "x"; }
    tree::LamportClock clock2(time.source());
    StateTree again(dir.path(), clock2);
    EXPECT_EQ(again.size(), 3u);
    EXPECT_EQ(again.get("uuid"), tree.get("uuid"));
    EXPECT_EQ(again.get("ips/ip-alpha"), tree.get("ips/ip-alpha"));
    EXPECT_FALSE(again.get("ips/ip-gone"));
    EXPECT_TRUE(again.get_raw("ips/ip-gone")->is_tombstone());
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "ips/.tmp.123.1.ip-beta"));
    // The reloaded clock continues after the newest stamp on disk.
    EXPECT_GT(clock2.now(), tree.get_raw("ips/ip-gone")->stamp);
}

TEST_F(StateTreeTest, NewerWinsTiesAndOlderLose)
{
    Entry local = tree.set("resource-r0/size", "1000");
    EXPECT_EQ(tree.merge({"resource-r0/size", "2000", local.stamp - 1}), MergeResult::not_newer);
    EXPECT_EQ(tree.merge({"resource-r0/size", "3000", local.stamp}), MergeResult::not_newer);
    EXPECT_EQ(tree.get("resource-r0/size")->value, "1000");
    EXPECT_EQ(tree.merge({"resource-r0/size", "4000", local.stamp + 1}), MergeResult::applied);
    auto now = tree.get("resource-r0/size");
    EXPECT_EQ(now->value, "4000");
    EXPECT_EQ(now->stamp, local.stamp + 1); // the remote stamp is kept
    // A missing key is taken whatever its stamp.
    EXPECT_EQ(tree.merge({"resource-r0/data-beta", "/dev/vg/r0", 5}), MergeResult::applied);
}

TEST_F(StateTreeTest, TombstonesBeatOlderValuesAndLoseToNewerOnes)
{
    Entry v = tree.set("todo-alpha/attach", "1");
    EXPECT_EQ(tree.merge({"todo-alpha/attach", std::string(tree::kTombstone), v.stamp + 10}), MergeResult::applied);
    EXPECT_FALSE(tree.get("todo-alpha/attach"));
    EXPECT_EQ(tree.merge({"todo-alpha/attach", "1", v.stamp + 5}), MergeResult::not_newer);
    EXPECT_FALSE(tree.get("todo-alpha/attach"));
    EXPECT_EQ(tree.merge({"todo-alpha/attach", "0", v.stamp + 20}), MergeResult::applied);
    EXPECT_EQ(tree.get("todo-alpha/attach")->value, "0");
}

TEST_F(StateTreeTest, LocalWritesAreNewerThanEverythingSeen)
{
    Entry a = tree.set("k", "1");
    EXPECT_EQ(tree.merge({"other", "x", a.stamp + 1'000'000}), MergeResult::applied);
    Entry b = tree.set("k", "2");
    EXPECT_GT(b.stamp, a.stamp + 1'000'000);
}

TEST_F(StateTreeTest, FutureStampsAndBadEntriesAreRefused)
{
    EXPECT_EQ(tree.merge({"k", "v", time.now + tree::LamportClock::kMaxFutureNs + 1}), MergeResult::future_stamp);
    EXPECT_EQ(tree.merge({"../etc/passwd", "x", 1}), MergeResult::invalid);
    EXPECT_EQ(tree.merge({"/abs", "x", 1}), MergeResult::invalid);
    EXPECT_EQ(tree.merge({"a/.tmp.1", "x", 1}), MergeResult::invalid);
    EXPECT_EQ(tree.merge({"k", "", 1}), MergeResult::invalid);
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_THROW(tree.set("a b", "x"), std::invalid_argument);
    EXPECT_THROW(tree.set("a//b", "x"), std::invalid_argument);
    EXPECT_THROW(tree.set("a/b/c/d/e", "x"), std::invalid_argument);
    EXPECT_NE(tree::check_key("x/../y").find("'.' or '..'"), std::string::npos);
}

TEST_F(StateTreeTest, NewerThanAnswersIncrementally)
{
    Entry a = tree.set("resource-r0/a", "1");
    Entry b = tree.set("resource-r1/b", "2");
    Entry c = tree.set("resource-r0/c", "3");
    auto all = tree.newer_than(0);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0], a);
    EXPECT_EQ(all[2], c);
    auto after_a = tree.newer_than(a.stamp);
    ASSERT_EQ(after_a.size(), 2u);
    EXPECT_EQ(after_a[0], b);
    auto r0 = tree.newer_than(a.stamp, "resource-r0/");
    ASSERT_EQ(r0.size(), 1u);
    EXPECT_EQ(r0[0], c);
    tree.set("resource-r0/a", "4"); // an update moves the entry to the end
    auto latest = tree.newer_than(c.stamp);
    ASSERT_EQ(latest.size(), 1u);
    EXPECT_EQ(latest[0].key, "resource-r0/a");
    EXPECT_TRUE(tree.newer_than(latest[0].stamp).empty());
}

TEST_F(StateTreeTest, ListShowsLiveEntriesBelowAPrefix)
{
    tree.set("ips/ip-alpha", "10.0.0.1");
    tree.set("ips/ip-beta", "10.0.0.2");
    tree.remove("ips/ip-beta");
    tree.set("ipsx", "no");
    auto ips = tree.list("ips/");
    ASSERT_EQ(ips.size(), 1u);
    EXPECT_EQ(ips[0].key, "ips/ip-alpha");
}

TEST_F(StateTreeTest, PurgeUnlinksOnlyOldTombstones)
{
    Entry gone = tree.remove("a");
    time.now += 1000;
    tree.remove("b");
    tree.set("c", "live");
    EXPECT_EQ(tree.purge_tombstones(gone.stamp + 1), 1u);
    EXPECT_FALSE(tree.get_raw("a"));
    EXPECT_FALSE(std::filesystem::is_symlink(dir.path() / "a"));
    EXPECT_TRUE(tree.get_raw("b"));
    EXPECT_EQ(tree.purge_tombstones(UINT64_MAX), 1u);
    EXPECT_EQ(tree.get("c")->value, "live");
}

TEST_F(StateTreeTest, ATombstoneReplacesADeletedLogfile)
{
    // Deletion of logfiles spreads as a tombstone over the file.
    { std::ofstream(dir.path() / "log-000000001-alpha") << "records"; }
    EXPECT_EQ(tree.merge({"log-000000001-alpha", std::string(tree::kTombstone), time.now}), MergeResult::applied);
    EXPECT_TRUE(std::filesystem::is_symlink(dir.path() / "log-000000001-alpha"));
}

TEST_F(StateTreeTest, ChangedSinceReportsLateMergesWithOldStamps)
{
    tree.set("a", "1");
    auto first = tree.changed_since(0);
    EXPECT_NE(first.epoch, 0u);
    ASSERT_EQ(first.entries.size(), 1u);
    EXPECT_TRUE(tree.changed_since(first.cursor).entries.empty());
    // An entry from a third host arrives late, stamped long ago: a cursor
    // by stamp would miss it, the change counter does not.
    EXPECT_EQ(tree.merge({"ips/ip-gamma", "10.0.0.3", 12345}), MergeResult::applied);
    auto next = tree.changed_since(first.cursor);
    ASSERT_EQ(next.entries.size(), 1u);
    EXPECT_EQ(next.entries[0].key, "ips/ip-gamma");
    EXPECT_EQ(next.epoch, first.epoch);
    // A key changed twice is reported once, at its latest change.
    tree.set("a", "2");
    tree.set("a", "3");
    auto latest = tree.changed_since(next.cursor);
    ASSERT_EQ(latest.entries.size(), 1u);
    EXPECT_EQ(latest.entries[0].value, "3");
}

TEST_F(StateTreeTest, ChangedSinceHonoursItsLimit)
{
    for (int i = 0; i < 10; ++i)
        tree.set("k" + std::to_string(i), "v");
    auto part = tree.changed_since(0, 4);
    EXPECT_FALSE(part.complete);
    ASSERT_EQ(part.entries.size(), 4u);
    auto rest = tree.changed_since(part.cursor);
    EXPECT_TRUE(rest.complete);
    EXPECT_EQ(rest.entries.size(), 6u);
    EXPECT_EQ(rest.entries.front().key, "k4");
}
