// marsadm on a bus where no marsd runs: every command that needs the daemon
// says so and exits 1.
#include <gtest/gtest.h>

#include "private_bus.hpp"
#include "run_command.hpp"

using mars::test::marsadm;

TEST(WithoutMarsd, ResourceCommandsSayHowToStartIt)
{
    mars::test::PrivateBus bus;
    if (!bus.ok())
        GTEST_SKIP() << bus.why();
    const std::vector<std::vector<std::string>> commands = {
        {"view"},
        {"view", "r0"},
        {"view", "all", "--json"},
        {"create-resource", "r0", "/dev/vdb"},
        {"join-resource", "r0", "/dev/vdb"},
        {"leave-resource", "r0"},
        {"delete-resource", "--force", "r0"},
        {"attach", "all"},
        {"wait-resource", "r0", "attached", "--timeout=0"},
    };
    const std::string reason = ": marsd is not running (start it with 'systemctl start marsd')\n";
    for (const auto& args : commands) {
        auto r = marsadm(args);
        EXPECT_EQ(r.exit_code, 1) << args[0] << "\n" << r.err;
        EXPECT_EQ(r.err, "marsadm " + args[0] + reason) << args[0];
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
}

TEST(WithoutMarsd, EachResourceOfAListFailsOnItsOwnLine)
{
    mars::test::PrivateBus bus;
    if (!bus.ok())
        GTEST_SKIP() << bus.why();
    auto r = marsadm({"resume-replay", "r0,r1"});
    EXPECT_EQ(r.exit_code, 1);
    const std::string reason = ": marsd is not running (start it with 'systemctl start marsd')\n";
    EXPECT_EQ(r.err, "marsadm resume-replay r0" + reason + "marsadm resume-replay r1" + reason);
}
