// Which logfiles and versionlinks may be deleted (mars-reference §4.5).
#include <gtest/gtest.h>

#include "history/log_deletion.hpp"

using namespace mars::history;
using mars::log::LogfileName;
using Names = std::vector<LogfileName>;

TEST(LogDeletion, BelowTheMinimumOverMembers)
{
    Names local = {{4, "alpha"}, {2, "alpha"}, {3, "beta"}, {5, "beta"}, {1, "alpha"}};
    auto out = deletable_logfiles(local, {{"alpha", 5}, {"beta", 4}, {"gamma", 3}});
    EXPECT_EQ(out, (Names{{1, "alpha"}, {2, "alpha"}}));
}

TEST(LogDeletion, NeverTheNewest)
{
    Names local = {{1, "alpha"}, {2, "alpha"}, {3, "alpha"}};
    // Every member is past all of them (e.g. replay links already point at a
    // logfile not yet arrived here); the newest local one still stays.
    auto out = deletable_logfiles(local, {{"alpha", 9}, {"beta", 9}});
    EXPECT_EQ(out, (Names{{1, "alpha"}, {2, "alpha"}}));
    EXPECT_TRUE(deletable_logfiles({{7, "alpha"}}, {{"alpha", 9}}).empty());
}

TEST(LogDeletion, UnknownMemberBlocksEverything)
{
    Names local = {{1, "alpha"}, {2, "alpha"}, {3, "alpha"}};
    EXPECT_TRUE(deletable_logfiles(local, {{"alpha", 3}, {"beta", std::nullopt}}).empty());
    EXPECT_TRUE(deletable_logfiles(local, {}).empty());
    EXPECT_TRUE(deletable_logfiles({}, {{"alpha", 3}}).empty());
}

TEST(LogDeletion, LaggingMemberBlocksEveryone)
{
    Names local = {{1, "alpha"}, {2, "alpha"}, {3, "alpha"}};
    EXPECT_TRUE(deletable_logfiles(local, {{"alpha", 3}, {"beta", 1}}).empty());
    EXPECT_EQ(deletable_logfiles(local, {{"alpha", 3}, {"beta", 2}}), (Names{{1, "alpha"}}));
}

TEST(LogDeletion, DuplicatesCollapse)
{
    Names local = {{1, "alpha"}, {1, "alpha"}, {3, "alpha"}};
    EXPECT_EQ(deletable_logfiles(local, {{"alpha", 3}}), (Names{{1, "alpha"}}));
}

TEST(VersionDeletion, OneGenerationLonger)
{
    // Logfiles 1..3 are gone, 4 is the lowest remaining: version-3 anchors
    // the replay of log 4 and stays.
    EXPECT_EQ(deletable_versions({0, 1, 2, 3, 4, 5}, 4), (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_EQ(deletable_versions({5, 3, 1, 1}, 4), (std::vector<std::uint32_t>{1}));
}

TEST(VersionDeletion, EdgesAndHead)
{
    EXPECT_TRUE(deletable_versions({0, 1, 2}, 0).empty());
    EXPECT_TRUE(deletable_versions({0, 1, 2}, 1).empty());
    EXPECT_TRUE(deletable_versions({}, 10).empty());
    // The highest own version is the head of the chain and never goes.
    EXPECT_EQ(deletable_versions({0, 1, 2}, 10), (std::vector<std::uint32_t>{0, 1}));
}
