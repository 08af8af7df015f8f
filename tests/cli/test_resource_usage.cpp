// Wrong usage of the resource commands exits 2 with a one-line reason before
// marsadm looks for a bus; help lists them. No marsd needed.
#include <gtest/gtest.h>

#include <cstdlib>

#include "run_command.hpp"

using mars::test::marsadm;

namespace {

const char* const kSwitches[] = {"attach",       "detach",        "pause-fetch", "resume-fetch",
                                 "pause-replay", "resume-replay", "pause-sync",  "resume-sync",
                                 "up",           "down",          "log-rotate",  "log-delete"};

struct Case {
    std::vector<std::string> args;
    std::string error;
};

void expect_usage_errors(const std::vector<Case>& cases)
{
    // A bus that does not exist: any attempt to use it would fail with exit 1.
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/mars-test-bus", 1);
    for (const auto& c : cases) {
        auto r = marsadm(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.error << "\n" << r.err;
        EXPECT_EQ(r.err.rfind(c.error + "\n", 0), 0u) << "want: " << c.error << "\ngot: " << r.err;
        EXPECT_NE(r.err.find("usage: marsadm " + c.args[0]), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

} // namespace

TEST(ResourceUsage, HelpListsEveryResourceCommand)
{
    auto r = marsadm({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* synopsis : {"create-resource RES DISK [DEVNAME] [SIZE]", "join-resource RES DISK [DEVNAME]",
                                 "leave-resource RES", "delete-resource [--force] RES",
                                 "wait-resource RES CONDITION [--timeout SECONDS]", "view [RES|all] [--json]"})
        EXPECT_NE(r.out.find(synopsis), std::string::npos) << synopsis << "\n" << r.out;
    for (const char* name : kSwitches)
        EXPECT_NE(r.out.find(std::string("  ") + name + " RES|RES1,RES2|all\n"), std::string::npos) << name;
}

TEST(ResourceUsage, CommandHelpNamesTheDbusCall)
{
    const std::pair<const char*, const char*> cases[] = {
        {"create-resource", "Manager.CreateResource(name, disk, device, size)"},
        {"join-resource", "Manager.JoinResource(name, disk, device)"},
        {"leave-resource", "Resource.Leave()"},
        {"delete-resource", "Resource.Delete(force)"},
        {"pause-fetch", "Resource.PauseFetch()"},
        {"log-delete", "Resource.LogDelete()"},
        {"wait-resource", "caught-up"},
        {"view", "RES [MEMBERS] DISKSTATE REPLSTATE FLAGS ROLE PRIMARY"},
    };
    for (const auto& [name, text] : cases) {
        auto r = marsadm({name, "--help"});
        EXPECT_EQ(r.exit_code, 0) << name;
        EXPECT_NE(r.out.find(text), std::string::npos) << name << "\n" << r.out;
    }
}

TEST(ResourceUsage, MembershipCommands)
{
    expect_usage_errors({
        {{"create-resource"}, "marsadm create-resource: missing the resource argument"},
        {{"create-resource", "r0"}, "marsadm create-resource: missing the disk argument"},
        {{"create-resource", "r0", "/dev/vdb", "r0", "10G", "x"}, "marsadm create-resource: unexpected argument 'x'"},
        {{"create-resource", "r0", "/dev/vdb", "r0", "10Q"},
         "marsadm create-resource: size '10Q' is not a size (bytes, or with K/M/G/T 1024-based, k/m/g/t "
         "1000-based suffixes, e.g. 10G)"},
        {{"create-resource", "r0", "/dev/vdb", "r0", "-1G"},
         "marsadm create-resource: unknown option '-1G' "
         "(options are spelled --name)"},
        {{"create-resource", "r0", "/dev/vdb", "r0", "1.5G"},
         "marsadm create-resource: size '1.5G' is not a size "
         "(bytes, or with K/M/G/T 1024-based, k/m/g/t "
         "1000-based suffixes, e.g. 10G)"},
        {{"create-resource", "R0", "/dev/vdb"},
         "marsadm create-resource: resource name 'R0' must start with a lower-case letter"},
        {{"create-resource", "all", "/dev/vdb"}, "marsadm create-resource: this command takes one resource, not 'all'"},
        {{"create-resource", "r0", "vdb"},
         "marsadm create-resource: disk 'vdb' is not an absolute path (e.g. /dev/vg/r0)"},
        {{"create-resource", "r0", "/dev/vdb", "a/b"},
         "marsadm create-resource: 'a/b' is not a device name (a name under /dev/mars/, no '/')"},
        {{"create-resource", "r0", "/dev/vdb", "--size", "1G"}, "marsadm create-resource: unknown option --size"},
        {{"join-resource", "r0"}, "marsadm join-resource: missing the disk argument"},
        {{"join-resource", "r0", "/dev/vdb", "r0", "10G"}, "marsadm join-resource: unexpected argument '10G'"},
        {{"join-resource", "r.0", "/dev/vdb"},
         "marsadm join-resource: resource name 'r.0' may contain only a-z, 0-9, '-' and '_'"},
        {{"leave-resource"}, "marsadm leave-resource: missing the resource argument"},
        {{"leave-resource", "r0", "r1"}, "marsadm leave-resource: unexpected argument 'r1'"},
        {{"leave-resource", "r0,r1"},
         "marsadm leave-resource: resource name 'r0,r1' may contain only a-z, 0-9, '-' "
         "and '_'"},
        {{"delete-resource"}, "marsadm delete-resource: missing the resource argument"},
        {{"delete-resource", "all"}, "marsadm delete-resource: this command takes one resource, not 'all'"},
        {{"delete-resource", "r0", "--force=yes"}, "marsadm delete-resource: option --force takes no value"},
        {{"delete-resource", "r0", "--timeout", "soon"},
         "marsadm delete-resource: --timeout needs a non-negative number, not 'soon'"},
    });
}

TEST(ResourceUsage, Switches)
{
    std::vector<Case> cases;
    for (const std::string name : kSwitches) {
        cases.push_back({{name}, "marsadm " + name + ": missing the resource argument"});
        cases.push_back({{name, "r0", "r1"}, "marsadm " + name + ": unexpected argument 'r1'"});
        cases.push_back(
            {{name, "Bad"}, "marsadm " + name + ": resource name 'Bad' must start with a lower-case letter"});
        cases.push_back({{name, "r0,all"}, "marsadm " + name + ": 'all' cannot be combined with other resources"});
        cases.push_back({{name, "r0,"}, "marsadm " + name + ": resource name must have 1 to 63 characters"});
        cases.push_back({{name, "r0", "--force"}, "marsadm " + name + ": unknown option --force"});
    }
    expect_usage_errors(cases);
}

TEST(ResourceUsage, WaitResourceAndView)
{
    expect_usage_errors({
        {{"wait-resource"}, "marsadm wait-resource: missing the resource argument"},
        {{"wait-resource", "r0"}, "marsadm wait-resource: missing the condition argument"},
        {{"wait-resource", "r0", "attached", "x"}, "marsadm wait-resource: unexpected argument 'x'"},
        {{"wait-resource", "r0", "attach"},
         "marsadm wait-resource: unknown condition 'attach' (one of attached, detached, primary, secondary, device, "
         "device-off, uptodate, synced, caught-up, replicating)"},
        {{"wait-resource", "all", "attached"}, "marsadm wait-resource: this command takes one resource, not 'all'"},
        {{"wait-resource", "r0", "attached", "--timeout"}, "marsadm wait-resource: option --timeout needs a value"},
        {{"wait-resource", "r0", "attached", "--timeout=-1"},
         "marsadm wait-resource: --timeout needs a non-negative number, not '-1'"},
        {{"view", "r0", "r1"}, "marsadm view: unexpected argument 'r1'"},
        {{"view", "R0"}, "marsadm view: resource name 'R0' must start with a lower-case letter"},
        {{"view", "--json=1"}, "marsadm view: option --json takes no value"},
    });
}

TEST(ResourceUsage, DryRunNeedsNoDaemon)
{
    auto c = marsadm({"create-resource", "r0", "/dev/vdb", "data0", "10G", "--dry-run"});
    EXPECT_EQ(c.exit_code, 0) << c.err;
    EXPECT_EQ(c.out, "would create resource r0 on /dev/vdb as /dev/mars/data0, size 10737418240 bytes\n");
    auto d = marsadm({"delete-resource", "--force", "r0", "--dry-run"});
    EXPECT_EQ(d.exit_code, 0) << d.err;
    EXPECT_EQ(d.out, "would delete resource r0 on all members (forced)\n");
    auto a = marsadm({"pause-sync", "r0,r1", "--dry-run"});
    EXPECT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, "would pause-sync r0\nwould pause-sync r1\n");
}
