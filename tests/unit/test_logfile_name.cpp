#include <gtest/gtest.h>

#include "log/logfile_name.hpp"
#include "util/host_name.hpp"

using mars::log::LogfileName;

TEST(LogfileName, FormatsNineDigits)
{
    EXPECT_EQ((LogfileName{12, "alpha"}.str()), "log-000000012-alpha");
    EXPECT_EQ((LogfileName{999999999, "b-2"}.str()), "log-999999999-b-2");
}

TEST(LogfileName, ParsesOnlyExactNames)
{
    auto n = LogfileName::parse("log-000000012-alpha");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->number, 12u);
    EXPECT_EQ(n->host, "alpha");
    EXPECT_EQ(LogfileName::parse("log-000000012-host-with-dash")->host, "host-with-dash");
    for (const char* bad : {"log-12-alpha", "log-00000001a-alpha", "log-000000012-", "log-000000012_alpha",
                            "log-000000012-Alpha", "version-000000012-alpha", "log-000000012-none", ""})
        EXPECT_FALSE(LogfileName::parse(bad)) << bad;
}

TEST(HostName, RulesOfTheOriginal)
{
    EXPECT_EQ(mars::util::check_host_name("alpha"), "");
    EXPECT_EQ(mars::util::check_host_name("a-1"), "");
    EXPECT_NE(mars::util::check_host_name("1a"), "");
    EXPECT_NE(mars::util::check_host_name("Alpha"), "");
    EXPECT_NE(mars::util::check_host_name("a.b"), "");
    EXPECT_NE(mars::util::check_host_name(""), "");
    EXPECT_NE(mars::util::check_host_name("localhost").find("reserved"), std::string::npos);
}
