// marsadm view of one resource, rendered from property sets as marsd would
// send them (JSON keyed by D-Bus property name), no bus involved.
#include <gtest/gtest.h>

#include "resource_render.hpp"

using namespace mars::marsadm;
using nlohmann::json;

namespace {

std::string view_of(const json& j)
{
    return render_resource(properties_from_json(j));
}

} // namespace

TEST(ResourceRender, HumanBytesAndProgressBar)
{
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(1023), "1023 B");
    EXPECT_EQ(human_bytes(1024), "1.0 KiB");
    EXPECT_EQ(human_bytes(1536 * 1024), "1.5 MiB");
    EXPECT_EQ(human_bytes(10ull << 30), "10.0 GiB");
    EXPECT_EQ(progress_bar(0), "0.0% [....................]");
    EXPECT_EQ(progress_bar(0.42), "42.0% [########............]");
    EXPECT_EQ(progress_bar(0.99999), "99.9% [###################.]");
    EXPECT_EQ(progress_bar(1), "100.0% [####################]");
    EXPECT_EQ(progress_bar(7), "100.0% [####################]");
    EXPECT_EQ(progress_bar(-1), "0.0% [....................]");
}

TEST(ResourceRender, PrimaryReplicating)
{
    json j = {{"Name", "r0"},
              {"Size", 10ull << 30},
              {"Primary", "alpha"},
              {"Members", {"alpha", "beta"}},
              {"Role", "Primary"},
              {"DiskState", "UpToDate"},
              {"ReplState", "Replicating"},
              {"Flags", "DCA-FR"},
              {"Device", "/dev/mars/r0"},
              {"Frontend", "fuse"},
              {"Disk", "/dev/vdb"},
              {"Todo", {{"attach", true}, {"fetch", true}, {"replay", true}, {"sync", true}}},
              {"ReplayPosition", "log-000000003-alpha,8192,0,18"},
              {"FetchPosition", "log-000000003-alpha,8192,0,18"},
              {"PrimaryPosition", "log-000000003-alpha,8192,0,18"},
              {"FetchLag", 0},
              {"ReplayLag", 0},
              {"LagSeconds", 0.0},
              {"SyncProgress", 1.0},
              {"SyncRemaining", 0},
              {"SplitBrain", ""},
              {"LastError", ""}};
    EXPECT_EQ(view_of(j), "r0 [alpha,beta] UpToDate Replicating DCA-FR Primary alpha\n"
                          "    device: /dev/mars/r0 (fuse)  disk: /dev/vdb  size: 10.0 GiB\n"
                          "    replay:  log-000000003-alpha,8192,0,18\n"
                          "    fetch:   log-000000003-alpha,8192,0,18\n"
                          "    primary: log-000000003-alpha,8192,0,18\n");
}

TEST(ResourceRender, SecondaryBehindShowsLagInBytesAndSeconds)
{
    json j = {{"Name", "r0"},
              {"Primary", "alpha"},
              {"Members", {"alpha", "beta"}},
              {"Role", "Secondary"},
              {"DiskState", "OutDated[FR]"},
              {"ReplState", "Replaying"},
              {"Flags", "-CASfr"},
              {"Disk", "/dev/vdc"},
              {"ReplayPosition", "log-000000002-alpha,4096,0,9"},
              {"FetchPosition", "log-000000003-alpha,0,0,12"},
              {"PrimaryPosition", "log-000000003-alpha,1048576,0,40"},
              {"FetchLag", 1048576},
              {"ReplayLag", 512},
              {"LagSeconds", 2.25},
              {"SyncProgress", 1.0}};
    EXPECT_EQ(view_of(j), "r0 [alpha,beta] OutDated[FR] Replaying -CASfr Secondary alpha\n"
                          "    device: off  disk: /dev/vdc\n"
                          "    replay:  log-000000002-alpha,4096,0,9\n"
                          "    fetch:   log-000000003-alpha,0,0,12\n"
                          "    primary: log-000000003-alpha,1048576,0,40\n"
                          "    lag: fetch 1048576 B (1.0 MiB), replay 512 B, 2.2 s\n");
}

