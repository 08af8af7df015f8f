// find_split_brain over the whole tree: duplicate logfile numbers, differing
// links, hosts that are merely behind, and the earliest split wins.
#include <gtest/gtest.h>

#include "history/split_brain.hpp"

using namespace mars::history;
using mars::log::LogfileName;

namespace {

using Chain = std::map<std::uint32_t, VersionLink>;

// A host's links for a list of (origin, length) logfiles numbered 1, 2, ...
Chain build(const std::vector<std::pair<std::string, std::uint64_t>>& history)
{
    Chain out;
    VersionLink link = seed_link(0, "alpha");
    out[0] = link;
    std::uint32_t n = 1;
    for (const auto& [origin, len] : history) {
        link = chain(link, n, origin, len);
        out[n++] = link;
    }
    return out;
}

bool has(const std::string& text, const std::string& word)
{
    return text.find(word) != std::string::npos;
}

} // namespace

TEST(SplitBrain, NoneWhenAllAgree)
{
    auto c = build({{"alpha", 10}, {"alpha", 20}, {"beta", 30}});
    std::vector<LogfileName> logs = {{1, "alpha"}, {2, "alpha"}, {3, "beta"}, {4, "beta"}};
    EXPECT_FALSE(find_split_brain({{"alpha", c}, {"beta", c}, {"gamma", c}}, logs));
}

TEST(SplitBrain, NoneWhenOneHostIsBehind)
{
    auto full = build({{"alpha", 10}, {"alpha", 20}, {"beta", 30}});
    auto behind = build({{"alpha", 10}});
    std::vector<LogfileName> logs = {{1, "alpha"}, {2, "alpha"}, {3, "beta"}};
    EXPECT_FALSE(find_split_brain({{"alpha", full}, {"beta", full}, {"gamma", behind}}, logs));
    EXPECT_FALSE(find_split_brain({{"alpha", full}, {"gamma", {}}}, logs));
    EXPECT_FALSE(find_split_brain({}, {}));
}

TEST(SplitBrain, DuplicateLogfileNumber)
{
    auto c = build({{"alpha", 10}});
    std::vector<LogfileName> logs = {{1, "alpha"}, {2, "beta"}, {2, "alpha"}, {2, "alpha"}};
    auto split = find_split_brain({{"alpha", c}, {"beta", c}}, logs);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->number, 2u);
    EXPECT_EQ(split->hosts, (std::vector<std::string>{"alpha", "beta"}));
    EXPECT_TRUE(has(split->message, "log-000000002-alpha")) << split->message;
    EXPECT_TRUE(has(split->message, "log-000000002-beta")) << split->message;
}

TEST(SplitBrain, DuplicateNumberSeenOnlyThroughVersionlinks)
{
    // The logfiles are deleted already, but the links remember their origins.
    auto a = build({{"alpha", 10}, {"alpha", 20}});
    auto b = build({{"alpha", 10}, {"beta", 20}});
    auto split = find_split_brain({{"alpha", a}, {"beta", b}}, {{3, "alpha"}});
    ASSERT_TRUE(split);
    EXPECT_EQ(split->number, 2u);
    EXPECT_TRUE(has(split->message, "log-000000002-beta")) << split->message;
}

TEST(SplitBrain, DifferingLinks)
{
    auto a = build({{"alpha", 10}, {"alpha", 20}});
    auto b = build({{"alpha", 10}, {"alpha", 19}});
    std::vector<LogfileName> logs = {{1, "alpha"}, {2, "alpha"}, {3, "alpha"}};
    auto split = find_split_brain({{"alpha", a}, {"beta", b}, {"gamma", a}}, logs);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->number, 2u);
    EXPECT_EQ(split->hosts, (std::vector<std::string>{"alpha", "beta", "gamma"}));
    EXPECT_TRUE(has(split->message, "diverges at log number 2")) << split->message;
    EXPECT_TRUE(has(split->message, "alpha,gamma: " + abbreviate(a[2].digest))) << split->message;
    EXPECT_TRUE(has(split->message, "beta: " + abbreviate(b[2].digest))) << split->message;
}

TEST(SplitBrain, EarliestSplitIsReported)
{
    // Links differ from 2 on (and so at 3 too); logfile 4 is duplicated.
    auto a = build({{"alpha", 10}, {"alpha", 20}, {"alpha", 30}});
    auto b = build({{"alpha", 10}, {"alpha", 21}, {"alpha", 30}});
    std::vector<LogfileName> logs = {{4, "alpha"}, {4, "beta"}, {3, "alpha"}};
    auto split = find_split_brain({{"alpha", a}, {"beta", b}}, logs);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->number, 2u);

    // With agreeing links the duplicate at 4 is the earliest.
    split = find_split_brain({{"alpha", a}, {"beta", a}}, logs);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->number, 4u);
}

TEST(SplitBrain, DifferentSeedsDiffer)
{
    Chain a{{0, seed_link(0, "alpha")}};
    Chain b{{0, seed_link(0, "beta")}};
    auto split = find_split_brain({{"alpha", a}, {"beta", b}}, {});
    ASSERT_TRUE(split);
    EXPECT_EQ(split->number, 0u);
}
