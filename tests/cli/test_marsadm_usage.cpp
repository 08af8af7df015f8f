#include <gtest/gtest.h>

#include "run_command.hpp"

using mars::test::marsadm;

TEST(MarsadmUsage, HelpListsCommandsAndExitsZero)
{
    auto r = marsadm({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("dump-log <logfile>"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
    auto c = marsadm({"dump-log", "--help"});
    EXPECT_EQ(c.exit_code, 0);
    EXPECT_NE(c.out.find("--from OFFSET"), std::string::npos) << c.out;
}

TEST(MarsadmUsage, WrongUsageExitsTwoWithAOneLineReason)
{
    struct Case {
        std::vector<std::string> args;
        std::string error;
    };
    const Case cases[] = {
        {{}, "usage: marsadm"},
        {{"frobnicate"}, "marsadm: unknown command 'frobnicate'"},
        {{"dump-log"}, "marsadm dump-log: missing logfile argument"},
        {{"dump-log", "a", "b"}, "marsadm dump-log: expects exactly one logfile"},
        {{"dump-log", "a", "--from"}, "marsadm dump-log: option --from needs a value"},
        {{"dump-log", "a", "--from=-5"}, "marsadm dump-log: --from needs a non-negative number, not '-5'"},
        {{"dump-log", "a", "--from=12"}, "marsadm dump-log: --from 12 is not a record boundary"},
        {{"dump-log", "a", "--json=yes"}, "marsadm dump-log: option --json takes no value"},
        {{"dump-log", "a", "--colour"}, "marsadm dump-log: unknown option --colour"},
        {{"dump-log", "a", "-x"}, "marsadm dump-log: unknown option '-x'"},
    };
    for (const auto& c : cases) {
        auto r = marsadm(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.error;
        EXPECT_EQ(r.err.rfind(c.error, 0), 0u) << "got: " << r.err;
        EXPECT_TRUE(r.out.empty());
    }
}