TEST(ResourceRender, SyncingShowsProgressAndRemaining)
{
    json j = {{"Name", "data-1"},
              {"Size", 4ull << 30},
              {"Primary", "alpha"},
              {"Members", {"alpha", "beta", "gamma"}},
              {"Role", "Secondary"},
              {"DiskState", "InConsistent"},
              {"ReplState", "Syncing"},
              {"Flags", "-cAs--"},
              {"Disk", "/dev/vg/data-1"},
              {"SyncProgress", 0.375},
              {"SyncRemaining", 2560ull << 20}};
    EXPECT_EQ(view_of(j), "data-1 [alpha,beta,gamma] InConsistent Syncing -cAs-- Secondary alpha\n"
                          "    device: off  disk: /dev/vg/data-1  size: 4.0 GiB\n"
                          "    sync: 37.5% [#######.............] 2.5 GiB remaining\n");
    j["ReplState"] = "PausedSync";
    EXPECT_NE(view_of(j).find("    sync: 37.5% [#######.............] 2.5 GiB remaining (paused)\n"),
              std::string::npos);
}

TEST(ResourceRender, SplitBrainAndErrorLines)
{
    json j = {{"Name", "r0"},
              {"Primary", "beta"},
              {"Members", {"alpha", "beta"}},
              {"Role", "RemainsPrimary"},
              {"DiskState", "UpToDate"},
              {"ReplState", "SplitBrain"},
              {"Flags", "DCA-F-"},
              {"Device", "/dev/mars/r0"},
              {"Frontend", "kmod"},
              {"Disk", "/dev/vdb"},
              {"SplitBrain", "alpha and beta both wrote after log-000000007 (versionlinks differ)"},
              {"LastError", "fetching log-000000008-beta from beta: connection refused"}};
    EXPECT_EQ(view_of(j), "r0 [alpha,beta] UpToDate SplitBrain DCA-F- RemainsPrimary beta\n"
                          "    device: /dev/mars/r0 (kmod)  disk: /dev/vdb\n"
                          "    SPLIT BRAIN: alpha and beta both wrote after log-000000007 (versionlinks differ)\n"
                          "    error: fetching log-000000008-beta from beta: connection refused\n");
}

TEST(ResourceRender, NotJoinedAndAnOlderMarsdWithFewProperties)
{
    json not_joined = {{"Name", "r1"},
                       {"Size", 0},
                       {"Primary", ""},
                       {"Members", {"beta"}},
                       {"Role", "None"},
                       {"DiskState", "NotJoined"},
                       {"ReplState", "NotJoined"},
                       {"Flags", "------"},
                       {"Device", ""},
                       {"Disk", ""},
                       {"ReplayPosition", ""}};
    EXPECT_EQ(view_of(not_joined), "r1 [beta] NotJoined NotJoined ------ None (none)\n");
    // Only the first four properties (today's marsd): unknowns show as '?'.
    json old = {{"Name", "r2"}, {"Size", 1024}, {"Primary", "alpha"}, {"Members", {"alpha"}}};
    EXPECT_EQ(view_of(old), "r2 [alpha] ? ? ? ? alpha\n");
}

TEST(ResourceRender, MistypedPropertiesKeepTheirDefaults)
{
    auto p = properties_from_json(
        {{"Name", 7}, {"FetchLag", "lots"}, {"Members", {"a", 3, "b"}}, {"Todo", {{"sync", true}, {"fetch", "x"}}}});
    EXPECT_EQ(p.name, "");
    EXPECT_EQ(p.fetch_lag, 0u);
    EXPECT_EQ(p.members, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(p.todo, (std::map<std::string, bool>{{"sync", true}}));
}
